"""Distances on the Earth's surface (stores near a point)."""

from __future__ import annotations

from bisect import insort
from math import asin, cos, radians, sin, sqrt

EARTH_KM = 6371.0088  # mean Earth radius
MARGIN = 0.02  # of a searched radius, not relied on


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in kilometres.

    >>> round(distance_km(-34.9285, 138.6007, -37.8136, 144.9631), 1)  # Adelaide, Melbourne
    653.5
    """
    p1, p2 = radians(lat1), radians(lat2)
    a = sin((p2 - p1) / 2) ** 2 + cos(p1) * cos(p2) * sin(radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * asin(min(1.0, sqrt(a)))


class SearchedArea:
    """Discs whose every store is known: a locator answer of the stores nearest a point,
    nearest first, names every store closer than its farthest one.

    >>> area = SearchedArea()
    >>> area.add(-33.87, 151.21, 50.0)  # Sydney: every store within 50 km is known
    >>> area.covers(-33.8, 151.1, 0.25), area.covers(-33.8, 151.1, 1.0)
    (True, False)
    """

    def __init__(self, margin: float = MARGIN) -> None:
        self.margin = margin
        self._discs: list[tuple[float, float, float]] = []

    def __len__(self) -> int:
        return len(self._discs)

    def add(self, latitude: float, longitude: float, km: float) -> None:
        """Every store within ``km`` of the point is known (``margin`` of it is not relied on:
        the retailer may measure distance another way)."""
        if km > 0:  # the widest first: they answer most cells
            insort(self._discs, (latitude, longitude, km * (1 - self.margin)), key=_widest)

    def covers(self, latitude: float, longitude: float, step: float) -> bool:
        """Whether one disc holds the whole ``step``-degree cell centred on the point: its
        centre's distance to the disc's plus the cell's reach from its centre to a corner."""
        half = step / 2
        reach = max(
            distance_km(latitude, longitude, latitude + dlat, longitude + dlon)
            for dlat in (-half, half)
            for dlon in (-half, half)
        )
        return any(
            distance_km(lat, lon, latitude, longitude) + reach <= km for lat, lon, km in self._discs
        )


def _widest(disc: tuple[float, float, float]) -> float:
    return -disc[2]
