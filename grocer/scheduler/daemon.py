"""``grocer daemon``: APScheduler 3 in UTC with its job store in the grocer database.

Crawls run through the local launcher (:mod:`grocer.crawl.launch.local`, a subprocess per run)
within per-retailer and total limits (on SQLite the number of concurrent writers is small); an
interrupted run is resumed under its id, and a Coles run that completes is followed by the
barcode spider for that store.  Zone maintenance (then bargains) and substitutions run on
their own timers, whether or not a crawl brought anything new.  No job overlaps itself.
SIGTERM (or Ctrl-C) stops launching, lets running crawls finish for a grace period, then stops
them cleanly so their runs stay resumable, and exits.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine

from grocer.config import Config
from grocer.constants import COMPLETE, INTERRUPTED
from grocer.crawl.launch.local import LocalLauncher
from grocer.db.engine import is_sqlite
from grocer.db.store_rows import StoreRow, ensure_store
from grocer.scheduler import tasks
from grocer.scheduler.clock import ScaledClock
from grocer.scheduler.jobs import JOBS, MIN_REAL_SECONDS
from grocer.scheduler.planner import CrawlOrder, Policy, plan, take_within_limits
from grocer.scheduler.state import record_failure, store_states

logger = logging.getLogger(__name__)

SQLITE_MAX_CRAWLS = 2


@dataclass
class DaemonOptions:
    companies: Sequence[str] = ()
    stores: Sequence[tuple[str, str]] = ()  # (company, store id); empty: every crawlable store
    per_company: int = 2
    max_crawls: int = 4
    crawl_timeout: float = 3 * 3600
    grace: float = 60.0
    scrapy_args: list[str] = field(default_factory=list)
    policy: Policy = field(default_factory=Policy)


class Daemon:
    """Plans and launches crawls and runs the analysis jobs on a (possibly fast) clock."""

    def __init__(
        self,
        config: Config,
        engine: Engine,
        clock: ScaledClock,
        options: DaemonOptions,
        analysis: dict[str, Callable[[Engine, Any], Any]] | None = None,
    ) -> None:
        self.config = config
        self.engine = engine
        self.clock = clock
        self.options = options
        self.analysis = analysis or {}
        limit = options.max_crawls
        if is_sqlite(engine):
            limit = min(limit, SQLITE_MAX_CRAWLS)  # SQLite has one writer at a time
        self.max_crawls = limit
        self.launcher = LocalLauncher(
            engine,
            config,
            log_dir=config.data_dir / "logs",
            scrapy_args=options.scrapy_args,
            timeout=options.crawl_timeout,
        )
        self.crawls: dict[int, _Crawl] = {}  # run id -> what the daemon launched it for
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        if options.stores:  # named stores the database has not met yet are created
            with engine.begin() as connection:
                for company, store_id in options.stores:
                    ensure_store(connection, StoreRow(company, store_id))

    # ------------------------------------------------------------------ jobs

    def crawl_tick(self) -> None:
        """Follow up ended crawls, then launch the most urgent due stores into free slots."""
        with self._lock:
            self._follow_up(self.launcher.reap())
            if self.stopping.is_set():
                return
            with self.engine.connect() as connection:
                states = store_states(
                    connection,
                    companies=list(self.options.companies) or None,
                    store_ids=list(self.options.stores) or None,
                )
            running = {order_key(c.order) for c in self.crawls.values()}
            due = [
                o
                for o in plan(states, self.clock.today(), self.options.policy)
                if order_key(o) not in running
            ]
            per_company = Counter(c.order.company for c in self.crawls.values())
            for order in take_within_limits(
                due, per_company, self.options.per_company, self.max_crawls
            ):
                sample = self.options.policy.sample_for(order)
                self._launch(order.company, order, {"sample": sample} if sample else {})

    def _launch(self, spider: str, order: CrawlOrder, args: dict[str, Any]) -> None:
        for run_id in self.launcher.start(spider, [order.store_id], args):
            self.crawls[run_id] = _Crawl(spider, order, sampled=bool(args))
            logger.info("run %s: %s %s (%s)", run_id, spider, order.store_id, order.reason)

    def _follow_up(self, ended: list[int]) -> None:
        """An interrupted run is resumed under its id; a complete full Coles crawl is followed
        by its barcode crawl (decided by the run's status, never by a process's exit code)."""
        statuses = self.launcher.poll(ended)
        for run_id in ended:
            crawl = self.crawls.pop(run_id, None)
            if crawl is None or self.stopping.is_set():
                continue
            status = statuses.get(run_id)
            if status == INTERRUPTED:
                self.launcher.resume(run_id)
                self.crawls[run_id] = crawl
                logger.info("run %s resumed", run_id)
            elif status == COMPLETE and crawl.spider == "coles" and not crawl.sampled:
                self._launch("coles_barcodes", crawl.order, {})

    def maintenance(self) -> None:
        """Zone maintenance then bargains, as of the clock's today."""
        for kind in ("zones", "bargains"):
            self._analyse(kind)

    def substitutions(self) -> None:
        self._analyse("subs")

    def _analyse(self, kind: str) -> None:
        job = self.analysis.get(kind)
        if job is None or self.stopping.is_set():
            return
        today = self.clock.today()
        try:
            job(self.engine, today)
        except Exception as error:  # recorded, and the daemon goes on
            logger.exception("%s failed", kind)
            with self.engine.begin() as connection:
                record_failure(connection, kind, today, error)

    # ------------------------------------------------------------------ running

    def run(self, until: threading.Event | None = None) -> None:
        """Run until SIGTERM/SIGINT (or ``until`` is set), then stop cleanly."""
        stop = until or threading.Event()
        scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self.engine)},
            timezone="UTC",
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        tasks.bind(self)
        scheduler.start(paused=True)
        for job_id, (every, task) in JOBS.items():
            seconds = max(MIN_REAL_SECONDS, self.clock.real_seconds(every))
            existing = scheduler.get_job(job_id)
            if existing is None:
                first = datetime.now(UTC)  # a new job runs at once, then every interval
                scheduler.add_job(task, "interval", seconds=seconds, id=job_id, next_run_time=first)
            elif getattr(existing.trigger, "interval", None) != timedelta(seconds=seconds):
                scheduler.reschedule_job(job_id, trigger="interval", seconds=seconds)
        scheduler.resume()
        previous = {
            sig: signal.signal(sig, lambda *_: stop.set())
            for sig in (signal.SIGTERM, signal.SIGINT)
        }
        logger.info("daemon running (time scale %s); stop with SIGTERM or Ctrl-C", self.clock.scale)
        try:
            stop.wait()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.stopping.set()
            # The scheduler thread must see the pause before shutting down: a round of job
            # processing that starts after shutdown submits to closed executors.
            scheduler.pause()
            scheduler.wakeup()
            time.sleep(0.2)
            scheduler.shutdown(wait=True)
            self.launcher.stop_all(self.options.grace)
            tasks.bind(None)
            logger.info("daemon stopped")


@dataclass(frozen=True)
class _Crawl:
    """A crawl the daemon launched: its spider, the order it serves, whether sampled."""

    spider: str
    order: CrawlOrder
    sampled: bool


def order_key(order: CrawlOrder) -> tuple[str, str]:
    return (order.company, order.store_id)
