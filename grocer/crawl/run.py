"""The crawl-run lifecycle: one Scrapy extension opens a crawl's run, hands out its context and
closes it with a status.

Like Scrapy's ``corestats`` and ``closespider``, the state of a run lives here, with the
crawler, never on the spider or in a pipeline.  When the crawler is built, the extension
settles which ``crawl_runs`` row the crawl works on: the one named by the ``_job`` spider
argument (the launcher's, as Scrapyd names it), else the latest ``interrupted`` run of the
same spider and store on this host, else a new one; its job directory is ``jobs/<run id>``.
On ``spider_opened`` it opens an attempt (``running``), loads the store's facts, the pages
earlier attempts committed and the counters they kept, and hands the crawl a
:class:`~grocer.crawl.context.RunContext` (:func:`run_context`).  It counts item and spider
errors, and on ``spider_closed`` writes the stats back and decides the status
(:func:`run_status`).  A store known not to be crawlable is refused before any row is made.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import CloseSpider
from sqlalchemy import Engine, select

from grocer.constants import COMPLETE, FAILED, INTERRUPTED, PARTIAL, PENDING
from grocer.crawl import jobdir
from grocer.crawl.context import RunContext, crawl_config
from grocer.db import barcodes, runs
from grocer.db.engine import display_url
from grocer.db.migrate import upgrade
from grocer.db.models import CrawlPage
from grocer.db.store_rows import COMPANY_IDS, StoreRow, ensure_store, store_info
from grocer.db.transactions import in_transaction
from grocer.memory import relax_gc

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

NOT_CRAWLABLE = "not_crawlable"
# The run's record of its crawl stats (the counters of earlier attempts are loaded from it).
RECORDED_STATS = (
    "grocer/", "retry/", "downloader/", "log_count/", "item_scraped_count", "item_dropped_count",
    "response_received_count", "spider_exceptions/",
)  # fmt: skip
# Per attempt, not added up over attempts.
ATTEMPT_STATS = ("grocer/resume/",)
# Counted here: any of them makes a finished run partial ...
ITEM_ERRORS = "grocer/run/item_errors"
SPIDER_ERRORS = "grocer/run/spider_errors"
ITEMS_DROPPED = "grocer/run/items_dropped"
# ... and so does work the spider gave up on.
LOST_WORK = ("grocer/listing/pages_lost", "grocer/barcodes/left_unchecked")
# What the writing pipelines count: records written, and records rejected by validation.
ITEMS_WRITTEN = "grocer/run/items"
REJECTED = "grocer/validate/rejected"
# Finish reasons of a crawl stopped before its spider finished (Ctrl-C, SIGTERM).
INTERRUPTING = frozenset({"shutdown"})


def run_status(reason: str, stats: dict[str, Any]) -> str:
    """The status of a run whose crawl closed with ``reason`` and ``stats`` (all attempts).

    ``interrupted`` when it was stopped; ``failed`` when it finished having requested pages
    but received no response; ``complete`` when it finished without item or spider errors or
    lost work; else ``partial``.  Rejected records never change it.
    """
    if reason in INTERRUPTING:
        return INTERRUPTED
    requested = stats.get("downloader/request_count", 0)
    if reason == "finished" and requested and not stats.get("downloader/response_count"):
        return FAILED
    troubles = (ITEM_ERRORS, SPIDER_ERRORS, *LOST_WORK)
    if reason == "finished" and not any(stats.get(name) for name in troubles):
        return COMPLETE
    return PARTIAL


class RunLifecycle:
    """Opens, hands out and closes the crawl's ``crawl_runs`` row (see the module)."""

    def __init__(self, crawler: Crawler, engine: Engine) -> None:
        self.crawler = crawler
        self.engine = engine
        self.run_id: int | None = None
        self.refusal: str | None = None  # why the crawl may not start (no row was made)
        self.attempt: int | None = None  # set once an attempt is open
        self._context: RunContext | None = None
        self._restore_gc: Callable[[], None] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        config = crawl_config(crawler.settings)
        logger.info("database: %s", display_url(config.database_url))
        extension = cls(crawler, upgrade(config.database_url))
        extension.settle_run()
        # A sample is a few requests: restarted whole, it needs no job directory.
        sample = getattr(crawler.spider, "sample", None)
        wants_jobdir = crawler.settings.getbool("GROCER_JOBDIR") and not sample
        if extension.run_id is not None and wants_jobdir and not crawler.settings.get("JOBDIR"):
            job = jobdir.prepare(jobdir.job_path(config.data_dir, extension.run_id))
            crawler.settings.set("JOBDIR", str(job.path), priority="spider")
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.item_error, signal=signals.item_error)
        crawler.signals.connect(extension.spider_error, signal=signals.spider_error)
        crawler.signals.connect(extension.item_dropped, signal=signals.item_dropped)
        return extension

    @property
    def context(self) -> RunContext:
        """The open run's context."""
        if self._context is None:
            raise RuntimeError("the crawl's run is not open (the run lifecycle opens it)")
        return self._context

    # ------------------------------------------------------------------ opening

    def settle_run(self) -> None:
        """Which run this crawl works on (or why it may not start)."""
        spider = self.crawler.spider
        company, store_id = spider.company, getattr(spider, "store_id", None)
        job = getattr(spider, "_job", None)
        with self.engine.connect() as connection:
            info = store_info(connection, company, store_id) if store_id else None
        if info is not None and not info.crawlable:
            self.refusal = (
                f"{company} store {store_id} ({info.name}) is not crawlable: "
                f"{info.not_crawlable_reason}"
            )
            if job is not None:  # the launcher made a row: it ends failed
                in_transaction(
                    self.engine,
                    lambda c: runs.end_run(c, int(job), status=FAILED, reason=NOT_CRAWLABLE),
                )
            return
        if job is not None:
            self.run_id = int(job)
            return

        def find_or_make(connection: Any) -> int:
            store_pk = ensure_store(connection, StoreRow(company, store_id)) if store_id else None
            found = runs.continuable_run(
                connection, spider=spider.name, company_id=COMPANY_IDS[company],
                store_pk=store_pk, host=socket.gethostname(),
            )  # fmt: skip
            if found is not None:
                return found
            sample = getattr(spider, "sample", None)
            return runs.create_run(
                connection, spider=spider.name, company_id=COMPANY_IDS[company],
                store_pk=store_pk, kind=spider.run_kind,
                args={"sample": str(sample)} if sample else None,
            )  # fmt: skip

        self.run_id = in_transaction(self.engine, find_or_make)

    def spider_opened(self, spider: Any) -> None:
        # Receivers run in the order they were connected: connected now, after every
        # component has connected its own, the status is decided after checks run at close.
        self.crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        if self.refusal is not None:
            logger.error("%s", self.refusal)
            self.crawler.stats.set_value("grocer/refused", self.refusal)
            raise CloseSpider(NOT_CRAWLABLE)
        assert self.run_id is not None
        run_id = self.run_id
        with self.engine.connect() as connection:
            run = runs.get_run(connection, run_id)
        if run is None:
            logger.error("no crawl run %s in %s", run_id, display_url(str(self.engine.url)))
            raise CloseSpider("unknown_run")
        if run.status not in (PENDING, INTERRUPTED):
            logger.warning("run %s is %s: nothing to do", run_id, run.status)
            raise CloseSpider(f"run_{run.status}")
        self.attempt = in_transaction(
            self.engine,
            lambda c: runs.open_attempt(c, run_id, host=socket.gethostname(), pid=os.getpid()),
        )
        if self.attempt is None:
            raise CloseSpider("run_taken")
        self._context = self._load_context(spider, run)
        self._load_earlier_stats(run.stats)
        if self._context.done_pages:
            logger.info(
                "resuming run %s: %d listing pages already committed",
                run_id, len(self._context.done_pages),
            )  # fmt: skip
            self.crawler.stats.set_value("grocer/resume/pages_done", len(self._context.done_pages))
        self._restore_gc = relax_gc()

    def _load_context(self, spider: Any, run: runs.RunRow) -> RunContext:
        store_id = getattr(spider, "store_id", None)
        work: tuple[tuple[str, str], ...] = ()
        with self.engine.connect() as connection:
            info = store_info(connection, spider.company, store_id) if store_id else None
            done = frozenset(
                connection.execute(select(CrawlPage.page).where(CrawlPage.run_id == run.id))
                .scalars()
                .all()
            )
            if info is not None and self.crawler.settings.getbool("GROCER_BARCODE_WORK"):
                found = barcodes.select_work(connection, info.id)
                work = tuple((task.sku, task.url) for task in found.tasks)
                self._count_barcode_work(found)
        return RunContext(
            run_id=run.id,
            attempt=self.attempt or 0,
            spider=spider.name,
            company=spider.company,
            store_id=store_id,
            kind=run.kind,
            timezone=info.timezone if info else RunContext.timezone,
            aux_id=info.aux_id if info else None,
            done_pages=done,
            barcode_work=work,
        )

    def _count_barcode_work(self, work: barcodes.BarcodeWork) -> None:
        counts = {
            "selected": len(work.tasks),
            "skipped_known": work.known,
            "skipped_checked": work.checked,
            "skipped_no_url": work.no_url,
        }
        for name, value in counts.items():
            self.crawler.stats.set_value(f"grocer/barcodes/{name}", value)
        logger.info(
            "barcode work: %d product pages to request (%d with a barcode, %d checked before, "
            "%d without a URL)", *counts.values(),
        )  # fmt: skip

    def _load_earlier_stats(self, earlier: dict[str, Any]) -> None:
        """Add the counters earlier attempts recorded, so the stats speak of the whole run."""
        stats = self.crawler.stats
        for name, value in earlier.items():
            if (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and name.startswith(RECORDED_STATS)
                and not name.startswith(ATTEMPT_STATS)
            ):
                stats.inc_value(name, value)

    # ------------------------------------------------------------------ counting

    def item_error(self, item: Any, response: Any, spider: Any, failure: Any) -> None:
        self.crawler.stats.inc_value(ITEM_ERRORS)

    def spider_error(self, failure: Any, response: Any, spider: Any) -> None:
        self.crawler.stats.inc_value(SPIDER_ERRORS)

    def item_dropped(self, item: Any, response: Any, exception: Any, spider: Any) -> None:
        self.crawler.stats.inc_value(ITEMS_DROPPED)

    # ------------------------------------------------------------------ closing

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self._restore_gc is not None:
            self._restore_gc()
            self._restore_gc = None
        try:
            if self.attempt is not None and self.run_id is not None:
                self._close(reason)
        finally:
            self.engine.dispose()  # many crawls may share one process (grocer crawl)

    def _close(self, reason: str) -> None:
        assert self.run_id is not None and self.attempt is not None
        run_id, attempt = self.run_id, self.attempt
        stats = self.crawler.stats.get_stats()
        status = run_status(reason, stats)
        recorded = {k: _jsonable(v) for k, v in stats.items() if k.startswith(RECORDED_STATS)}
        recorded["finish_reason"] = reason
        closed = in_transaction(
            self.engine,
            lambda c: runs.close_run(
                c, run_id, attempt=attempt, status=status, finish_reason=reason,
                items=int(stats.get(ITEMS_WRITTEN, 0)), rejected=int(stats.get(REJECTED, 0)),
                stats=recorded,
            ),
        )  # fmt: skip
        if not closed:
            logger.warning("run %s was ended elsewhere; its row is left as it is", run_id)
            return
        logger.info(
            "run %s %s (%s): %d written, %d rejected",
            run_id, status, reason, stats.get(ITEMS_WRITTEN, 0), stats.get(REJECTED, 0),
        )  # fmt: skip


def run_lifecycle(crawler: Crawler) -> RunLifecycle:
    """The crawl's run lifecycle extension."""
    extension = crawler.get_extension(RunLifecycle)
    if extension is None:
        raise RuntimeError("the run lifecycle extension (grocer.crawl.run.RunLifecycle) is off")
    return extension


def run_context(crawler: Crawler) -> RunContext:
    """The context of the crawl's open run."""
    return run_lifecycle(crawler).context


def _jsonable(value: Any) -> Any:
    return value if isinstance(value, int | float | str | bool) or value is None else str(value)
