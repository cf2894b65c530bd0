"""A crawl's hold on its store: the lease taken when its run opens, renewed with the run's
heartbeat, released when it closes (:mod:`grocer.db.leases` has the rules).

On PostgreSQL a session of its own also holds the lease's advisory lock; a crawl whose
session was ended, or whose lease another crawl took over, is fenced: it stops at its next
renewal, writing nothing more (its page writes check the lease too).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable

from sqlalchemy import Connection, Engine, exc

from grocer.db import leases, runs
from grocer.db.lease_lock import LockSession
from grocer.db.leases import Fenced, Lease, StoreBusy
from grocer.db.transactions import in_transaction

logger = logging.getLogger(__name__)

RENEW_EVERY_S = 30.0  # GROCER_HEARTBEAT_S
LOCK_TRIES = 5


def renew_every() -> float:
    """Seconds between renewals of a crawl's lease and heartbeat (``GROCER_HEARTBEAT_S``)."""
    return float(os.getenv("GROCER_HEARTBEAT_S", RENEW_EVERY_S))


class LeaseKeeper:
    """Opens an attempt of a run under the store's lease, renews it, lets it go."""

    def __init__(self, engine: Engine, *, spider: str, store_pk: int | None, node: str) -> None:
        self.engine = engine
        self.spider = spider
        self.store_pk = store_pk
        self.node = node
        self.lease: Lease | None = None
        self.session: LockSession | None = None

    def open(self, run_id: int) -> Lease:
        """Open a new attempt of ``run_id`` holding the store's lease.

        Raises:
            StoreBusy: another live crawl holds the store (nothing was changed).
            Fenced: the run was not open to a new attempt.
        """

        def work(connection: Connection) -> Lease:
            host, pid = runs.this_host(), os.getpid()
            attempt = runs.open_attempt(connection, run_id, host=host, pid=pid)
            if attempt is None:
                raise Fenced(f"run {run_id} is not pending or interrupted")
            return leases.take(
                connection,
                spider=self.spider, store_pk=self.store_pk, run_id=run_id, attempt=attempt,
                node=self.node, host=host, pid=pid, timeout_s=leases.node_timeout(),
            )  # fmt: skip

        self.lease = in_transaction(self.engine, work)
        if self.engine.dialect.name == "postgresql":
            self._lock(self.lease)
        return self.lease

    def _lock(self, lease: Lease) -> None:
        """Hold the lease's advisory lock in a session of its own; a stale holder's session
        is ended first."""
        self.session = LockSession.connect(self.engine.url.render_as_string(hide_password=False))
        for _ in range(LOCK_TRIES):
            if self.session.acquire(lease.id):
                break
            if lease.previous_backend is not None:
                self.session.terminate(lease.previous_backend)
            time.sleep(0.2)
        else:
            self.close_session()
            raise StoreBusy(lease.key, lease.run_id)
        backend = self.session.backend_pid
        in_transaction(self.engine, lambda c: leases.record_backend(c, lease, backend))

    def renew(self) -> None:
        """Renew the lease and the run's heartbeat.

        Raises:
            Fenced: the lease was taken over or ended, or its lock session is gone.
            sqlalchemy.exc.OperationalError: the database is unreachable.
        """
        lease = self.lease
        if lease is None:
            return
        if self.session is not None and not self.session.alive():
            raise Fenced(f"the lock session of {lease.key} was ended")
        in_transaction(self.engine, lambda c: leases.renew(c, lease))

    def fence(self) -> Callable[[Connection], None] | None:
        """What a write transaction of this crawl checks first (None without a lease)."""
        lease = self.lease
        if lease is None:
            return None
        return lambda connection: leases.check(connection, lease)

    def release(self) -> None:
        """Let the lease go (if still ours) and close the lock session."""
        lease = self.lease
        if lease is not None:
            try:
                in_transaction(self.engine, lambda c: leases.release(c, lease))
            except exc.OperationalError as error:
                logger.warning("could not release %s: %s", lease.key, error)
        self.close_session()

    def close_session(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None
