"""``grocer daemon``: plans and launches crawls, runs maintenance and analysis, and survives its
own death.

Crawls run through the local launcher (:mod:`grocer.crawl.launch.local`, a subprocess per run)
or, given Scrapyd nodes (``GROCER_SCRAPYD_NODES``), the Scrapyd launcher
(:mod:`grocer.crawl.launch.scrapyd`), within per-retailer and total limits counted from the
database (pending and running runs of every node; on SQLite, which has one writer at a time,
at most two).  Outcomes come from the runs' rows: an ``interrupted`` run is resumed under its
id, a Coles run that completes is followed by the barcode spider for that store.  Zone
maintenance (then bargains) and substitutions run on their own timers, whether or not a crawl
brought anything new; no job overlaps itself.

The daemon keeps nothing that matters only in memory.  Its schedule is written to
``daemon_jobs`` after each job and read back at start (APScheduler itself keeps its jobs in
memory); its heartbeat goes to ``daemons``.  A restarted daemon adopts the crawls of its host
whose process still lives (no second crawl of their stores), marks the others
``interrupted`` and resumes them (with Scrapyd: follows the nodes' runs from the database).
A run whose heartbeat went stale (a lost node's) is marked ``interrupted`` by the sweep and
resumed.  SIGTERM (or Ctrl-C) stops launching, lets local crawls finish for a grace period,
then stops them cleanly (their runs stay resumable), and exits; crawls on Scrapyd nodes go on.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine

from grocer.config import Config
from grocer.constants import COMPLETE, FAILED
from grocer.crawl.launch import DaemonLauncher
from grocer.crawl.launch.local import LocalLauncher
from grocer.db import daemons, leases, runs
from grocer.db.engine import is_sqlite
from grocer.db.store_rows import StoreRow, ensure_store
from grocer.db.transactions import in_transaction
from grocer.scheduler.clock import ScaledClock
from grocer.scheduler.jobs import JOBS, MIN_REAL_SECONDS, WATCH_SECONDS
from grocer.scheduler.planner import Policy, plan, take_within_limits
from grocer.scheduler.state import busy_runs, record_failure, store_states

logger = logging.getLogger(__name__)

SQLITE_MAX_CRAWLS = 2
MAX_ATTEMPTS = 5  # an interrupted run resumed this often is given up (failed)


@dataclass
class DaemonOptions:
    companies: Sequence[str] = ()
    stores: Sequence[tuple[str, str]] = ()  # (company, store id); empty: every crawlable store
    per_company: int = 2
    max_crawls: int = 4
    crawl_timeout: float = 3 * 3600
    grace: float = 60.0
    scrapy_args: list[str] = field(default_factory=list)
    nodes: Sequence[str] = ()  # Scrapyd node URLs (GROCER_SCRAPYD_NODES); empty: crawl here
    policy: Policy = field(default_factory=Policy)
    jobs: Sequence[str] = tuple(JOBS)  # which of the scheduled jobs to run


@dataclass(frozen=True)
class _Crawl:
    """A crawl the daemon follows: its spider, whether sampled."""

    spider: str
    sampled: bool


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
        self.launcher = make_launcher(engine, config, options)
        self.crawls: dict[int, _Crawl] = {}  # runs whose end the daemon follows up
        self.daemon_id: int | None = None
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        if options.stores:  # named stores the database has not met yet are created
            with engine.begin() as connection:
                for company, store_id in options.stores:
                    ensure_store(connection, StoreRow(company, store_id))

    # ------------------------------------------------------------------ crawls

    def adopt(self) -> None:
        """At start: the launcher takes over the runs that outlived the last daemon
        (:meth:`DaemonLauncher.take_over`); the daemon follows them."""
        for run in self.launcher.take_over():
            self.crawls[run.id] = _Crawl(run.spider, bool(run.args.get("sample")))

    def watch(self) -> None:
        """Every few seconds: the daemon's heartbeat, stale runs swept, the launcher's work
        (ended processes, nodes, dispatch), runs that ended followed up (interrupted runs
        resumed, Coles barcodes after a complete Coles crawl), from the database."""
        with self._lock:
            if self.daemon_id is not None:
                in_transaction(self.engine, lambda c: daemons.beat(c, self.daemon_id))
            swept = in_transaction(self.engine, lambda c: leases.sweep(c, leases.node_timeout()))
            for run_id in swept:
                logger.warning("run %s: heartbeat stale, marked interrupted", run_id)
            self.launcher.tick()
            statuses = self.launcher.poll(list(self.crawls))
            freed = False
            for run_id in list(self.crawls):
                status = statuses.get(run_id)
                if status is None or status in runs.TERMINAL:
                    crawl = self.crawls.pop(run_id)
                    freed = True
                    if status == COMPLETE:
                        self._after_complete(crawl, run_id)
            if not self.stopping.is_set():
                self._resume_interrupted()
            if freed and "crawls" in self.options.jobs:
                self._fill_slots()  # a freed slot waits for no crawl tick

    def _after_complete(self, crawl: _Crawl, run_id: int) -> None:
        if crawl.spider == "coles" and not crawl.sampled and not self.stopping.is_set():
            with self.engine.connect() as connection:
                run = runs.get_run(connection, run_id)
            if run is not None and run.store_id:
                self._launch("coles_barcodes", run.store_id, {}, "after its prices")

    def _resume_interrupted(self) -> None:
        for run in self.launcher.resumable():
            if run.attempt >= MAX_ATTEMPTS:
                in_transaction(
                    self.engine,
                    lambda c, i=run.id: runs.end_run(c, i, status=FAILED, reason="gave_up"),
                )
                logger.error("run %s gave up after %d attempts", run.id, run.attempt)
                continue
            self.launcher.resume(run.id)
            self.crawls[run.id] = _Crawl(run.spider, bool(run.args.get("sample")))
            logger.info("run %s resumed (attempt %d next)", run.id, run.attempt + 1)

    def crawl_tick(self) -> None:
        """Launch the most urgent due stores into the free slots."""
        with self._lock:
            self._fill_slots()

    def _fill_slots(self) -> None:
        """The crawl tick's work (the caller holds the lock)."""
        if self.stopping.is_set():
            return
        now = datetime.now(UTC)  # the back-off of partial stores is wall-clock time
        with self.engine.connect() as connection:
            states = store_states(
                connection,
                companies=list(self.options.companies) or None,
                store_ids=list(self.options.stores) or None,
                now=now,
            )
            busy = busy_runs(connection)
        taken = {(company, store) for company, store in busy}
        per_company: dict[str, int] = {}
        for company, _ in busy:
            per_company[company] = per_company.get(company, 0) + 1
        due = [
            order
            for order in plan(states, self.clock.today(), self.options.policy, now)
            if (order.company, order.store_id) not in taken
        ]
        for order in take_within_limits(
            due, per_company, self.options.per_company, self.max_crawls
        ):
            if order.resume_run is not None:  # a partial run with pages left
                self.launcher.resume(order.resume_run)
                self.crawls[order.resume_run] = _Crawl(order.company, order.sampled)
                logger.info("run %s resumed (%s)", order.resume_run, order.reason)
                continue
            sample = self.options.policy.sample_for(order)
            self._launch(order.company, order.store_id, {"sample": sample}, order.reason)

    def _launch(self, spider: str, store_id: str, args: dict[str, Any], why: str) -> None:
        for run_id in self.launcher.start(spider, [store_id], args):
            self.crawls[run_id] = _Crawl(spider, bool(args.get("sample")))
            logger.info("run %s: %s %s (%s)", run_id, spider, store_id, why)

    # ------------------------------------------------------------------ analysis

    def maintenance(self) -> bool:
        """Zone maintenance, bargains, then the price watches, as of the clock's today; False
        if one failed."""
        zones = self._analyse("zones")
        bargains = self._analyse("bargains")
        return self._analyse("watches") and bargains and zones

    def substitutions(self) -> bool:
        return self._analyse("subs")

    def alerts(self) -> None:
        """The operator alert pass (:func:`grocer.health.alerts.run_pass`)."""
        from grocer.health.alerts import run_pass

        run_pass(self.engine)

    def _analyse(self, kind: str) -> bool:
        """Run an analysis job; a failure is recorded (``analysis_runs``) and reported."""
        job = self.analysis.get(kind)
        if job is None or self.stopping.is_set():
            return True
        today = self.clock.today()
        try:
            job(self.engine, today)
        except Exception as error:  # recorded, and the daemon goes on
            logger.exception("%s failed", kind)
            with self.engine.begin() as connection:
                record_failure(connection, kind, today, error)
            return False
        return True

    # ------------------------------------------------------------------ running

    def _job(
        self, scheduler: BackgroundScheduler, name: str, work: Callable[[], bool | None]
    ) -> None:
        """Run a job and write how it went (it raised or said False: failed), and its next
        run, to ``daemon_jobs``."""
        started, status = datetime.now(UTC), daemons.OK
        try:
            if work() is False:
                status = daemons.FAILED
        except Exception:
            status = daemons.FAILED
            logger.exception("job %s failed", name)
        job = scheduler.get_job(name)
        following = job.next_run_time if job is not None else None
        in_transaction(
            self.engine,
            lambda c: daemons.record_job(
                c, name, next_run_at=following, ran_at=started, status=status
            ),
        )

    def _schedule(self, scheduler: BackgroundScheduler) -> None:
        """The jobs, each first due when the database's schedule says (at once if never)."""
        with self.engine.connect() as connection:
            kept = daemons.schedule(connection)
        now = datetime.now(UTC)
        jobs: dict[str, tuple[float, Callable[[], bool | None]]] = {
            name: (max(MIN_REAL_SECONDS, self.clock.real_seconds(every)), getattr(self, method))
            for name, (every, method) in JOBS.items()
            if name in self.options.jobs
        }
        jobs["watch"] = (WATCH_SECONDS, self.watch)
        for name, (seconds, work) in jobs.items():
            due = kept[name].next_run_at if name in kept else None
            first = max(due, now) if due is not None else now
            first = min(first, now + timedelta(seconds=seconds))  # a changed time scale
            scheduler.add_job(
                self._job, "interval", args=(scheduler, name, work), seconds=seconds,
                id=name, next_run_time=first,
            )  # fmt: skip

    def run(self, until: threading.Event | None = None) -> None:
        """Run until SIGTERM/SIGINT (or ``until`` is set), then stop cleanly."""
        stop = until or threading.Event()
        self.daemon_id = in_transaction(
            self.engine, lambda c: daemons.register(c, node=runs.this_host(), pid=os.getpid())
        )
        self.adopt()
        scheduler = BackgroundScheduler(
            timezone="UTC",
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        scheduler.start(paused=True)
        self._schedule(scheduler)
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
            logger.info("daemon stopped")


def make_launcher(engine: Engine, config: Config, options: DaemonOptions) -> DaemonLauncher:
    """The Scrapyd launcher given nodes (``-s`` settings sent with each crawl), else the
    local one.

    Raises:
        ValueError: see :class:`~grocer.crawl.launch.scrapyd.ScrapydLauncher`.
    """
    if options.nodes:
        from grocer.crawl.launch.scrapyd import ScrapydLauncher

        args = options.scrapy_args
        pairs = [args[i + 1] for i in range(len(args) - 1) if args[i] in ("-s", "--set")]
        settings = dict(pair.split("=", 1) for pair in pairs if "=" in pair)
        return ScrapydLauncher(engine, options.nodes, settings=settings)
    return LocalLauncher(
        engine,
        config,
        log_dir=config.data_dir / "logs",
        scrapy_args=options.scrapy_args,
        timeout=options.crawl_timeout,
    )
