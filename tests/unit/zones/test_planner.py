"""The planner decides on hand-built inputs, without a database: groups and their periods, the
days stores were observed, remembered comparisons and small price maps."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from datetime import date, timedelta

import numpy as np

from grocer.analysis.zones.compare import MatchRules
from grocer.analysis.zones.plan import (
    CacheRow,
    Ejection,
    Merge,
    Move,
    NewGroup,
    Retention,
    Tally,
    Verified,
    ZonePlan,
)
from grocer.analysis.zones.planner import (
    known_comparisons,
    plan_health_check,
    plan_merge,
    plan_new_groups,
)
from grocer.analysis.zones.settings import ZoneSettings
from grocer.analysis.zones.snapshots import Snapshots, StoreDays, build_snapshots, to_number
from grocer.analysis.zones.state import (
    CACHE_MEMBER,
    CACHE_PAIR,
    CacheEntry,
    Group,
    KnownComparisons,
    Period,
)

AS_OF = date(2025, 9, 19)  # a Friday: its price week began Wednesday 17th
WEEK = date(2025, 9, 17)
SETTINGS = ZoneSettings(rules=MatchRules(max_differ_share=0.05, min_common=20))
ZONE = {listing: 1000 + listing for listing in range(1, 41)}  # 40 listings: their codes

PriceMaps = Mapping[tuple[int, date], Mapping[int, int]]  # (store, day) -> listing -> code


def differing(count: int) -> dict[int, int]:
    """The zone's prices with the first ``count`` listings priced otherwise."""
    return {i: code + (7 if i <= count else 0) for i, code in ZONE.items()}


class Loader:
    """Serves snapshots from price maps, as the loader serves them from the database, and
    remembers what it was asked for."""

    def __init__(self, maps: PriceMaps) -> None:
        rows = [(s, d, i, c) for (s, d), prices in maps.items() for i, c in prices.items()]
        self.store = np.array([s for s, _, _, _ in rows], dtype=np.int64)
        self.day = np.array([to_number(d) for _, d, _, _ in rows], dtype=np.int64)
        self.listing = np.array([i for _, _, i, _ in rows], dtype=np.int64)
        self.code = np.array([c for _, _, _, c in rows], dtype=np.uint64)
        self.calls: list[list[tuple[int, date]]] = []

    def group(self, entries: list[tuple[int, date]]) -> Snapshots:
        self.calls.append(list(entries))
        return build_snapshots(entries, self.store, self.listing, self.code, self.day, self.day)

    def company(self, company: str, entries: list[tuple[int, date]]) -> Snapshots:
        assert company == "aldi"
        return self.group(entries)


def group(group_id: int, anchor: int, *members: int, since: date = date(2025, 9, 1)) -> Group:
    """A group of ``anchor`` and ``members``; period ids are 100 + store id."""
    periods = [
        Period(100 + store, store, group_id, anchor, since, None, "aldi")
        for store in (anchor, *members)
    ]
    return Group(group_id, anchor, "aldi", periods)


def observed(*stores: int, day: date = AS_OF) -> StoreDays:
    return StoreDays(
        window={s: [day] for s in stores},
        observed_days={s: 1 for s in stores},
        first_day={s: day for s in stores},
    )


def health(
    groups: list[Group], days: StoreDays, maps: PriceMaps, known: KnownComparisons | None = None
) -> tuple[ZonePlan, Loader]:
    loader = Loader(maps)
    plan = plan_health_check(
        {g.id: g for g in groups}, days, known or KnownComparisons(), SETTINGS, AS_OF, loader.group
    )
    return plan, loader


def merge(
    groups: list[Group], days: StoreDays, maps: PriceMaps, known: KnownComparisons
) -> tuple[ZonePlan, Loader]:
    loader = Loader(maps)
    groups_by_id = {g.id: g for g in groups}
    return plan_merge(groups_by_id, days, known, SETTINGS, ["aldi"], loader.company), loader


def test_a_healthy_member_is_verified_and_its_rows_listed_for_retention() -> None:
    maps = {(1, AS_OF): ZONE, (2, AS_OF): differing(1)}  # one price of its own: 2.5%
    plan, loader = health([group(10, 1, 2)], observed(1, 2), maps)
    assert plan.verified == (Verified(102, 2, 1, "aldi"),)
    assert plan.ejections == () and plan.flagged == ()
    assert plan.retention == (Retention("aldi", 10, 1, (2,)),)
    assert plan.cache == (CacheRow(CACHE_MEMBER, "2>1", "match"),)
    assert plan.tallies == (Tally("aldi", comparisons=1, inconclusive=0),)
    assert loader.calls == [[(1, AS_OF), (2, AS_OF)]]  # the group's anchor and due member

    # found healthy today and not observed since: not due, nothing loaded
    known = known_comparisons([CacheEntry(CACHE_MEMBER, "2>1", AS_OF)], SETTINGS, AS_OF)
    plan, loader = health([group(10, 1, 2)], observed(1, 2), maps, known)
    assert plan.verified == () and loader.calls == []


