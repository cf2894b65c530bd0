"""A pipeline that fails once: the crawl's first listing page with products raises."""

from __future__ import annotations

from typing import Any

from grocer.items import ListingPageItem


class RaiseOncePipeline:
    """Raises on the first listing page with products, as a bug in a pipeline would."""

    raised = False

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ListingPageItem) and item.products and not self.raised:
            RaiseOncePipeline.raised = True
            raise RuntimeError(f"a pipeline fails on page {item.page}")
        return item
