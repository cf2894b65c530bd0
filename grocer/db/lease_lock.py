"""PostgreSQL: the session that holds a crawl lease's advisory lock.

A dedicated connection, kept for the whole crawl, holds ``pg_try_advisory_lock(1, <lease
id>)``; its backend pid is recorded on the lease, so a sweep that finds the lease stale can
end that session (``pg_terminate_backend``), and the crawl, finding its session gone at its
next renewal, stops.  TCP keepalives on both sides notice a vanished peer.  SQLite has no such
session: the lease row and its heartbeat stand alone.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from grocer.db.leases import LEASE_LOCKS

logger = logging.getLogger(__name__)

KEEPALIVE = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10}
KEEPALIVE_COUNT = 3
SERVER_KEEPALIVE = (
    "SET tcp_keepalives_idle = 30; SET tcp_keepalives_interval = 10; "
    f"SET tcp_keepalives_count = {KEEPALIVE_COUNT}"
)


class LockSession:
    """A connection of its own holding one lease's advisory lock."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.backend_pid: int = connection.execute("SELECT pg_backend_pid()").fetchone()[0]

    @classmethod
    def connect(cls, url: str) -> LockSession:
        """A new session to the database at ``url`` (a SQLAlchemy PostgreSQL URL)."""
        parsed = make_url(url)
        connection = psycopg.connect(
            host=parsed.host, port=parsed.port, user=parsed.username, password=parsed.password,
            dbname=parsed.database, autocommit=True, keepalives_count=KEEPALIVE_COUNT,
            connect_timeout=10, **KEEPALIVE,
        )  # fmt: skip
        connection.execute(SERVER_KEEPALIVE)
        return cls(connection)

    def acquire(self, lease_id: int) -> bool:
        """Take the lease's advisory lock if no other session holds it."""
        row = self.connection.execute(
            "SELECT pg_try_advisory_lock(%s, %s)", (LEASE_LOCKS, lease_id)
        ).fetchone()
        return bool(row and row[0])

    def terminate(self, backend_pid: int) -> bool:
        """End another session (a stale holder's); True if it was there to end."""
        row = self.connection.execute("SELECT pg_terminate_backend(%s)", (backend_pid,)).fetchone()
        return bool(row and row[0])

    def alive(self) -> bool:
        """Whether the session (and so the lock) is still there."""
        try:
            self.connection.execute("SELECT 1").fetchone()
        except psycopg.Error:
            return False
        return True

    def close(self) -> None:
        try:
            self.connection.close()
        except psycopg.Error as error:
            logger.debug("closing the lease lock session: %s", error)
