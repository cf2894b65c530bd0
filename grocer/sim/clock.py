"""The simulated date: settable, optionally advancing one day every ``day_seconds``.

Every response's ``Date`` header carries it at 02:00 UTC, which is the same calendar date
in every Australian time zone (UTC+8 to UTC+11).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime

DEFAULT_START = date(2025, 9, 17)  # a Wednesday: the first day of a price week
PRICE_WEEK_START = 2  # Wednesday (Monday = 0)


def price_week(day: date) -> date:
    """The Wednesday that starts the price week containing ``day``."""
    return day - timedelta(days=(day.weekday() - PRICE_WEEK_START) % 7)


class SimClock:
    """A simulated calendar date; thread-safe."""

    def __init__(
        self,
        start: date = DEFAULT_START,
        day_seconds: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._anchor_date = start
        self._anchor_time = monotonic()
        self._day_seconds = day_seconds or None

    @property
    def day_seconds(self) -> float | None:
        """Real seconds per simulated day (None: the date is frozen)."""
        return self._day_seconds

    def today(self) -> date:
        """The current simulated date."""
        with self._lock:
            if not self._day_seconds:
                return self._anchor_date
            elapsed = self._monotonic() - self._anchor_time
            return self._anchor_date + timedelta(days=int(elapsed // self._day_seconds))

    def set(self, day: date, day_seconds: float | None | bool = False) -> None:
        """Jump to ``day`` (and optionally change the speed; ``False`` keeps it)."""
        with self._lock:
            self._anchor_date = day
            self._anchor_time = self._monotonic()
            if day_seconds is not False:
                self._day_seconds = float(day_seconds) if day_seconds else None

    def advance(self, days: int = 1) -> date:
        """Move the simulated date forward (or back) by ``days``; returns the new date."""
        new = self.today() + timedelta(days=days)
        self.set(new)
        return new

    def http_date(self, day: date | None = None) -> str:
        """The RFC 7231 ``Date`` header value for ``day`` (default: today) at 02:00 UTC."""
        day = day or self.today()
        return format_datetime(datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC), True)
