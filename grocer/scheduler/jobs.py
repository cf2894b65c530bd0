"""The daemon's jobs, declared in one table: id -> (every, the daemon's method).

Intervals are simulated time; with ``--time-scale N`` they last ``1/N`` as long in real time
(never under ``MIN_REAL_SECONDS``).  The watch (heartbeat, sweep of stale runs, follow-up of
ended crawls) runs every ``WATCH_SECONDS`` of real time, whatever the scale: liveness is
judged on the wall clock.
"""

from __future__ import annotations

from datetime import timedelta

MIN_REAL_SECONDS = 1.0
WATCH_SECONDS = 5.0

JOBS: dict[str, tuple[timedelta, str]] = {
    # plan due stores and launch crawls within the limits
    "crawls": (timedelta(minutes=10), "crawl_tick"),
    # zone health checks and merges, then bargains: runs whether or not anything was crawled
    "maintenance": (timedelta(hours=6), "maintenance"),
    # substitutions, nightly
    "substitutions": (timedelta(days=1), "substitutions"),
    # the operator alert pass (grocer/health/alerts.py): conditions read from the database
    "alerts": (timedelta(minutes=1), "alerts"),
}
