"""The daemon's clock: real time, or a faster one for tests and the demo (``--time-scale``)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta


@dataclass
class ScaledClock:
    """A clock running ``scale`` times faster than real time from ``start``.

    With ``scale=1`` and no start it is the wall clock.  The simulator's ``--day-seconds``
    should equal ``86400 / scale`` so that the daemon's days and the simulator's agree.
    """

    scale: float = 1.0
    start: datetime | None = None
    _origin: float = field(default_factory=time.monotonic)

    def now(self) -> datetime:
        if self.start is None and self.scale == 1.0:
            return datetime.now(UTC)
        base = self.start or datetime.now(UTC)
        return base + timedelta(seconds=(time.monotonic() - self._origin) * self.scale)

    def today(self) -> date:
        return self.now().date()

    def real_seconds(self, simulated: timedelta) -> float:
        """How many real seconds a simulated duration lasts."""
        return simulated.total_seconds() / self.scale
