"""A per-client request limit: a sliding one-second window per (client address, retailer)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Hashable

WINDOW_S = 1.0


class ClientWindows:
    """Admits at most ``rate`` requests per key in any one-second window."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._admitted: dict[Hashable, deque[float]] = {}
        self._lock = threading.Lock()

    def admit(self, key: Hashable, rate: int) -> bool:
        """Count a request of ``key`` and say yes, or say no (it then does not count)."""
        with self._lock:
            now = self.clock()
            times = self._admitted.setdefault(key, deque())
            while times and times[0] <= now - WINDOW_S:
                times.popleft()
            if len(times) >= rate:
                return False
            times.append(now)
            return True
