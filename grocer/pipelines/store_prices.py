"""The price writer pipeline: each listing page lands with its done-mark, in one transaction.

The run it writes for comes from the run lifecycle (:mod:`grocer.crawl.run`), which opens and
closes the ``crawl_runs`` row; this pipeline only writes.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Self

from sqlalchemy import Engine

from grocer.constants import FULL_RUN
from grocer.crawl.context import RunContext
from grocer.crawl.run import ITEMS_WRITTEN, run_lifecycle
from grocer.db.writer import PriceWriter
from grocer.items import ListingPageItem
from grocer.normalize.product import Observation

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class PageNotWritten(Exception):
    """Some of a page's products did not land: the page is not marked (a resumed attempt
    fetches it again) and the run is partial."""


class StorePricesPipeline:
    """Writes each listing page's observations and its done-mark in one transaction."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.writer: PriceWriter | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ListingPageItem):
            return item
        lifecycle = run_lifecycle(self.crawler)
        if self.writer is None:
            self.writer = self._open_writer(lifecycle.engine, lifecycle.context)
        run = lifecycle.context
        observations = [o for o in item.observations if isinstance(o, Observation)]
        refused = self.writer.write_salvaging(
            observations, run_id=run.run_id, pages=item.done_marks(), lease=run.lease
        )
        stats = self.crawler.stats
        written = len(observations) - len(refused)
        stats.inc_value("grocer/db/observations", written)
        stats.inc_value(ITEMS_WRITTEN, written)
        item.observations = []
        if refused:
            stats.inc_value("grocer/db/refused", len(refused))
            observation, error = refused[0]
            raise PageNotWritten(
                f"{item.page}: the database refused {len(refused)} of {len(observations)} "
                f"products (sku {observation.sku}: {str(error).splitlines()[0][:200]}); the "
                f"page stays unmarked"
            )
        stats.inc_value("grocer/db/pages", 1)
        return item

    @staticmethod
    def _open_writer(engine: Engine, run: RunContext) -> PriceWriter:
        writer = PriceWriter(engine)
        if run.kind == FULL_RUN:  # a full crawl meets most listings: load them in one query
            known = writer.preload_listings(run.company)
            logger.info("%d %s listings known before the crawl", known, run.company)
        return writer
