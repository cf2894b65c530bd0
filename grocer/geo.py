"""Distances on the Earth's surface (stores near a point)."""

from __future__ import annotations

from math import asin, cos, radians, sin, sqrt

EARTH_KM = 6371.0088  # mean Earth radius


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in kilometres.

    >>> round(distance_km(-34.9285, 138.6007, -37.8136, 144.9631), 1)  # Adelaide, Melbourne
    653.5
    """
    p1, p2 = radians(lat1), radians(lat2)
    a = sin((p2 - p1) / 2) ** 2 + cos(p1) * cos(p2) * sin(radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * asin(min(1.0, sqrt(a)))
