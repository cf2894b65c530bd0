"""One write transaction, retried: when SQLite is busy, or a concurrent writer inserted a row
first.  On SQLite it begins with the write lock (``BEGIN IMMEDIATE``), so what it reads
cannot change before it writes.

Writers keep identity maps (ids of products, listings, categories) across transactions; an
attempt that fails may have put ids of rolled-back rows in them, so ``on_failure`` drops them
before the next attempt (and before an error is raised).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine, exc

from grocer.db.engine import WRITE_LOCK, is_busy_error

logger = logging.getLogger(__name__)

T = TypeVar("T")
ATTEMPTS = 8
BACKOFF_S = 0.05


def in_transaction(
    engine: Engine,
    work: Callable[[Connection], T],
    *,
    integrity_retries: int = 2,
    on_failure: Callable[[], None] | None = None,
    attempts: int = ATTEMPTS,
) -> T:
    """Run ``work`` in one transaction; retry it when SQLite is busy (up to ``attempts``
    times) or it hit a unique constraint another writer's commit made it meet (up to
    ``integrity_retries`` times: the retry looks the rows up again)."""
    writing = engine.execution_options(**{WRITE_LOCK: True})
    for attempt in range(1, attempts + 1):
        try:
            with writing.begin() as connection:
                return work(connection)
        except (exc.OperationalError, exc.IntegrityError) as error:
            if on_failure is not None:
                on_failure()
            retry = is_busy_error(error) or (
                isinstance(error, exc.IntegrityError) and attempt <= integrity_retries
            )
            if not retry or attempt == attempts:
                raise
            logger.debug("retrying a transaction (attempt %d): %s", attempt, error)
            time.sleep(BACKOFF_S * 2**attempt)
        except BaseException:
            if on_failure is not None:
                on_failure()
            raise
    raise AssertionError("unreachable")
