"""The crawl-run lifecycle: one Scrapy extension opens a crawl's run, hands out its context and
closes it with a status.

Like Scrapy's ``corestats`` and ``closespider``, the state of a run lives here, with the
crawler, never on the spider or in a pipeline.  When the crawler is built, the extension
settles which ``crawl_runs`` row the crawl works on: the one named by the ``_job`` spider
argument (the launcher's, as Scrapyd names it), else the latest ``interrupted`` run of the
same spider and store on this host, else a new one; its job directory is ``jobs/<run id>``.
On ``spider_opened`` it opens an attempt (``running``) holding the store's lease
(:mod:`grocer.crawl.lease`), loads the store's facts, the pages earlier attempts committed
and the counters they kept, and hands the crawl a :class:`~grocer.crawl.context.RunContext`
(:func:`run_context`).  It renews the lease with the run's heartbeat, counts item and spider
errors, and on ``spider_closed`` writes the stats back and decides the status
(:func:`run_status`).  A store known not to be crawlable is refused before any row is made; a
store another live crawl holds is not crawled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import CloseSpider
from scrapy.utils.defer import deferred_from_coro
from sqlalchemy import Connection, Engine, exc
from twisted.internet import task

from grocer.config import Config
from grocer.constants import (
    COMPLETE,
    FAILED,
    INTERRUPTED,
    PARTIAL,
    PENDING,
    SCHEMA_MISMATCH,
    SKIPPED,
)
from grocer.crawl import jobdir
from grocer.crawl.context import RunContext, crawl_config, load_run_context
from grocer.crawl.lease import LeaseKeeper, renew_every
from grocer.db import run_history, runs
from grocer.db.barcodes import BarcodeWork
from grocer.db.engine import display_url, make_engine
from grocer.db.leases import Fenced, StoreBusy
from grocer.db.migrate import SchemaMismatch, open_current
from grocer.db.run_checks import CheckResult, replace_checks
from grocer.db.store_rows import COMPANY_IDS, StoreRow, ensure_store, store_info
from grocer.db.transactions import in_transaction
from grocer.health.checks import EXPECTED_ITEMS, EXPECTED_STORES
from grocer.health.thresholds import ThresholdError, Thresholds, parse_thresholds
from grocer.memory import relax_gc

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

NOT_CRAWLABLE, STORE_BUSY, BAD_SETTINGS = "not_crawlable", "store_busy", "bad_settings"
FENCED, DATABASE_UNAVAILABLE = "fenced", "database_unavailable"
# The run's record of its crawl stats (the counters of earlier attempts are loaded from it).
RECORDED_STATS = (
    "grocer/", "retry/", "downloader/", "log_count/", "item_scraped_count", "item_dropped_count",
    "response_received_count", "spider_exceptions/", "unit_price_disagreements",
)  # fmt: skip
# Per attempt, not added up over attempts (what history expects is set anew at each open).
ATTEMPT_STATS = ("grocer/resume/", "grocer/checks/")
# Counted here: any of them makes a finished run partial ...
ITEM_ERRORS = "grocer/run/item_errors"
SPIDER_ERRORS = "grocer/run/spider_errors"
ITEMS_DROPPED = "grocer/run/items_dropped"
# ... and so does work the spider gave up on.
LOST_WORK = ("grocer/listing/pages_lost", "grocer/barcodes/left_unchecked")
# What the writing pipelines count: records written, and records rejected by validation.
ITEMS_WRITTEN = "grocer/run/items"
REJECTED = "grocer/validate/rejected"
# Finish reasons of a crawl stopped before its spider finished (Ctrl-C, SIGTERM, fenced...).
INTERRUPTING = frozenset({"shutdown", FENCED, DATABASE_UNAVAILABLE})


def run_status(reason: str, stats: dict[str, Any], checks: Sequence[CheckResult] = ()) -> str:
    """The status of a run whose crawl closed with ``reason`` and ``stats`` (all attempts),
    judged by ``checks``.

    ``interrupted`` when it was stopped; ``failed`` when it finished having requested pages
    but received no response; ``complete`` when it finished without item or spider errors,
    lost work or a failed check; else ``partial``.  Rejected records never change it by
    themselves (the ``validation`` check judges their share).
    """
    if reason in INTERRUPTING:
        return INTERRUPTED
    requested = stats.get("downloader/request_count", 0)
    if reason == "finished" and requested and not stats.get("downloader/response_count"):
        return FAILED
    troubles = (ITEM_ERRORS, SPIDER_ERRORS, *LOST_WORK)
    failed_check = any(not check.passed for check in checks)
    if reason == "finished" and not failed_check and not any(stats.get(n) for n in troubles):
        return COMPLETE
    return PARTIAL


class RunLifecycle:
    """Opens, hands out and closes the crawl's ``crawl_runs`` row (see the module).

    ``outcome`` says how the crawl ended for its run: its status once closed, ``skipped`` when
    it was not let in, ``interrupted`` when it could not close its run (fenced, no database).
    """

    def __init__(self, crawler: Crawler, engine: Engine, config: Config) -> None:
        self.crawler = crawler
        self.engine = engine
        self.config = config
        self.run_id: int | None = None
        self.refusal: str | None = None  # why the crawl may not start (no row was made)
        self.refused_as = NOT_CRAWLABLE  # the finish reason of a refused crawl
        self.attempt: int | None = None  # set once an attempt is open
        self.outcome: str = FAILED
        self.run_kind: str | None = None  # set once an attempt is open
        self.thresholds: Thresholds = {}
        self.checks: list[CheckResult] = []  # the verdicts of the checks run at close
        self.keeper: LeaseKeeper | None = None
        self._context: RunContext | None = None
        self._heartbeat: task.LoopingCall | None = None
        self._restore_gc: Callable[[], None] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        config = crawl_config(crawler.settings)
        logger.info("database: %s", display_url(config.database_url))
        engine = make_engine(config.database_url)
        extension = cls(crawler, engine, config)
        try:
            open_current(config.database_url, engine)  # crawls never migrate PostgreSQL
            extension.thresholds = parse_thresholds(crawler.settings.get("GROCER_CHECK_THRESHOLDS"))
        except SchemaMismatch as mismatch:
            extension.refuse(str(mismatch), SCHEMA_MISMATCH)
        except ThresholdError as error:
            extension.refuse(str(error), BAD_SETTINGS)
        else:
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
            why = f"{company} store {store_id} ({info.name}) is not crawlable"
            self.refuse(f"{why}: {info.not_crawlable_reason}", NOT_CRAWLABLE)
            return
        if job is not None:
            self.run_id = int(job)
            return

        def find_or_make(connection: Connection) -> int:
            store_pk = ensure_store(connection, StoreRow(company, store_id)) if store_id else None
            found = runs.continuable_run(
                connection, spider=spider.name, company_id=COMPANY_IDS[company],
                store_pk=store_pk, host=runs.this_host(),
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

    def refuse(self, why: str, reason: str) -> None:
        """The crawl may not start: no row is made; a launcher's row ends ``failed``
        (``skipped`` for a schema mismatch, as far as the other schema lets it be written)."""
        self.refusal, self.refused_as = why, reason
        job = getattr(self.crawler.spider, "_job", None)
        if job is None:
            return
        status = SKIPPED if reason == SCHEMA_MISMATCH else FAILED
        try:
            in_transaction(
                self.engine, lambda c: runs.end_run(c, int(job), status=status, reason=reason)
            )
        except exc.SQLAlchemyError as error:
            logger.error("could not end run %s as %s: %s", job, status, error)

    def spider_opened(self, spider: Any) -> None:
        # Receivers run in the order they were connected: connected now, after every
        # component has connected its own, the status is decided after checks run at close.
        self.crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        self.outcome = SKIPPED  # until an attempt is open
        if self.refusal is not None:
            logger.error("%s", self.refusal)
            self.crawler.stats.set_value("grocer/refused", self.refusal)
            raise CloseSpider(self.refused_as)
        assert self.run_id is not None
        with self.engine.connect() as connection:
            run = runs.get_run(connection, self.run_id)
        if run is None:
            logger.error("no crawl run %s in %s", self.run_id, display_url(str(self.engine.url)))
            raise CloseSpider("unknown_run")
        if run.status not in (PENDING, INTERRUPTED):
            logger.warning("run %s is %s: nothing to do", run.id, run.status)
            raise CloseSpider(f"run_{run.status}")
        sent_to = getattr(spider, "node", None)  # a Scrapyd launcher's job names its node
        if sent_to is not None and sent_to != run.node:
            logger.warning("run %s was sent on to %s: nothing to do here", run.id, run.node)
            raise CloseSpider("run_moved")
        self.keeper = LeaseKeeper(
            self.engine, spider=spider.name, store_pk=run.store_pk, node=run.node
        )
        try:
            lease = self.keeper.open(run.id)
        except StoreBusy as busy:
            self._busy(run.id, busy)
        except Fenced as fenced:
            logger.warning("%s", fenced)
            raise CloseSpider("run_taken") from None
        self.attempt = lease.attempt
        self.outcome = FAILED  # until it closes
        with self.engine.connect() as connection:
            self._context, work = load_run_context(
                connection, run=run, attempt=lease.attempt, spider=spider.name,
                company=spider.company, store_id=getattr(spider, "store_id", None),
                barcode_work=self.crawler.settings.getbool("GROCER_BARCODE_WORK"), lease=lease,
            )  # fmt: skip
        if work is not None:
            self._count_barcode_work(work)
        self._load_earlier_stats(run.stats)
        self.run_kind = run.kind
        self._expect(run)
        done = len(self._context.done_pages)
        if done:
            logger.info("resuming run %s: %d listing pages already committed", run.id, done)
            self.crawler.stats.set_value("grocer/resume/pages_done", done)
        self._heartbeat = task.LoopingCall(self._renew)
        self._heartbeat.start(renew_every(), now=False)
        self._restore_gc = relax_gc()

    def _busy(self, run_id: int, busy: StoreBusy) -> None:
        """Another live crawl holds the store: this one does nothing; a row of its own (not
        the holder's) ends ``skipped``."""
        logger.error("%s: not crawling it twice at once", busy)
        if busy.run_id != run_id:
            in_transaction(
                self.engine, lambda c: runs.end_run(c, run_id, status=SKIPPED, reason=STORE_BUSY)
            )
        raise CloseSpider(STORE_BUSY)

    def _count_barcode_work(self, work: BarcodeWork) -> None:
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

    def _expect(self, run: runs.RunRow) -> None:
        """Put what history expects of the run into the stats, for the checks at close."""
        with self.engine.connect() as connection:
            items, stores = run_history.expected_counts(connection, run)
        if items is not None:
            self.crawler.stats.set_value(EXPECTED_ITEMS, items)
        if stores is not None:
            self.crawler.stats.set_value(EXPECTED_STORES, stores)

    def record_check(self, result: CheckResult) -> None:
        """Keep a check's verdict: written to ``run_checks`` when the run closes."""
        self.checks = [c for c in self.checks if c.name != result.name] + [result]

    # ------------------------------------------------------------------ running

    def _renew(self) -> None:
        """Renew the lease and heartbeat; a fenced crawl, or one that lost its database,
        stops (and writes nothing more)."""
        assert self.keeper is not None
        try:
            self.keeper.renew()
        except Fenced as fenced:
            self._stop(FENCED, str(fenced))
        except exc.OperationalError as error:
            self._stop(DATABASE_UNAVAILABLE, str(error).splitlines()[0])

    def _stop(self, reason: str, why: str) -> None:
        logger.error("stopping the crawl (%s): %s", reason, why)
        if self._heartbeat is not None and self._heartbeat.running:
            self._heartbeat.stop()
        closing = deferred_from_coro(self.crawler.engine.close_spider_async(reason=reason))
        closing.addErrback(lambda failure: logger.error("closing the crawl: %s", failure.value))

    def item_error(self, item: Any, response: Any, spider: Any, failure: Failure) -> None:
        self.crawler.stats.inc_value(ITEM_ERRORS)
        if failure.check(Fenced):
            self._stop(FENCED, str(failure.value))
        elif failure.check(exc.OperationalError):
            self._stop(DATABASE_UNAVAILABLE, str(failure.value).splitlines()[0])

    def spider_error(self, failure: Any, response: Any, spider: Any) -> None:
        self.crawler.stats.inc_value(SPIDER_ERRORS)

    def item_dropped(self, item: Any, response: Any, exception: Any, spider: Any) -> None:
        self.crawler.stats.inc_value(ITEMS_DROPPED)

    # ------------------------------------------------------------------ closing

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self._heartbeat is not None and self._heartbeat.running:
            self._heartbeat.stop()
        if self._restore_gc is not None:
            self._restore_gc()
            self._restore_gc = None
        try:
            if self.attempt is not None and self.run_id is not None:
                self._close(reason)
        finally:
            if self.keeper is not None and self.attempt is not None:
                self.keeper.release()
            elif self.keeper is not None:
                self.keeper.close_session()
            self.engine.dispose()  # many crawls may share one process (grocer crawl)

    def _close(self, reason: str) -> None:
        assert self.run_id is not None and self.attempt is not None
        run_id, attempt = self.run_id, self.attempt
        stats = self.crawler.stats.get_stats()
        status = run_status(reason, stats, self.checks)
        checks = list(self.checks)
        recorded = {k: _jsonable(v) for k, v in stats.items() if k.startswith(RECORDED_STATS)}
        recorded["finish_reason"] = reason

        def close(connection: Connection) -> bool:
            closed = runs.close_run(
                connection, run_id, attempt=attempt, status=status, finish_reason=reason,
                items=int(stats.get(ITEMS_WRITTEN, 0)), rejected=int(stats.get(REJECTED, 0)),
                stats=recorded,
            )  # fmt: skip
            if closed:
                replace_checks(connection, run_id, checks)
            return closed

        try:
            closed = in_transaction(self.engine, close)
        except exc.OperationalError as error:
            logger.error("could not record how run %s ended: %s", run_id, error)
            closed = False
        if not closed:
            logger.warning("run %s was ended elsewhere; its row is left as it is", run_id)
            self.outcome = INTERRUPTED
            return
        self.outcome = status
        if status == FAILED:
            self._unreachable()
        logger.info(
            "run %s %s (%s): %d written, %d rejected",
            run_id, status, reason, stats.get(ITEMS_WRITTEN, 0), stats.get(REJECTED, 0),
        )  # fmt: skip
        for check in checks:
            if not check.passed:
                logger.warning("run %s failed check %s: %s", run_id, check.name, check.reason)

    def _unreachable(self) -> None:
        """Say what could not be reached, and in dev what to start."""
        url = getattr(self.crawler.spider, "base_url", "") or "the retailer"
        hint = (
            f"; is `grocer sim serve` running on {self.config.sim_url}?"
            if self.config.is_dev
            else ""
        )
        logger.error("could not reach %s%s", url, hint)


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
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value if isinstance(value, int | float | str | bool) or value is None else str(value)
