"""The plan value: what one maintenance step decided, for the applier to write.

The planner (:mod:`grocer.analysis.zones.planner`) returns these; the applier
(:mod:`grocer.analysis.zones.applier`) writes them.  All frozen: a plan is decided once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Closing:
    """Open period ``period_id`` ends; ``day`` is the first day of whatever follows it."""

    period_id: int
    day: date


@dataclass(frozen=True)
class NewGroup:
    """A group of one for ``store_id`` (of ``company``), its own anchor from ``since``."""

    store_id: int
    company: str
    since: date


@dataclass(frozen=True)
class StartPlan:
    """Before the checks: ``reset`` closes every open period (and forgets every remembered
    comparison); stores without an open period get ``groups`` of one."""

    closings: tuple[Closing, ...] = ()
    groups: tuple[NewGroup, ...] = ()
    forget_comparisons: bool = False


@dataclass(frozen=True)
class Verified:
    """Member ``store_id`` (period ``period_id``) matched its anchor ``anchor``."""

    period_id: int
    store_id: int
    anchor: int
    company: str


@dataclass(frozen=True)
class Ejection:
    """Member ``store_id`` does not match its anchor: its period closes on ``day`` and it
    starts a group of its own that day."""

    period_id: int
    store_id: int
    company: str
    day: date


@dataclass(frozen=True)
class Move:
    """Store ``store_id`` of an absorbed group: its period closes on ``day``, when it joins."""

    period_id: int
    store_id: int
    day: date


@dataclass(frozen=True)
class Merge:
    """The group of anchor ``absorbed`` joins group ``group_id`` (anchor ``anchor``)."""

    company: str
    group_id: int
    anchor: int
    absorbed: int
    moves: tuple[Move, ...]


@dataclass(frozen=True)
class CacheRow:
    """A ``comparison_cache`` row to write (as of the run's day)."""

    kind: str
    key: str
    outcome: str


@dataclass(frozen=True)
class Retention:
    """The rows of ``stores`` (members of ``group_id``) that anchor ``anchor`` holds may go."""

    company: str
    group_id: int
    anchor: int
    stores: tuple[int, ...]


@dataclass(frozen=True)
class Tally:
    """Comparisons a step made for one company, and how many were inconclusive."""

    company: str
    comparisons: int = 0
    inconclusive: int = 0


@dataclass(frozen=True)
class ZonePlan:
    """What a health check or a merge pass decided.

    Attributes:
        verified: members that matched their anchor (``verified_at`` becomes the run's day).
        ejections: members that did not, each to a group of its own.
        merges: groups absorbed by larger ones.
        flagged: stale anchors to flag for re-crawl (unless already flagged).
        cache: comparison-cache rows to write.
        retention: whose redundant rows to delete, per group and anchor, once written.
        tallies: comparisons made, per company.
    """

    verified: tuple[Verified, ...] = ()
    ejections: tuple[Ejection, ...] = ()
    merges: tuple[Merge, ...] = ()
    flagged: tuple[int, ...] = ()
    cache: tuple[CacheRow, ...] = ()
    retention: tuple[Retention, ...] = ()
    tallies: tuple[Tally, ...] = ()
