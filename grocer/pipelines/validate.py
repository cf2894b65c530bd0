"""Validation pipeline: an invalid product leaves its listing page (never the page) with a
counted reason, ``grocer/validate/rejected/<kind>:<field>``."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Self

from scrapy.exceptions import DropItem

from grocer.items import ListingPageItem, ProductItem
from grocer.normalize.validate import Rejected, validate_item

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class ValidatePipeline:
    """Drops invalid items, counting ``grocer/validate/rejected/<reason>`` in the stats."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ListingPageItem):
            item.products = [p for p in item.products if self._check(p)]
            self.stats.inc_value("grocer/validate/ok", len(item.products))
            return item
        if isinstance(item, ProductItem):
            if not self._check(item):
                raise DropItem(f"rejected product {item.sku!r}")
            self.stats.inc_value("grocer/validate/ok")
        return item

    def _check(self, item: ProductItem) -> bool:
        """Validate one product in place, counting the outcome; False when rejected."""
        try:
            _, notes = validate_item(item)
        except Rejected as rejection:
            self.stats.inc_value(f"grocer/validate/rejected/{rejection.reason}")
            self.stats.inc_value("grocer/validate/rejected")
            logger.debug("rejected %s", rejection)
            return False
        for note in notes:  # e.g. missing_price: the product lands, no price row
            self.stats.inc_value(f"grocer/validate/{note}")
        return True
