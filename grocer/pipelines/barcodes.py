"""The Coles barcode pipeline: hands the spider its work list and writes each page's outcome.

When ``coles_barcodes`` opens, the store's Coles products without a barcode and never checked
are selected (products already known or checked are counted and skipped) and set on the spider
as ``work``, the way the database pipeline sets ``spider.context``; each ``BarcodeItem`` is then
written in its own transaction together with the product's check mark; the run is a
``crawl_runs`` row like any crawl.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals

from grocer.crawl.context import crawl_config
from grocer.db import barcodes
from grocer.db.migrate import upgrade
from grocer.db.store_rows import StoreRow, store_info
from grocer.db.writer import PriceWriter
from grocer.items import BarcodeItem
from grocer.normalize.gtin import clean_gtin
from grocer.spiders.coles_barcodes import ColesBarcodesSpider

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)
STATS = "grocer/barcodes"


class BarcodesPipeline:
    """Selects the work at open; one transaction per product page outcome."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.writer: PriceWriter | None = None
        self.run_id: int | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def open_spider(self, spider: Any = None) -> None:
        spider = self.crawler.spider
        if not isinstance(spider, ColesBarcodesSpider):
            return
        self.writer = PriceWriter(upgrade(crawl_config(self.crawler.settings).database_url))
        store = StoreRow(spider.company, spider.store_id)
        self.run_id = self.writer.open_run(spider=spider.name, store=store, observed_on=None)
        with self.writer.engine.connect() as connection:
            info = store_info(connection, store.company, store.retailer_store_id)
            assert info is not None  # open_run created it when unknown
            work = barcodes.select_work(connection, info.id)
        counts = {
            "selected": len(work.tasks),
            "skipped_known": work.known,
            "skipped_checked": work.checked,
            "skipped_no_url": work.no_url,
        }
        for name, value in counts.items():
            self.crawler.stats.set_value(f"{STATS}/{name}", value)
        logger.info("coles barcodes for %s: %s", spider.store_id, counts)
        spider.work = [(task.sku, task.url) for task in work.tasks]

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, BarcodeItem) or self.writer is None:
            return item
        gtin = clean_gtin(item.barcode) if item.barcode else None
        now = datetime.now(UTC)
        outcome = barcodes.in_transaction(
            self.writer.engine,
            lambda connection: barcodes.record_barcode(
                connection, sku=item.sku, gtin=gtin, status=item.status, checked_at=now
            ),
        )
        self.crawler.stats.inc_value(f"{STATS}/{outcome}")
        if outcome == barcodes.MERGED:
            logger.info("coles %s: barcode %s merged two products", item.sku, gtin and gtin.code)
        elif outcome == barcodes.UNKNOWN_SKU:
            logger.warning("coles %s: no such listing; nothing written", item.sku)
        return item

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.writer is None or self.run_id is None:
            return
        stats = self.crawler.stats
        summary = {
            k: v for k, v in stats.get_stats().items() if k.startswith(("grocer/", "retry/"))
        }
        left = int(stats.get_value(f"{STATS}/left_unchecked", 0))
        complete = reason == "finished" and left == 0
        barcodes.in_transaction(
            self.writer.engine,
            lambda connection: barcodes.finish_run(
                connection,
                self.run_id,
                complete=complete,
                finish_reason=reason,
                items=int(stats.get_value("item_scraped_count", 0)),
                rejected=int(stats.get_value(f"{STATS}/{barcodes.INVALID}", 0)),
                stats={**summary, "finish_reason": reason},
            ),
        )
        logger.info("barcode run %s %s (%s)", self.run_id, "complete" if complete else "partial",
                    reason)  # fmt: skip
        self.writer.engine.dispose()
