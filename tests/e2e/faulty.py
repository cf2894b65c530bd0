"""A pipeline that spoils one product: the database refuses it (a price below zero breaks a
check constraint on both databases), as it would a value validation let through."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from grocer.items import ListingPageItem

SPOILED_SKU_FILE = "spoiled-sku.txt"  # written in the crawl's data folder, for the test


class SpoilOnePipeline:
    """Gives the first product of the crawl's first page with products a negative price."""

    spoiled = False

    def __init__(self, data_dir: str) -> None:
        self.data_dir = data_dir

    @classmethod
    def from_crawler(cls, crawler: Any) -> SpoilOnePipeline:
        return cls(crawler.settings.get("GROCER_DATA_DIR"))

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ListingPageItem) and item.observations and not self.spoiled:
            SpoilOnePipeline.spoiled = True
            observation = item.observations[0]
            observation.price = Decimal("-1.00")  # type: ignore[attr-defined]
            with open(f"{self.data_dir}/{SPOILED_SKU_FILE}", "w") as out:
                out.write(f"{observation.sku}\n{item.page}\n")  # type: ignore[attr-defined]
        return item
