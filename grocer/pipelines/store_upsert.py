"""The store locator pipeline: stores are upserted (never duplicated) in batches."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from grocer.crawl.run import ITEMS_WRITTEN, run_lifecycle
from grocer.db.store_rows import StoreRow, upsert_stores
from grocer.items import StoreItem
from grocer.store_import import store_row

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

BATCH = 500


class StoresPipeline:
    """Upserts ``StoreItem``s by (company, store id), counting stores and crawlable ones."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.pending: dict[tuple[str, str], StoreRow] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, StoreItem):
            return item
        row = store_row(item)
        self.pending[(row.company, row.retailer_store_id)] = row
        self.crawler.stats.inc_value("grocer/stores/seen")
        if row.crawlable:
            self.crawler.stats.inc_value("grocer/stores/crawlable")
        if len(self.pending) >= BATCH:
            self._flush()
        return item

    def close_spider(self, spider: Any = None) -> None:
        self._flush()

    def _flush(self) -> None:
        if not self.pending:
            return
        with run_lifecycle(self.crawler).engine.begin() as connection:
            upsert_stores(connection, list(self.pending.values()))
        self.crawler.stats.inc_value("grocer/stores/written", len(self.pending))
        self.crawler.stats.inc_value(ITEMS_WRITTEN, len(self.pending))
        self.pending.clear()
