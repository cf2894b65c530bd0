"""The decisions of zone maintenance, without a database: loaded values in, a plan out.

Each function takes what the loader read (groups and their open periods, remembered
comparisons, the days stores were observed) with the settings and the run's day, and returns a
:class:`~grocer.analysis.zones.plan.ZonePlan` or :class:`~grocer.analysis.zones.plan.StartPlan`.
Price snapshots are asked for through a ``load`` function, one group (health check) or one
company (merge) at a time, so that a run never holds every store's prices at once; tests pass a
function that builds them from arrays.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np

from grocer.analysis.zones.compare import INCONCLUSIVE, MATCH, MISMATCH, compare_one_to_many
from grocer.analysis.zones.plan import (
    CacheRow,
    Closing,
    Ejection,
    Merge,
    Move,
    NewGroup,
    Retention,
    StartPlan,
    Tally,
    Verified,
    ZonePlan,
)
from grocer.analysis.zones.state import (
    CACHE_MEMBER,
    CACHE_PAIR,
    CacheEntry,
    Group,
    KnownComparisons,
    Period,
)
from grocer.progress import progress

if TYPE_CHECKING:
    from grocer.analysis.zones.settings import ZoneSettings
    from grocer.analysis.zones.snapshots import Snapshots, StoreDays

Entries = Sequence[tuple[int, date]]  # (store id, day): one snapshot row each
LoadGroup = Callable[[Entries], "Snapshots"]  # snapshots from rows covering each entry's day
LoadCompany = Callable[[str, Entries], "Snapshots"]  # a company's anchors on their latest day


def known_comparisons(
    entries: Iterable[CacheEntry], settings: ZoneSettings, as_of: date
) -> KnownComparisons:
    """The remembered comparisons still within their lifetimes on ``as_of``."""
    known = KnownComparisons()
    for entry in entries:
        age = as_of - entry.checked
        if entry.kind == CACHE_MEMBER and age < timedelta(days=settings.healthy_ttl_days):
            member, anchor = entry.key.split(">")
            known.healthy[(int(member), int(anchor))] = entry.checked
        elif entry.kind == CACHE_PAIR and age < timedelta(days=settings.mismatch_ttl_days):
            low, high = (int(x) for x in entry.key.split(":"))
            known.mismatched[low].add(high)
            known.mismatched[high].add(low)
    return known


def plan_reset(groups: Mapping[int, Group], as_of: date) -> StartPlan:
    """Close every open period (keeping deleted rows resolvable) and forget comparisons."""
    closings = tuple(Closing(p.id, p.close_day(as_of)) for g in groups.values() for p in g.periods)
    return StartPlan(closings=closings, forget_comparisons=True)


def plan_new_groups(
    lonely: Sequence[tuple[int, str]], ended: Mapping[int, date], days: StoreDays, as_of: date
) -> StartPlan:
    """Groups of one for the stores (id, company) without an open period: from where their
    last period ended, else from their first observation (or ``as_of``)."""
    return StartPlan(
        groups=tuple(
            NewGroup(
                store, company, ended.get(store) or min(days.first_day.get(store, as_of), as_of)
            )
            for store, company in lonely
        )
    )


def is_due(period: Period, anchor: int, days: StoreDays, known: KnownComparisons) -> bool:
    """A member is checked when current, unless found healthy in the last 7 days and not
    observed since (a new observation is new evidence)."""
    latest = days.latest(period.store_id)
    if latest is None:
        return False
    checked = known.healthy.get((period.store_id, anchor))
    return checked is None or latest > checked


def plan_health_check(
    groups: Mapping[int, Group],
    days: StoreDays,
    known: KnownComparisons,
    settings: ZoneSettings,
    as_of: date,
    load: LoadGroup,
) -> ZonePlan:
    """Phase 1: each group's due members against its anchor; stale anchors flagged."""
    checked = [g for g in groups.values() if g.members]
    verified: list[Verified] = []
    ejections: list[Ejection] = []
    retention: list[Retention] = []
    stale: list[int] = []
    tallies: dict[str, Tally] = {}
    with progress(len(checked), "zones: health check", unit="group") as bar:
        for group in checked:
            bar.update(1)
            if days.latest(group.anchor) is None:
                stale.append(group.anchor)
                continue
            due = [p for p in group.members if is_due(p, group.anchor, days, known)]
            if not due:
                continue
            good, bad, tally = _check_group(group, due, days, settings, load)
            tallies[group.company] = _add(tallies.get(group.company), tally)
            verified += [Verified(p.id, p.store_id, p.anchor_store_id, p.company) for p in good]
            for p in bad:
                start = settings.weeks.start(p.company, as_of)
                ejections.append(Ejection(p.id, p.store_id, p.company, p.close_day(start)))
            if good:
                stores = tuple(p.store_id for p in good)
                retention.append(Retention(group.company, group.id, group.anchor, stores))
    return ZonePlan(
        verified=tuple(verified),
        ejections=tuple(ejections),
        flagged=tuple(stale),
        cache=tuple(CacheRow(CACHE_MEMBER, f"{v.store_id}>{v.anchor}", "match") for v in verified),
        retention=tuple(retention),
        tallies=tuple(tallies.values()),
    )


def _add(total: Tally | None, tally: Tally) -> Tally:
    if total is None:
        return tally
    return Tally(
        total.company,
        total.comparisons + tally.comparisons,
        total.inconclusive + tally.inconclusive,
    )


