"""The daemon's jobs, declared in one table: id -> (every, task reference).

Intervals are simulated time; with ``--time-scale N`` they last ``1/N`` as long in real time
(never under ``MIN_REAL_SECONDS``).  Tasks are referenced by name so APScheduler's
SQLAlchemy job store can persist them in the grocer database.
"""

from __future__ import annotations

from datetime import timedelta

MIN_REAL_SECONDS = 1.0

JOBS: dict[str, tuple[timedelta, str]] = {
    # plan due stores and launch crawls within the limits; reap finished ones
    "crawls": (timedelta(minutes=10), "grocer.scheduler.tasks:crawl_tick"),
    # zone health checks and merges, then bargains: runs whether or not anything was crawled
    "maintenance": (timedelta(hours=6), "grocer.scheduler.tasks:maintenance"),
    # substitutions, nightly
    "substitutions": (timedelta(days=1), "grocer.scheduler.tasks:substitutions"),
}
