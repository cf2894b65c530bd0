"""The Coles barcode pipeline: each product page's outcome is written with its check mark.

The work list (the store's products without a barcode, never checked) comes to the spider with
its run (:mod:`grocer.crawl.run`); each ``BarcodeItem`` is written in its own transaction
together with the product's check mark, merging products found to share a barcode.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self

from grocer.crawl.run import ITEMS_WRITTEN, REJECTED, run_lifecycle
from grocer.db import barcodes
from grocer.items import BarcodeItem
from grocer.normalize.gtin import clean_gtin

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)
STATS = "grocer/barcodes"


class BarcodesPipeline:
    """One transaction per product page outcome."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, BarcodeItem):
            return item
        gtin = clean_gtin(item.barcode) if item.barcode else None
        lifecycle = run_lifecycle(self.crawler)
        outcome = barcodes.write_outcome(
            lifecycle.engine,
            sku=item.sku,
            gtin=gtin,
            status=item.status,
            checked_at=datetime.now(UTC),
            lease=lifecycle.context.lease,
        )
        stats = self.crawler.stats
        stats.inc_value(f"{STATS}/{outcome}")
        if outcome == barcodes.INVALID:  # no valid GTIN: a rejected record
            stats.inc_value(REJECTED)
            stats.inc_value(f"{REJECTED}/out_of_range:barcode")
        elif outcome != barcodes.UNKNOWN_SKU:
            stats.inc_value(ITEMS_WRITTEN)
        if outcome == barcodes.MERGED:
            logger.info("coles %s: barcode %s merged two products", item.sku, gtin and gtin.code)
        elif outcome == barcodes.UNKNOWN_SKU:
            logger.warning("coles %s: no such listing; nothing written", item.sku)
        return item