def _check_group(
    group: Group, due: list[Period], days: StoreDays, settings: ZoneSettings, load: LoadGroup
) -> tuple[list[Period], list[Period], Tally]:
    """Compare ``due`` members with the anchor, on the anchor's observation in each member's
    price period; returns (healthy, ejected, tally)."""
    weeks = settings.weeks
    anchor_days: dict[date, date] = {}  # period start -> anchor's latest day in it
    for day in days.window.get(group.anchor, []):
        anchor_days[weeks.start(group.company, day)] = day
    anchor_row = {start: i for i, start in enumerate(anchor_days)}
    # every due member is current, so it has a latest day
    member_day = {p.store_id: days.window[p.store_id][-1] for p in due}
    by_row: dict[int, list[int]] = defaultdict(list)  # anchor row -> member rows
    offset = len(anchor_days)
    for i, p in enumerate(due):
        start = weeks.start(group.company, member_day[p.store_id])
        if start in anchor_row:
            by_row[anchor_row[start]].append(offset + i)
    compared = sum(len(v) for v in by_row.values())
    inconclusive = len(due) - compared
    good: list[Period] = []
    bad: list[Period] = []
    if by_row:
        entries = [(group.anchor, d) for d in anchor_days.values()]
        snaps = load(entries + [(p.store_id, member_day[p.store_id]) for p in due])
        for row, members in by_row.items():
            result = compare_one_to_many(
                snaps.codes, snaps.sizes, row, np.array(members), settings.rules
            )
            for member_row, outcome in zip(members, result.outcomes, strict=True):
                period = due[member_row - offset]
                if outcome == MATCH:
                    good.append(period)
                elif outcome == MISMATCH:
                    bad.append(period)
                else:
                    inconclusive += 1
    return good, bad, Tally(group.company, compared, inconclusive)


def plan_merge(
    groups: Mapping[int, Group],
    days: StoreDays,
    known: KnownComparisons,
    settings: ZoneSettings,
    companies: Sequence[str],
    load: LoadCompany,
) -> ZonePlan:
    """Phase 2: per company, its current anchors compared; larger groups absorb smaller."""
    by_anchor = {g.anchor: g for g in groups.values()}
    merges: list[Merge] = []
    cache: list[CacheRow] = []
    tallies: list[Tally] = []
    for slug in companies:
        current = sorted(
            g.anchor
            for g in groups.values()
            if g.company == slug and days.latest(g.anchor) is not None
        )
        if len(current) < 2:
            continue
        snaps = load(slug, [(a, days.window[a][-1]) for a in current])
        found = _merge_company(slug, snaps, by_anchor, known, days, settings)
        merges += found.merges
        cache += found.cache
        tallies += found.tallies
    joined: dict[int, list[Merge]] = defaultdict(list)
    for merge in merges:
        joined[merge.group_id].append(merge)
    retention = tuple(
        Retention(
            found[0].company,
            group_id,
            found[0].anchor,
            tuple(m.store_id for merge in found for m in merge.moves),
        )
        for group_id, found in joined.items()
    )
    return ZonePlan(
        merges=tuple(merges), cache=tuple(cache), retention=retention, tallies=tuple(tallies)
    )


def _merge_company(
    slug: str,
    snaps: Snapshots,
    by_anchor: Mapping[int, Group],
    known: KnownComparisons,
    days: StoreDays,
    settings: ZoneSettings,
) -> ZonePlan:
    """Greedy merging, largest group first: each anchor is compared with every anchor ranked
    after it in one vectorised step; one pass compares every surviving pair."""
    n = len(snaps)
    periods = np.array([settings.weeks.index(slug, d) for d in snaps.days])
    stores = snaps.store_ids
    rank = sorted(
        range(n),
        key=lambda i: (
            -len(by_anchor[int(stores[i])].periods),
            -days.observed_days.get(int(stores[i]), 0),
            -int(snaps.sizes[i]),
            int(stores[i]),
        ),
    )
    position = np.empty(n, dtype=np.int64)
    position[rank] = np.arange(n)
    absorbed = np.zeros(n, dtype=bool)
    rng = np.random.default_rng(0)
    width = snaps.codes.shape[1]
    sample = np.sort(rng.choice(width, size=min(settings.sample_size, width), replace=False))
    merges: list[Merge] = []
    cache: list[CacheRow] = []
    comparisons = inconclusive = 0
    with progress(n, f"zones: merge {slug}", unit="anchor") as bar:
        for i in rank:
            bar.update(1)
            if absorbed[i]:
                continue
            me = int(stores[i])
            later = (position > position[i]) & ~absorbed & (periods == periods[i])
            skip = known.mismatched.get(me)
            if skip:
                later &= ~np.isin(stores, list(skip))
            candidates = np.flatnonzero(later)
            if not len(candidates):
                continue
            result = compare_one_to_many(
                snaps.codes, snaps.sizes, i, candidates, settings.rules, sample=sample
            )
            exact = ~result.pruned
            comparisons += int(exact.sum())
            inconclusive += int((result.outcomes == INCONCLUSIVE).sum())
            evidence = settings.weeks.start(slug, snaps.days[i])
            target = by_anchor[me]
            for j in candidates[result.outcomes == MATCH]:
                absorbed[j] = True
                other = by_anchor[int(stores[j])]
                cache.append(CacheRow(CACHE_MEMBER, f"{other.anchor}>{me}", "match"))
                moves = tuple(Move(p.id, p.store_id, p.close_day(evidence)) for p in other.periods)
                merges.append(Merge(slug, target.id, me, other.anchor, moves))
            for j in candidates[(result.outcomes == MISMATCH) & exact]:
                low, high = sorted((me, int(stores[j])))
                cache.append(CacheRow(CACHE_PAIR, f"{low}:{high}", "mismatch"))
    return ZonePlan(
        merges=tuple(merges),
        cache=tuple(cache),
        tallies=(Tally(slug, comparisons, inconclusive),),
    )
