"""The one status object (CONTRACTS §5): what ran, how the checks judged it, how fresh each
store's prices are, whether the daemon lives, and the problems ``grocer status --check``
exits 2 on, and the crawl nodes (from ``crawl_nodes`` and ``crawl_runs``, never asked over
HTTP).  ``grocer status --json`` prints :meth:`Status.as_dict`; the API serves it.

Problems: a (spider, store)'s latest finished run (``complete``, ``partial`` or ``failed``;
``skipped`` runs never count) failed a check; a store is stale; a store the planner would
crawl itself has never had a price; the daemon's heartbeat is older than
``GROCER_DAEMON_HEARTBEAT_LIMIT`` seconds (wall clock; never a heartbeat: a problem only when
the daemon is required).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, select

from grocer.constants import COMPLETE, FAILED, PARTIAL
from grocer.db.daemons import JobState, schedule
from grocer.db.models import CrawlRun, Daemon, Store
from grocer.db.nodes import NodeRow, list_nodes
from grocer.db.run_checks import CheckResult, checks_of
from grocer.db.store_rows import COMPANY_SLUGS
from grocer.health.freshness import StoreFreshness, company_counts, default_as_of, store_freshness

HEARTBEAT_LIMIT_ENV = "GROCER_DAEMON_HEARTBEAT_LIMIT"
DEFAULT_HEARTBEAT_LIMIT = 300.0
FINISHED = (COMPLETE, PARTIAL, FAILED)
NEVER_LISTED = 10  # stores never priced named one by one per company; past that, counted


def heartbeat_limit(environ: Mapping[str, str] | None = None) -> float:
    """``GROCER_DAEMON_HEARTBEAT_LIMIT``: seconds a daemon heartbeat may age (default 300)."""
    text = (os.environ if environ is None else environ).get(HEARTBEAT_LIMIT_ENV, "").strip()
    if not text:
        return DEFAULT_HEARTBEAT_LIMIT
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise ValueError(f"{HEARTBEAT_LIMIT_ENV}: expected a number of seconds > 0, not {text!r}")
    return seconds


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass(frozen=True)
class RunEntry:
    """A crawl run as status shows it; ``checks`` are its ``run_checks`` rows."""

    id: int
    spider: str
    company: str | None
    store: str | None  # the retailer's store id; None for a locator (or storeless) run
    node: str | None
    kind: str
    status: str
    observed_on: date | None
    finish_reason: str | None
    items: int
    checks: tuple[CheckResult, ...] = ()

    @property
    def failed_checks(self) -> list[CheckResult]:
        return [check for check in self.checks if not check.passed]

    @property
    def label(self) -> str:
        """``aldi G102`` (``aldi -`` without a store)."""
        return f"{self.spider} {self.store or '-'}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "spider": self.spider,
            "company": self.company,
            "store": self.store,
            "node": self.node,
            "kind": self.kind,
            "status": self.status,
            "observed_on": _iso(self.observed_on),
            "checks": [check.as_dict() for check in self.checks],
        }


_RUN_COLUMNS = (
    CrawlRun.id, CrawlRun.spider, CrawlRun.company_id, Store.retailer_store_id, CrawlRun.node,
    CrawlRun.kind, CrawlRun.status, CrawlRun.observed_on, CrawlRun.finish_reason, CrawlRun.items,
)  # fmt: skip


def _entries(connection: Connection, rows: Sequence[Any], with_checks: set[int]) -> list[RunEntry]:
    checks = checks_of(connection, with_checks) if with_checks else {}
    return [
        RunEntry(
            row.id,
            row.spider,
            COMPANY_SLUGS.get(row.company_id or 0),
            row.retailer_store_id,
            row.node,
            row.kind,
            row.status,
            row.observed_on,
            row.finish_reason,
            int(row.items or 0),
            tuple(checks.get(row.id, ())),
        )
        for row in rows
    ]


def recent_runs(connection: Connection, limit: int) -> list[RunEntry]:
    """The newest ``limit`` runs, newest first, with their checks."""
    if limit <= 0:
        return []
    rows = connection.execute(
        select(*_RUN_COLUMNS)
        .outerjoin(Store, Store.id == CrawlRun.store_id)
        .order_by(CrawlRun.id.desc())
        .limit(limit)
    ).all()
    return _entries(connection, rows, {row.id for row in rows})


def latest_runs(
    connection: Connection, where: ColumnElement[bool], *, checks: bool = False
) -> list[RunEntry]:
    """Per (spider, company, store), the run that finished last among those matching
    ``where``.  ``checks``: with the checks of the ``partial`` and ``failed`` ones (a
    ``complete`` run passed all of its checks)."""
    ranked = (
        select(
            CrawlRun.id,
            func.row_number()
            .over(
                partition_by=(CrawlRun.spider, CrawlRun.company_id, CrawlRun.store_id),
                order_by=(
                    func.coalesce(CrawlRun.finished_at, CrawlRun.started_at).desc(),
                    CrawlRun.id.desc(),
                ),
            )
            .label("n"),
        )
        .where(where)
        .subquery()
    )
    rows = connection.execute(
        select(*_RUN_COLUMNS)
        .join(ranked, ranked.c.id == CrawlRun.id)
        .outerjoin(Store, Store.id == CrawlRun.store_id)
        .where(ranked.c.n == 1)
        .order_by(CrawlRun.spider, Store.retailer_store_id, CrawlRun.id)
    ).all()
    judged = {row.id for row in rows if row.status != COMPLETE} if checks else set()
    return _entries(connection, rows, judged)


def latest_finished_runs(connection: Connection) -> list[RunEntry]:
    """Per (spider, store), its latest finished run (``skipped`` is never one), with the
    checks of those not ``complete``."""
    return latest_runs(connection, CrawlRun.status.in_(FINISHED), checks=True)


@dataclass(frozen=True)
class DaemonState:
    """The newest daemon heartbeat and the schedule; ``alive`` None: never a heartbeat."""

    heartbeat_at: datetime | None
    alive: bool | None
    age_seconds: float | None
    limit_seconds: float
    jobs: tuple[JobState, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "heartbeat_at": _iso(self.heartbeat_at),
            "alive": self.alive,
            "next_jobs": [
                {
                    "job": job.job,
                    "next_run_at": _iso(job.next_run_at),
                    "last_run_at": _iso(job.last_run_at),
                    "last_status": job.last_status,
                    "consecutive_failures": job.consecutive_failures,
                }
                for job in self.jobs
            ],
        }


def daemon_state(connection: Connection, now: datetime, limit: float) -> DaemonState:
    """From ``daemons`` (the newest heartbeat of any daemon) and ``daemon_jobs``."""
    beat = _aware(connection.execute(select(func.max(Daemon.heartbeat_at))).scalar())
    jobs = sorted(
        schedule(connection).values(),
        key=lambda j: (j.next_run_at is None, j.next_run_at or now, j.job),
    )
    if beat is None:
        return DaemonState(None, None, None, limit, tuple(jobs))
    age = max(0.0, (now - beat).total_seconds())
    return DaemonState(beat, age <= limit, age, limit, tuple(jobs))


@dataclass(frozen=True)
class Status:
    """Everything ``grocer status`` reports; :meth:`as_dict` is the ``--json`` object."""

    as_of: date | None
    stores: tuple[StoreFreshness, ...]
    runs: tuple[RunEntry, ...]  # the newest runs, newest first
    latest: tuple[RunEntry, ...]  # each (spider, store)'s latest finished run
    daemon: DaemonState
    problems: tuple[str, ...] = field(default=())
    nodes: tuple[NodeRow, ...] = ()  # Scrapyd nodes (crawl_nodes), runs counted from crawl_runs

    @property
    def healthy(self) -> bool:
        return not self.problems

    @property
    def companies(self) -> dict[str, dict[str, int]]:
        return company_counts(self.stores)

    @property
    def stale(self) -> list[StoreFreshness]:
        return [store for store in self.stores if store.state == "stale"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": _iso(self.as_of),
            "companies": self.companies,
            "stale": [
                {
                    "company": store.company,
                    "store": store.store,
                    "last_price_on": _iso(store.last_price_on),
                    "age_days": store.age_days,
                }
                for store in self.stale
            ],
            "runs": [run.as_dict() for run in self.runs],
            "nodes": [node.as_dict() for node in self.nodes],
            "daemon": self.daemon.as_dict(),
            "healthy": self.healthy,
            "problems": list(self.problems),
        }


def problems_of(
    latest: Sequence[RunEntry],
    stores: Sequence[StoreFreshness],
    daemon: DaemonState,
    *,
    as_of: date | None,
    require_daemon: bool = False,
) -> list[str]:
    """One line per problem (the module docstring lists them)."""
    problems = []
    for run in latest:
        for check in run.failed_checks:
            problems.append(
                f"{run.label}: run #{run.id} ({_iso(run.observed_on) or 'no date'}, "
                f"{run.status}) failed check {check.name}: {check.reason}"
            )
    for store in stores:
        if store.state == "stale":
            problems.append(
                f"{store.company} {store.store}: stale, last price {store.last_price_on} "
                f"({store.age_days} days before {as_of}; limit {store.fresh_days})"
            )
    never: dict[str, list[str]] = {}
    for store in stores:
        if store.state == "never" and store.planned:
            never.setdefault(store.company, []).append(store.store)
    for company, names in never.items():
        if len(names) <= NEVER_LISTED:
            problems.extend(f"{company} {name}: never priced" for name in names)
        else:
            shown = ", ".join(names[:NEVER_LISTED])
            problems.append(
                f"{company}: {len(names)} stores never priced ({shown} and "
                f"{len(names) - NEVER_LISTED} more)"
            )
    if daemon.alive is False:
        problems.append(
            f"daemon: last heartbeat {_iso(daemon.heartbeat_at)}, {daemon.age_seconds:.0f} s ago "
            f"(limit {daemon.limit_seconds:g} s)"
        )
    elif daemon.alive is None and require_daemon:
        problems.append("daemon: no heartbeat ever (--require-daemon)")
    return problems


def build_status(
    connection: Connection,
    *,
    as_of: date | None = None,
    limit: int = 20,
    now: datetime | None = None,
    require_daemon: bool = False,
    environ: Mapping[str, str] | None = None,
) -> Status:
    """The status object.  ``as_of`` None: :func:`default_as_of`; ``now`` (the daemon's
    heartbeat only) None: the wall clock; ``environ``: where ``GROCER_*`` settings are read
    (None: the process environment).  A bad setting raises ``ValueError``."""
    if as_of is None:
        as_of = default_as_of(connection)
    stores = store_freshness(connection, as_of, environ=environ)
    latest = latest_finished_runs(connection)
    daemon = daemon_state(connection, now or datetime.now(UTC), heartbeat_limit(environ))
    problems = problems_of(latest, stores, daemon, as_of=as_of, require_daemon=require_daemon)
    return Status(
        as_of=as_of,
        stores=tuple(stores),
        runs=tuple(recent_runs(connection, limit)),
        latest=tuple(latest),
        daemon=daemon,
        problems=tuple(problems),
        nodes=tuple(list_nodes(connection)),
    )