def test_a_member_whose_prices_differ_is_ejected() -> None:
    maps = {(1, AS_OF): ZONE, (2, AS_OF): ZONE, (3, AS_OF): differing(10)}
    plan, _ = health([group(10, 1, 2, 3)], observed(1, 2, 3), maps)
    assert plan.ejections == (Ejection(103, 3, "aldi", WEEK),)  # from its price week's start
    assert [v.store_id for v in plan.verified] == [2]
    assert plan.retention == (Retention("aldi", 10, 1, (2,)),)


def test_a_stale_anchor_is_flagged_once_and_its_group_not_loaded() -> None:
    maps = {(2, AS_OF): ZONE, (3, AS_OF): ZONE, (5, AS_OF): ZONE, (6, AS_OF): ZONE}
    groups = [group(10, 1, 2, 3), group(20, 4), group(30, 5, 6)]  # 1 and 4 not observed
    plan, loader = health(groups, observed(2, 3, 5, 6), maps)
    assert plan.flagged == (1,)  # a group of one is not checked, so 4 is not flagged
    assert plan.verified == (Verified(106, 6, 5, "aldi"),)
    assert loader.calls == [[(5, AS_OF), (6, AS_OF)]]


def test_matching_anchors_merge_into_the_larger_group() -> None:
    groups = [group(10, 1), group(20, 5, 6, 7)]  # the smaller group has the lower store id
    maps = {(1, AS_OF): ZONE, (5, AS_OF): differing(1)}
    plan, loader = merge(groups, observed(1, 5, 6, 7), maps, KnownComparisons())
    assert plan.merges == (Merge("aldi", 20, 5, 1, (Move(101, 1, WEEK),)),)
    assert plan.retention == (Retention("aldi", 20, 5, (1,)),)
    assert plan.cache == (CacheRow(CACHE_MEMBER, "1>5", "match"),)
    assert loader.calls == [[(1, AS_OF), (5, AS_OF)]]  # the company's current anchors


def test_anchors_found_not_to_match_are_remembered_and_skipped_while_remembered() -> None:
    groups = [group(10, 1), group(20, 5)]
    maps = {(1, AS_OF): ZONE, (5, AS_OF): differing(10)}
    days = observed(1, 5)
    plan, _ = merge(groups, days, maps, KnownComparisons())
    assert plan.merges == ()
    assert plan.cache == (CacheRow(CACHE_PAIR, "1:5", "mismatch"),)
    assert plan.tallies == (Tally("aldi", comparisons=1, inconclusive=0),)

    entries = [CacheEntry(CACHE_PAIR, "1:5", AS_OF)]
    plan, _ = merge(groups, days, maps, known_comparisons(entries, SETTINGS, AS_OF))
    assert plan.cache == () and plan.tallies == (Tally("aldi", 0, 0),)

    later = AS_OF + timedelta(days=SETTINGS.mismatch_ttl_days)  # forgotten: compared again
    plan, _ = merge(groups, days, maps, known_comparisons(entries, SETTINGS, later))
    assert plan.cache == (CacheRow(CACHE_PAIR, "1:5", "mismatch"),)


def test_inconclusive_overlap_neither_merges_nor_ejects() -> None:
    thin = {i: ZONE[i] + 7 for i in range(1, 11)}  # 10 listings in common: fewer than 20
    maps = {(1, AS_OF): ZONE, (2, AS_OF): thin, (5, AS_OF): thin}
    plan, _ = health([group(10, 1, 2)], observed(1, 2, 5), maps)
    assert (plan.verified, plan.ejections, plan.retention) == ((), (), ())
    assert plan.tallies == (Tally("aldi", comparisons=1, inconclusive=1),)

    plan, _ = merge([group(10, 1, 2), group(20, 5)], observed(1, 2, 5), maps, KnownComparisons())
    assert (plan.merges, plan.cache) == ((), ())  # an inconclusive pair is not remembered
    assert plan.tallies == (Tally("aldi", comparisons=1, inconclusive=1),)


def test_a_member_seen_in_another_price_week_is_not_compared() -> None:
    tuesday = WEEK - timedelta(days=1)  # the week before the anchor's
    days = StoreDays(window={1: [AS_OF], 2: [tuesday]})
    plan, loader = health([group(10, 1, 2)], days, {(1, AS_OF): ZONE, (2, tuesday): ZONE})
    assert (plan.verified, plan.ejections) == ((), ())
    assert plan.tallies == (Tally("aldi", comparisons=0, inconclusive=1),)
    assert loader.calls == []


def test_new_groups_start_where_the_last_period_ended_or_at_the_first_observation() -> None:
    days = observed(2, day=date(2025, 9, 10))
    plan = plan_new_groups(
        [(1, "aldi"), (2, "aldi"), (3, "iga")], {1: date(2025, 9, 5)}, days, AS_OF
    )
    assert plan.groups == (
        NewGroup(1, "aldi", date(2025, 9, 5)),
        NewGroup(2, "aldi", date(2025, 9, 10)),
        NewGroup(3, "iga", AS_OF),
    )


def test_the_planner_imports_no_database_library() -> None:
    code = "import sys, grocer.analysis.zones.planner; print('sqlalchemy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
