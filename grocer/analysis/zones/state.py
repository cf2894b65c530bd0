"""The zones as maintenance reads them: open membership periods by group, remembered comparisons.

Plain values, built by :mod:`grocer.analysis.zones.loader` from the database and by tests by
hand; the planner decides on them without a database.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

CACHE_MEMBER = "zone_member"  # comparison_cache key "member>anchor": found healthy
CACHE_PAIR = "zone_pair"  # comparison_cache key "low:high" store ids: anchors found not to match
CACHE_KINDS = (CACHE_MEMBER, CACHE_PAIR)
# comparison_cache key "group:anchor:member": a verified member whose rows retention could not
# delete yet (its store's write lock was busy); a later run deletes them
CACHE_RETAIN = "zone_retain"


def moment(day: date) -> datetime:
    """Midnight UTC of ``day``: the timestamp a run as of ``day`` writes."""
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


@dataclass(frozen=True)
class Period:
    """An open membership period: ``store_id`` in ``group_id`` under ``anchor_store_id``."""

    id: int
    store_id: int
    group_id: int
    anchor_store_id: int
    valid_from: date
    verified_at: datetime | None
    company: str

    @property
    def is_self(self) -> bool:
        return self.store_id == self.anchor_store_id

    def close_day(self, floor: date) -> date:
        """The first day of the next period: at least ``floor`` and this period's start, and
        past the last verified day of a member (its rows up to then may be deleted)."""
        day = max(self.valid_from, floor)
        if not self.is_self and self.verified_at is not None:
            day = max(day, self.verified_at.date() + timedelta(days=1))
        return day


@dataclass
class Group:
    """A group of one company: its anchor and the open periods of its stores (anchor's too)."""

    id: int
    anchor: int
    company: str
    periods: list[Period] = field(default_factory=list)

    @property
    def members(self) -> list[Period]:
        return [p for p in self.periods if not p.is_self]


@dataclass(frozen=True)
class CacheEntry:
    """A ``comparison_cache`` row of zone maintenance: its kind, key and day checked."""

    kind: str
    key: str
    checked: date


@dataclass
class KnownComparisons:
    """Comparisons still remembered: members found healthy, anchor pairs found not to match."""

    healthy: dict[tuple[int, int], date] = field(default_factory=dict)  # (member, anchor) -> day
    mismatched: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
