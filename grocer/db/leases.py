"""Crawl leases: one crawl at a time per (spider, store), found alive by its heartbeat.

A crawl takes its lease when it opens (a locator crawl leases its spider, no store) and renews
it, with its run's heartbeat, every 30 s in one transaction.  A lease whose heartbeat is older
than ``GROCER_NODE_TIMEOUT`` (or whose process is gone from this host) is taken over: the
taker first marks the holder's run ``interrupted``.  Every write a crawl makes for its run is
conditional on its lease still holding its (run, attempt): a crawl that finds itself fenced
stops without writing.  Price writes lock their store per transaction in another key space
(:func:`lock_store`), so a crawl's writes never wait on its own lease.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, delete, insert, select, text, update

from grocer.db import runs
from grocer.db.models import CrawlLease

DEFAULT_TIMEOUT_S = 120.0  # GROCER_NODE_TIMEOUT
LEASE_LOCKS, STORE_LOCKS = 1, 2  # PostgreSQL advisory lock key spaces


def node_timeout() -> float:
    """Seconds after which a lease's heartbeat is stale (``GROCER_NODE_TIMEOUT``)."""
    return float(os.getenv("GROCER_NODE_TIMEOUT", DEFAULT_TIMEOUT_S))


@dataclass(frozen=True)
class Lease:
    """A lease held: its row, and the (run, attempt) whose writes it admits."""

    id: int
    key: str
    run_id: int
    attempt: int
    previous_backend: int | None = None  # PostgreSQL: the lock session of the holder before


class StoreBusy(Exception):
    """Another live crawl holds the lease."""

    def __init__(self, key: str, run_id: int) -> None:
        super().__init__(f"{key} is being crawled by run {run_id}")
        self.run_id = run_id


class Fenced(Exception):
    """The crawl's lease was taken over or ended: it must stop without writing."""


def lease_key(spider: str, store_pk: int | None) -> str:
    return f"{spider}:{store_pk if store_pk is not None else '-'}"


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def take(
    connection: Connection,
    *,
    spider: str,
    store_pk: int | None,
    run_id: int,
    attempt: int,
    node: str,
    host: str,
    pid: int,
    timeout_s: float,
) -> Lease:
    """Take the lease of (spider, store) for an attempt of a run (in a write transaction).

    Raises:
        StoreBusy: a live crawl of another attempt holds it.
    """
    key = lease_key(spider, store_pk)
    now = _now()
    query = select(
        CrawlLease.id, CrawlLease.run_id, CrawlLease.attempt, CrawlLease.host,
        CrawlLease.pid, CrawlLease.heartbeat_at, CrawlLease.backend_pid,
    ).where(CrawlLease.key == key)  # fmt: skip
    if connection.dialect.name == "postgresql":
        query = query.with_for_update()
    held = connection.execute(query).one_or_none()
    values = {
        "run_id": run_id, "attempt": attempt, "node": node, "host": host, "pid": pid,
        "heartbeat_at": now, "backend_pid": None,
    }  # fmt: skip
    if held is None:
        lease_id = connection.execute(
            insert(CrawlLease)
            .values(key=key, spider=spider, store_id=store_pk, **values)
            .returning(CrawlLease.id)
        ).scalar_one()
        return Lease(lease_id, key, run_id, attempt)
    stale = now - _aware(held.heartbeat_at) > timedelta(seconds=timeout_s)
    gone = held.host == host and held.pid is not None and not runs.process_alive(held.pid)
    if not (stale or gone or (held.run_id, held.attempt) == (run_id, attempt)):
        raise StoreBusy(key, held.run_id)
    if held.run_id != run_id:
        runs.mark_interrupted(connection, held.run_id, "lease_taken_over")
    connection.execute(update(CrawlLease).where(CrawlLease.id == held.id).values(**values))
    return Lease(held.id, key, run_id, attempt, held.backend_pid)


def holds(connection: Connection, lease: Lease) -> bool:
    """Whether the lease still admits its (run, attempt)."""
    found = connection.execute(
        select(CrawlLease.id).where(
            CrawlLease.id == lease.id,
            CrawlLease.run_id == lease.run_id,
            CrawlLease.attempt == lease.attempt,
        )
    ).scalar()
    return found is not None


def check(connection: Connection, lease: Lease) -> None:
    """Raise :class:`Fenced` unless the lease still admits its (run, attempt)."""
    if not holds(connection, lease):
        raise Fenced(f"run {lease.run_id} attempt {lease.attempt} no longer holds {lease.key}")


def renew(connection: Connection, lease: Lease) -> None:
    """Renew the lease and its run's heartbeat together.

    Raises:
        Fenced: the lease no longer admits this attempt.
    """
    now = _now()
    renewed = connection.execute(
        update(CrawlLease)
        .where(
            CrawlLease.id == lease.id,
            CrawlLease.run_id == lease.run_id,
            CrawlLease.attempt == lease.attempt,
        )
        .values(heartbeat_at=now)
        .returning(CrawlLease.id)
    ).scalar()
    if renewed is None:
        raise Fenced(f"run {lease.run_id} attempt {lease.attempt} no longer holds {lease.key}")
    runs.beat(connection, lease.run_id, lease.attempt, now)


def record_backend(connection: Connection, lease: Lease, backend_pid: int) -> None:
    """Note the PostgreSQL session holding the lease's advisory lock."""
    connection.execute(
        update(CrawlLease).where(CrawlLease.id == lease.id).values(backend_pid=backend_pid)
    )


def release(connection: Connection, lease: Lease) -> None:
    """End the lease, if it is still this attempt's."""
    connection.execute(
        delete(CrawlLease).where(
            CrawlLease.id == lease.id,
            CrawlLease.run_id == lease.run_id,
            CrawlLease.attempt == lease.attempt,
        )
    )


def lock_store(connection: Connection, store_pk: int) -> None:
    """Take the store's price-write lock for this transaction (PostgreSQL; on SQLite the
    transaction holds the database's write lock from its start)."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:space, :store)"),
            {"space": STORE_LOCKS, "store": store_pk},
        )


def try_lock_store(connection: Connection, store_pk: int) -> bool:
    """Take the store's price-write lock for this transaction if free (PostgreSQL); on SQLite
    always true (the transaction waits for the write lock instead)."""
    if connection.dialect.name != "postgresql":
        return True
    return bool(
        connection.execute(
            text("SELECT pg_try_advisory_xact_lock(:space, :store)"),
            {"space": STORE_LOCKS, "store": store_pk},
        ).scalar()
    )


def sweep(connection: Connection, timeout_s: float) -> list[int]:
    """Runs whose heartbeat is older than ``timeout_s``: marked ``interrupted``, their leases
    ended and, on PostgreSQL, their lock sessions terminated (the process, if it still runs,
    is fenced).  Returns their ids."""
    stale = runs.stale_running(connection, _now() - timedelta(seconds=timeout_s))
    if not stale:
        return []
    for run_id in stale:
        runs.mark_interrupted(connection, run_id, "heartbeat_stale")
    backends = connection.execute(
        select(CrawlLease.backend_pid).where(
            CrawlLease.run_id.in_(stale), CrawlLease.backend_pid.is_not(None)
        )
    ).scalars().all()  # fmt: skip
    connection.execute(delete(CrawlLease).where(CrawlLease.run_id.in_(stale)))
    if connection.dialect.name == "postgresql":
        for backend in backends:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    return list(stale)
