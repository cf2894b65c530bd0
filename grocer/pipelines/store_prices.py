"""The database writer pipeline: listing pages land with their done-marks; the run is recorded.

It is the only pipeline that touches the database.  When the crawl opens it refuses a store
that is known not to be crawlable, tells the spider its store's time zone, IGA shop id and the
pages an interrupted attempt of the same run already committed, and opens (or resumes) the
``crawl_runs`` row; when the crawl closes it records how it ended.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import CloseSpider

from grocer.crawl.context import StoreContext, crawl_config
from grocer.db.engine import display_url
from grocer.db.migrate import upgrade
from grocer.db.models import FULL_RUN, SAMPLE_RUN
from grocer.db.store_rows import StoreRow, store_info
from grocer.db.writer import PriceWriter
from grocer.items import ListingPageItem
from grocer.memory import relax_gc
from grocer.normalize.product import Observation
from grocer.spiders.base import END, RetailerSpider

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

NOT_CRAWLABLE = "not_crawlable"
# Finish reasons after which the store's catalogue (or its sample) is fully known.
COMPLETE_REASONS = frozenset({"finished"})
# The crawl stats a run keeps (requests made tell the crawl budget, see ``grocer plan``).
RECORDED_STATS = ("grocer/", "retry/", "downloader/request_count", "downloader/response_count")


class StorePricesPipeline:
    """Writes each listing page's observations and its done-mark in one transaction."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.config = crawl_config(crawler.settings)
        self.writer: PriceWriter | None = None
        self.run_id: int | None = None
        self.run_date: date | None = None
        self.restore_gc: Callable[[], None] | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def open_spider(self, spider: Any = None) -> None:
        spider = self.crawler.spider
        if not isinstance(spider, RetailerSpider):
            return
        logger.info("database: %s", display_url(self.config.database_url))
        self.restore_gc = relax_gc()
        engine = upgrade(self.config.database_url)
        self.writer = PriceWriter(engine)
        with engine.connect() as connection:
            info = store_info(connection, spider.company, spider.store_id)
        if info is not None and not info.crawlable:
            message = (
                f"{spider.company} store {spider.store_id} ({info.name}) is not crawlable: "
                f"{info.not_crawlable_reason}"
            )
            logger.error(message)
            self.crawler.stats.set_value("grocer/refused", message)
            raise CloseSpider(NOT_CRAWLABLE)
        store = StoreRow(spider.company, spider.store_id)
        source = str(spider.job.path) if spider.job else None
        if spider.job and spider.job.resumed and source:
            self.run_id = self.writer.find_open_run(spider=spider.name, store=store, source=source)
        done: frozenset[str] = frozenset()
        if self.run_id is not None:
            done = frozenset(self.writer.pages_done(self.run_id))
            logger.info(
                "resuming run %s: %d listing pages already committed", self.run_id, len(done)
            )
            self.crawler.stats.set_value("grocer/resume/pages_done", len(done))
        else:
            self.run_id = self.writer.open_run(
                spider=spider.name,
                store=store,
                observed_on=None,
                source=source,
                kind=SAMPLE_RUN if spider.sample else FULL_RUN,
            )
        if not spider.sample:  # a full crawl meets most listings: load them in one query
            known = self.writer.preload_listings(spider.company)
            logger.info("%d %s listings known before the crawl", known, spider.company)
        spider.context = StoreContext(
            timezone=info.timezone if info else StoreContext.timezone,
            aux_id=info.aux_id if info else None,
            done_pages=done,
        )

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ListingPageItem) or self.writer is None:
            return item
        observations = [o for o in item.observations if isinstance(o, Observation)]
        if observations and self.run_date is None:
            self.run_date = observations[0].observed_on
            assert self.run_id is not None
            self.writer.set_run_date(self.run_id, self.run_date)
        pages = [item.page, item.page.rpartition("#")[0] + f"#{END}"] if item.ended else [item.page]
        self.writer.write(observations, run_id=self.run_id, pages=pages)
        self.crawler.stats.inc_value("grocer/db/pages", 1)
        self.crawler.stats.inc_value("grocer/db/observations", len(observations))
        item.observations = []
        return item

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.restore_gc is not None:
            self.restore_gc()
        if self.writer is None:
            return
        if self.run_id is None:  # refused before a run was opened
            self.writer.engine.dispose()
            return
        stats = self.crawler.stats
        lost = int(stats.get_value("grocer/listing/pages_lost", 0))
        complete = reason in COMPLETE_REASONS and lost == 0
        summary = {k: v for k, v in stats.get_stats().items() if k.startswith(RECORDED_STATS)}
        summary["finish_reason"] = reason
        self.writer.close_run(
            self.run_id,
            complete=complete,
            finish_reason=reason,
            items=int(stats.get_value("grocer/db/observations", 0)),
            rejected=int(stats.get_value("grocer/validate/rejected", 0)),
            stats=_jsonable(summary),
        )
        logger.info(
            "run %s %s (%s): %s", self.run_id, "complete" if complete else "partial", reason,
            self.writer.stats.as_dict(),
        )  # fmt: skip
        self.writer.engine.dispose()  # many crawls may share one process (grocer crawl)


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v if isinstance(v, int | float | str | bool) or v is None else str(v)
        for k, v in values.items()
    }
