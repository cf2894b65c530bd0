"""Crawl-run rows: every insert and update of ``crawl_runs`` is here.

A run is made ``pending`` by the launcher (or by a crawl started by hand, or an ingest), opened
by the process doing it (``running``, one more ``attempt``), and closed with how it ended
(``complete``, ``partial``, ``failed``, ``interrupted``, ``skipped``; docs/ARCHITECTURE.md).
A close is conditional on the attempt that opened the run still holding it, so a run cancelled
or taken over meanwhile keeps the state its new owner gave it.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Connection, delete, insert, or_, select, update

from grocer.constants import (
    COMPLETE,
    FAILED,
    FULL_RUN,
    INTERRUPTED,
    PARTIAL,
    PENDING,
    RUNNING,
    SKIPPED,
)
from grocer.db.models import CrawlPage, CrawlRun, Store
from grocer.db.store_rows import COMPANY_SLUGS, mark_crawled

LOCAL = "local"  # crawl_runs.node of runs started on this machine
INGEST = "ingest"  # crawl_runs.spider of ingested files
CANCELLED = "cancelled"  # the finish reason of a cancelled run
# Runs no process works on any more, and that nothing resumes by itself.
TERMINAL = frozenset({COMPLETE, PARTIAL, FAILED, SKIPPED})


@dataclass(frozen=True)
class RunRow:
    """What a crawl process needs to know of its run."""

    id: int
    spider: str
    company: str | None
    store_pk: int | None
    store_id: str | None  # the retailer's store id
    kind: str
    status: str
    attempt: int
    finish_reason: str | None
    observed_on: date | None
    stats: dict[str, Any]
    args: dict[str, str]
    node: str = LOCAL  # the launcher target it was sent to


def _now() -> datetime:
    return datetime.now(UTC)


def create_run(
    connection: Connection,
    *,
    spider: str,
    company_id: int | None,
    store_pk: int | None,
    kind: str = FULL_RUN,
    node: str | None = LOCAL,
    observed_on: date | None = None,
    source: str | None = None,
    args: dict[str, str] | None = None,
) -> int:
    """A new ``pending`` run; returns its id.  ``kind``: ``full`` (a whole catalogue, or a
    file), ``sample``, ``barcodes`` or ``locator``."""
    return int(
        connection.execute(
            insert(CrawlRun)
            .values(
                spider=spider,
                kind=kind,
                company_id=company_id,
                store_id=store_pk,
                observed_on=observed_on,
                source=source,
                started_at=_now(),
                status=PENDING,
                attempt=0,
                node=node,
                args=args or {},
                items=0,
                rejected=0,
                stats={},
            )
            .returning(CrawlRun.id)
        ).scalar_one()
    )


def get_run(connection: Connection, run_id: int) -> RunRow | None:
    """The run with id ``run_id``, or None."""
    row = connection.execute(
        select(
            CrawlRun.id, CrawlRun.spider, CrawlRun.company_id, CrawlRun.store_id,
            Store.retailer_store_id, CrawlRun.kind, CrawlRun.status, CrawlRun.attempt,
            CrawlRun.finish_reason, CrawlRun.observed_on, CrawlRun.stats, CrawlRun.args,
            CrawlRun.node,
        )
        .outerjoin(Store, Store.id == CrawlRun.store_id)
        .where(CrawlRun.id == run_id)
    ).one_or_none()  # fmt: skip
    if row is None:
        return None
    company = COMPANY_SLUGS.get(row.company_id) if row.company_id is not None else None
    return RunRow(
        row.id, row.spider, company, row.store_id, row.retailer_store_id, row.kind, row.status,
        row.attempt, row.finish_reason, row.observed_on, dict(row.stats or {}),
        dict(row.args or {}), row.node or LOCAL,
    )  # fmt: skip


def this_host() -> str:
    """The name ``crawl_runs.host`` records for this machine."""
    return socket.gethostname()


def process_alive(pid: int) -> bool:
    """Whether a process with ``pid`` lives on this host (a zombie, ended but not yet reaped
    by its parent, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return True  # no /proc: the signal's answer stands
    return state != "Z"


def continuable_run(
    connection: Connection, *, spider: str, company_id: int, store_pk: int | None, host: str
) -> int | None:
    """The run a crawl started by hand continues: the latest ``interrupted`` run of (spider,
    store) on this host.  A run left ``running`` on this host by a process that is gone (killed
    hard) is marked ``interrupted`` first."""
    store = CrawlRun.store_id == store_pk if store_pk is not None else CrawlRun.store_id.is_(None)
    mine = (CrawlRun.spider == spider, CrawlRun.company_id == company_id, store)
    orphans = connection.execute(
        select(CrawlRun.id, CrawlRun.pid).where(
            *mine, CrawlRun.host == host, CrawlRun.status == RUNNING
        )
    ).all()
    for run_id, pid in orphans:
        if pid is None or not process_alive(pid):
            mark_interrupted(connection, run_id, "process_gone")
    return connection.execute(
        select(CrawlRun.id)
        .where(*mine, CrawlRun.host == host, CrawlRun.status == INTERRUPTED)
        .order_by(CrawlRun.id.desc())
        .limit(1)
    ).scalar()


def open_attempt(connection: Connection, run_id: int, *, host: str, pid: int) -> int | None:
    """Open a new attempt of a ``pending`` or ``interrupted`` run; returns its number, or None
    when the run is in another state (nothing is changed then)."""
    now = _now()
    return connection.execute(
        update(CrawlRun)
        .where(CrawlRun.id == run_id, CrawlRun.status.in_((PENDING, INTERRUPTED)))
        .values(
            status=RUNNING,
            attempt=CrawlRun.attempt + 1,
            heartbeat_at=now,
            host=host,
            pid=pid,
            finished_at=None,
        )
        .returning(CrawlRun.attempt)
    ).scalar()


def beat(connection: Connection, run_id: int, attempt: int, now: datetime) -> None:
    """Renew the heartbeat of a running attempt (with its lease: grocer/db/leases.py)."""
    connection.execute(
        update(CrawlRun)
        .where(CrawlRun.id == run_id, CrawlRun.attempt == attempt, CrawlRun.status == RUNNING)
        .values(heartbeat_at=now)
    )


def date_run(connection: Connection, run_id: int, day: date) -> None:
    """Give a run its observation date, once its first response tells it."""
    connection.execute(
        update(CrawlRun)
        .where(CrawlRun.id == run_id, CrawlRun.observed_on.is_(None))
        .values(observed_on=day)
    )


def close_run(
    connection: Connection,
    run_id: int,
    *,
    attempt: int,
    status: str,
    finish_reason: str,
    items: int,
    rejected: int,
    stats: dict[str, Any],
) -> bool:
    """Record how an attempt ended; returns False (writing nothing) when the attempt no longer
    holds the run.  A complete full run marks its store crawled; a complete run's page marks
    (kept only to resume it) are deleted."""
    finished = _now()
    row = connection.execute(
        update(CrawlRun)
        .where(CrawlRun.id == run_id, CrawlRun.status == RUNNING, CrawlRun.attempt == attempt)
        .values(
            status=status,
            finished_at=finished,
            heartbeat_at=finished,
            finish_reason=finish_reason,
            items=items,
            rejected=rejected,
            stats=stats,
        )
        .returning(CrawlRun.store_id, CrawlRun.kind)
    ).one_or_none()
    if row is None:
        return False
    store_pk, kind = row
    if status == COMPLETE:
        connection.execute(delete(CrawlPage).where(CrawlPage.run_id == run_id))
    if status == COMPLETE and kind == FULL_RUN and store_pk is not None:
        mark_crawled(connection, store_pk, finished)
    return True


def end_run(connection: Connection, run_id: int, *, status: str, reason: str) -> bool:
    """End a run that no process holds (refused at open, cancelled, its process gone);
    returns False when it had already ended."""
    now = _now()
    changed = connection.execute(
        update(CrawlRun)
        .where(CrawlRun.id == run_id, CrawlRun.status.not_in(TERMINAL))
        .values(status=status, finish_reason=reason, finished_at=now)
        .returning(CrawlRun.id)
    ).scalar()
    return changed is not None


def mark_interrupted(connection: Connection, run_id: int, reason: str) -> None:
    """A running attempt whose process stopped without closing the run: resumable."""
    connection.execute(
        update(CrawlRun)
        .where(CrawlRun.id == run_id, CrawlRun.status == RUNNING)
        .values(status=INTERRUPTED, finish_reason=reason)
    )


def stale_running(connection: Connection, cutoff: datetime) -> list[int]:
    """Runs said to be running whose heartbeat is older than ``cutoff``."""
    return list(
        connection.execute(
            select(CrawlRun.id).where(
                CrawlRun.status == RUNNING,
                or_(CrawlRun.heartbeat_at.is_(None), CrawlRun.heartbeat_at < cutoff),
            )
        ).scalars()
    )


@dataclass(frozen=True)
class LaunchedRun:
    """A run a launcher made: its process (local runs), spider, store and node."""

    id: int
    status: str
    spider: str
    company: str | None
    store_id: str | None
    pid: int | None
    attempt: int
    args: dict[str, str]
    node: str | None = LOCAL  # None: a Scrapyd launcher's run not sent to a node yet


def _launched(connection: Connection, *where: ColumnElement[bool]) -> list[LaunchedRun]:
    rows = connection.execute(
        select(
            CrawlRun.id, CrawlRun.status, CrawlRun.spider, CrawlRun.company_id,
            Store.retailer_store_id, CrawlRun.pid, CrawlRun.attempt, CrawlRun.args, CrawlRun.node,
        )
        .outerjoin(Store, Store.id == CrawlRun.store_id)
        .where(*where)
        .order_by(CrawlRun.id)
    )  # fmt: skip
    return [
        LaunchedRun(
            r.id,
            r.status,
            r.spider,
            COMPANY_SLUGS.get(r.company_id or 0),
            r.retailer_store_id,
            r.pid,
            r.attempt,
            dict(r.args or {}),
            r.node,
        )  # fmt: skip
        for r in rows
    ]


def local_runs(connection: Connection, statuses: Iterable[str], host: str) -> list[LaunchedRun]:
    """Runs of the local launcher in ``statuses``, opened on ``host`` (or not opened yet)."""
    return _launched(
        connection,
        CrawlRun.node == LOCAL,
        CrawlRun.status.in_(list(statuses)),
        or_(CrawlRun.host == host, CrawlRun.host.is_(None)),
    )


def remote_runs(connection: Connection, statuses: Iterable[str]) -> list[LaunchedRun]:
    """Runs of the Scrapyd launcher in ``statuses``: sent to a node, or waiting for one."""
    remote = or_(CrawlRun.node.is_(None), CrawlRun.node != LOCAL)
    crawls = CrawlRun.spider != INGEST
    return _launched(connection, remote, CrawlRun.status.in_(list(statuses)), crawls)


def assign_node(connection: Connection, run_id: int, node: str) -> bool:
    """Record the Scrapyd node (URL without credentials) a pending run is sent to; False
    when it is no longer pending or was sent to a node meanwhile."""
    sent = connection.execute(
        update(CrawlRun)
        .where(CrawlRun.id == run_id, CrawlRun.status == PENDING, CrawlRun.node.is_(None))
        .values(node=node)
        .returning(CrawlRun.id)
    ).scalar()
    return sent is not None


def undispatch(
    connection: Connection, nodes: Iterable[str], run_ids: Iterable[int] | None = None
) -> list[int]:
    """Pending runs sent to ``nodes`` (only ``run_ids``, if given) go back to dispatch (no
    node); returns their ids."""
    where = [CrawlRun.status == PENDING, CrawlRun.node.in_(list(nodes))]
    if run_ids is not None:
        where.append(CrawlRun.id.in_(list(run_ids)))
    back = connection.execute(
        update(CrawlRun).where(*where).values(node=None).returning(CrawlRun.id)
    ).scalars()
    return sorted(back)


def requeue(connection: Connection, run_id: int) -> bool:
    """Set an interrupted (or partial) run back to ``pending`` under the same id, for another
    attempt; returns False when the run is in another state."""
    changed = connection.execute(
        update(CrawlRun)
        .where(CrawlRun.id == run_id, CrawlRun.status.in_((INTERRUPTED, PARTIAL)))
        .values(status=PENDING, finished_at=None)
        .returning(CrawlRun.id)
    ).scalar()
    return changed is not None


def statuses(connection: Connection, run_ids: Iterable[int]) -> dict[int, str]:
    """The status of each run."""
    ids = list(run_ids)
    if not ids:
        return {}
    rows = connection.execute(select(CrawlRun.id, CrawlRun.status).where(CrawlRun.id.in_(ids)))
    return dict(rows.all())


def ingest_run(
    connection: Connection,
    *,
    company_id: int | None,
    store_pk: int | None,
    observed_on: date | None,
    source: str,
    host: str,
    pid: int,
) -> tuple[int, int]:
    """The run of one store and day of an ingested file (no store: the file's records naming
    none; no day: its records with no readable date), opened; returns its id and attempt.
    The run an earlier ingest of the same file made is reused, so re-ingesting adds no row."""
    found = connection.execute(
        select(CrawlRun.id).where(
            CrawlRun.spider == INGEST,
            CrawlRun.store_id == store_pk,
            CrawlRun.observed_on == observed_on,
            CrawlRun.source == source,
        )
    ).scalar()
    if found is None:
        found = create_run(
            connection,
            spider=INGEST,
            company_id=company_id,
            store_pk=store_pk,
            observed_on=observed_on,
            source=source,
        )
    attempt = connection.execute(
        update(CrawlRun)
        .where(CrawlRun.id == found)
        .values(
            status=RUNNING,
            attempt=CrawlRun.attempt + 1,
            heartbeat_at=_now(),
            host=host,
            pid=pid,
            finished_at=None,
        )
        .returning(CrawlRun.attempt)
    ).scalar_one()
    return int(found), int(attempt)
