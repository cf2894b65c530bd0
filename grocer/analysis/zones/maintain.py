"""Group maintenance: initialise, health check (phase 1), merge (phase 2), retention.

Every store is in exactly one group of its own company, recorded as append-only membership
periods.  A run, as of a date:

0. gives every store without an open membership a group of one (``reset`` first closes every
   open period, so all stores start alone again);
1. health check: in each group whose anchor is current, each current member not found healthy
   in the last 7 days is compared with the anchor; a match is cached and the member's rows the
   anchor already holds are deleted, a mismatch ejects it into a group of its own.  A group
   whose anchor is stale is skipped and its anchor flagged for re-crawl, once;
2. merge: the current anchors of a company are compared (vectorised) and the larger group
   absorbs each matching smaller one; the absorbed stores' redundant rows are deleted.  Pairs
   found not to match are skipped for 7 days.

Periods close on a day that keeps every deleted row resolvable: never before the day after the
period was last verified (rows up to it may have been deleted), and never before it began.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    delete,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from grocer.analysis.runs import open_run
from grocer.analysis.zones.compare import (
    INCONCLUSIVE,
    MATCH,
    MISMATCH,
    MatchRules,
    compare_one_to_many,
)
from grocer.analysis.zones.periods import PriceWeeks
from grocer.analysis.zones.retention import DEFAULT_CHUNK, anchored_periods, delete_redundant_rows
from grocer.analysis.zones.snapshots import (
    StoreDays,
    build_snapshots,
    fetch_packed,
    load_store_days,
    rows_covering_latest_day,
    rows_in_window,
)
from grocer.db.bulk import insert_returning_ids
from grocer.db.models import AnalysisRun, ComparisonCache, GroupMembership, Store, StoreGroup
from grocer.db.store_rows import COMPANY_IDS, COMPANY_SLUGS
from grocer.progress import progress

logger = logging.getLogger(__name__)

KIND = "zones"  # analysis_runs.kind
CACHE_MEMBER = "zone_member"  # key "member>anchor": found healthy
CACHE_PAIR = "zone_pair"  # key "low:high" store ids: anchors found not to match


@dataclass(frozen=True)
class ZoneSettings:
    """Thresholds and periods of zone maintenance (DESIGN §6 defaults).

    Args:
        rules: when two price maps match.
        weeks: each company's price week.
        current_days: how old an observation may be and still be current.
        healthy_ttl_days: members found healthy this recently are not checked again.
        mismatch_ttl_days: anchor pairs found not to match this recently are not compared.
        delete_chunk: rows per retention statement on SQLite.
        sample_size: listings compared first to rule pairs out cheaply (exact pruning).
    """

    rules: MatchRules = field(default_factory=MatchRules)
    weeks: PriceWeeks = field(default_factory=PriceWeeks)
    current_days: int = 3
    healthy_ttl_days: int = 7
    mismatch_ttl_days: int = 7
    delete_chunk: int = DEFAULT_CHUNK
    sample_size: int = 256


@dataclass
class CompanySummary:
    """What a run did for one company."""

    stores: int = 0
    groups: int = 0
    comparisons: int = 0
    inconclusive: int = 0
    merges: int = 0
    ejections: int = 0
    verified: int = 0
    flagged: int = 0
    rows_deleted: int = 0


@dataclass
class ZoneRunSummary:
    """What a maintenance run did, per company (slug), and its ``analysis_runs`` id."""

    as_of: date
    reset: bool
    run_id: int | None = None
    seconds: float = 0.0
    retention_seconds: float = 0.0  # of ``seconds``, spent deleting redundant rows
    companies: dict[str, CompanySummary] = field(default_factory=dict)

    def total(self, name: str) -> int:
        return sum(int(getattr(c, name)) for c in self.companies.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "reset": self.reset,
            "seconds": round(self.seconds, 3),
            "retention_seconds": round(self.retention_seconds, 3),
            "companies": {slug: asdict(c) for slug, c in self.companies.items()},
        }


@dataclass
class _Period:
    """An open membership period."""

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
class _Group:
    id: int
    anchor: int
    company: str
    periods: list[_Period] = field(default_factory=list)

    @property
    def members(self) -> list[_Period]:
        return [p for p in self.periods if not p.is_self]


@dataclass
class _Move:
    """A store moving into a group from ``day``; ``verified`` when compared with its anchor."""

    period: _Period
    group_id: int
    anchor: int
    day: date
    verified: bool


@dataclass
class _Cache:
    healthy: dict[tuple[int, int], date] = field(default_factory=dict)  # -> day checked
    mismatched: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))


def _moment(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


def _stores_of(company_ids: Sequence[int]) -> Any:
    return select(Store.id).where(Store.company_id.in_(company_ids))


class _Maintainer:
    def __init__(
        self, engine: Engine, as_of: date, company_ids: Sequence[int], settings: ZoneSettings
    ) -> None:
        self.engine = engine
        self.as_of = as_of
        self.company_ids = list(company_ids)
        self.settings = settings
        self.summary = ZoneRunSummary(as_of=as_of, reset=False)
        for company_id in self.company_ids:
            self.summary.companies[COMPANY_SLUGS[company_id]] = CompanySummary()
        self._upsert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert

    # ------------------------------------------------------------ state

    def load_groups(self, connection: Connection) -> dict[int, _Group]:
        rows = connection.execute(
            select(
                GroupMembership.id,
                GroupMembership.store_id,
                GroupMembership.group_id,
                GroupMembership.anchor_store_id,
                GroupMembership.valid_from,
                GroupMembership.verified_at,
                Store.company_id,
            )
            .join(Store, Store.id == GroupMembership.store_id)
            .where(GroupMembership.valid_to.is_(None), Store.company_id.in_(self.company_ids))
        )
        groups: dict[int, _Group] = {}
        for row in rows:
            verified = row.verified_at
            if verified is not None and verified.tzinfo is None:
                verified = verified.replace(tzinfo=UTC)
            period = _Period(
                row.id,
                row.store_id,
                row.group_id,
                row.anchor_store_id,
                row.valid_from,
                verified,
                COMPANY_SLUGS[row.company_id],
            )
            group = groups.setdefault(
                row.group_id, _Group(row.group_id, row.anchor_store_id, period.company)
            )
            group.periods.append(period)
        return groups

    def load_cache(self, connection: Connection) -> _Cache:
        settings = self.settings
        newest = _moment(self.as_of + timedelta(days=1))
        oldest = _moment(
            self.as_of - timedelta(days=max(settings.healthy_ttl_days, settings.mismatch_ttl_days))
        )
        connection.execute(
            delete(ComparisonCache).where(
                ComparisonCache.kind.in_([CACHE_MEMBER, CACHE_PAIR]),
                ComparisonCache.checked_at <= oldest,
            )
        )
        cache = _Cache()
        rows = connection.execute(
            select(ComparisonCache.kind, ComparisonCache.key, ComparisonCache.checked_at).where(
                ComparisonCache.kind.in_([CACHE_MEMBER, CACHE_PAIR]),
                ComparisonCache.checked_at > oldest,
                ComparisonCache.checked_at < newest,
            )
        )
        for kind, key, checked in rows:
            age = self.as_of - checked.date()
            if kind == CACHE_MEMBER and age < timedelta(days=settings.healthy_ttl_days):
                member, anchor = key.split(">")
                cache.healthy[(int(member), int(anchor))] = checked.date()
            elif kind == CACHE_PAIR and age < timedelta(days=settings.mismatch_ttl_days):
                low, high = (int(x) for x in key.split(":"))
                cache.mismatched[low].add(high)
                cache.mismatched[high].add(low)
        return cache

    def write_cache(self, connection: Connection, entries: Iterable[tuple[str, str, str]]) -> None:
        rows = [
            {"kind": kind, "key": key, "outcome": outcome, "checked_at": _moment(self.as_of)}
            for kind, key, outcome in dict.fromkeys(entries)
        ]
        if not rows:
            return
        stmt = self._upsert(ComparisonCache)
        stmt = stmt.on_conflict_do_update(
            index_elements=["kind", "key"],
            set_={"checked_at": stmt.excluded.checked_at, "outcome": stmt.excluded.outcome},
        )
        connection.execute(stmt, rows)

    # ------------------------------------------------------------ group writes

    def new_singletons(
        self, connection: Connection, stores: Sequence[tuple[int, int, date]]
    ) -> dict[int, int]:
        """Groups of one for (store, company id, valid_from); returns store -> group id."""
        if not stores:
            return {}
        created = insert_returning_ids(
            connection,
            StoreGroup.__table__,
            [
                {"company_id": c, "anchor_store_id": s, "created_at": _moment(self.as_of)}
                for s, c, _ in stores
            ],
        )
        groups = {s: group for (s, _, _), group in zip(stores, created, strict=True)}
        connection.execute(
            insert(GroupMembership),
            [
                {
                    "store_id": s,
                    "group_id": groups[s],
                    "anchor_store_id": s,
                    "valid_from": since,
                    "valid_to": None,
                    "verified_at": None,
                }
                for s, _, since in stores
            ],
        )
        return groups

    def close_periods(self, connection: Connection, closing: Sequence[tuple[int, date]]) -> None:
        if closing:
            connection.execute(
                update(GroupMembership)
                .where(GroupMembership.id == bindparam("pid"))
                .values(valid_to=bindparam("day")),
                [{"pid": pid, "day": day} for pid, day in closing],
            )

    def initialise(self, connection: Connection, reset: bool, days: StoreDays) -> None:
        """Close every open period (``reset``), then give stores without one a group of one.

        A store's first group of one starts at its first observation (or ``as_of``); after
        earlier periods, where the last of them ended.
        """
        if reset:
            groups = self.load_groups(connection)
            self.close_periods(
                connection,
                [(p.id, p.close_day(self.as_of)) for g in groups.values() for p in g.periods],
            )
            connection.execute(
                delete(ComparisonCache).where(ComparisonCache.kind.in_([CACHE_MEMBER, CACHE_PAIR]))
            )
        has_open = exists().where(
            GroupMembership.store_id == Store.id, GroupMembership.valid_to.is_(None)
        )
        lonely = connection.execute(
            select(Store.id, Store.company_id).where(
                Store.company_id.in_(self.company_ids), ~has_open
            )
        ).all()
        if not lonely:
            return
        ended = dict(
            connection.execute(
                select(GroupMembership.store_id, func.max(GroupMembership.valid_to))
                .where(GroupMembership.store_id.in_([s for s, _ in lonely]))
                .group_by(GroupMembership.store_id)
            ).all()
        )
        stores = []
        for store, company in lonely:
            since = ended.get(store) or min(days.first_day.get(store, self.as_of), self.as_of)
            stores.append((store, company, since))
        self.new_singletons(connection, stores)

    # ------------------------------------------------------------ phase 1

    def health_check(self, days: StoreDays, cache: _Cache) -> None:
        settings = self.settings
        with self.engine.connect() as connection:
            groups = self.load_groups(connection)
            checked = [g for g in groups.values() if g.members]
            verified: dict[int, list[_Period]] = defaultdict(list)
            ejected: list[_Period] = []
            stale: list[int] = []
            with progress(len(checked), "zones: health check", unit="group") as bar:
                for group in checked:
                    bar.update(1)
                    if days.latest(group.anchor) is None:
                        stale.append(group.anchor)
                        continue
                    due = [p for p in group.members if self._due(p, group, days, cache)]
                    if not due:
                        continue
                    good, bad = self._check_group(connection, group, due, days)
                    verified[group.id] += good
                    ejected += bad
        with self.engine.begin() as connection:
            moves = [
                _Move(p, -1, p.store_id, p.close_day(self._week_start(p)), False) for p in ejected
            ]
            self._apply_moves(connection, moves, new_groups=True)
            protected = anchored_periods(connection)
            good_periods = [p for periods in verified.values() for p in periods]
            if good_periods:
                connection.execute(
                    update(GroupMembership)
                    .where(GroupMembership.id == bindparam("pid"))
                    .values(verified_at=bindparam("at")),
                    [{"pid": p.id, "at": _moment(self.as_of)} for p in good_periods],
                )
            self.write_cache(
                connection,
                [
                    (CACHE_MEMBER, f"{p.store_id}>{p.anchor_store_id}", "match")
                    for p in good_periods
                ],
            )
            if stale:
                flagged = (
                    connection.execute(
                        update(Store)
                        .where(Store.id.in_(stale), Store.needs_rescrape.is_(False))
                        .values(needs_rescrape=True)
                        .returning(Store.company_id)
                    )
                    .scalars()
                    .all()
                )
                for company_id in flagged:
                    self.summary.companies[COMPANY_SLUGS[company_id]].flagged += 1
        for p in ejected:
            self.summary.companies[p.company].ejections += 1
        for group_id, periods in verified.items():
            group = groups[group_id]
            self.summary.companies[group.company].verified += len(periods)
            self.summary.companies[group.company].rows_deleted += self._retain(
                group_id,
                group.anchor,
                [p.store_id for p in periods],
                self.as_of,
                protected=protected,
                chunk=settings.delete_chunk,
            )

    def _retain(
        self, group_id: int, anchor: int, stores: list[int], as_of: date, **kwargs: Any
    ) -> int:
        started = time.perf_counter()
        try:
            return delete_redundant_rows(self.engine, group_id, anchor, stores, as_of, **kwargs)
        finally:
            self.summary.retention_seconds += time.perf_counter() - started

    @staticmethod
    def _due(period: _Period, group: _Group, days: StoreDays, cache: _Cache) -> bool:
        """A member is checked when current, unless found healthy in the last 7 days and
        not observed since (a new observation is new evidence)."""
        latest = days.latest(period.store_id)
        if latest is None:
            return False
        checked = cache.healthy.get((period.store_id, group.anchor))
        return checked is None or latest > checked

    def _week_start(self, period: _Period) -> date:
        return self.settings.weeks.start(period.company, self.as_of)

    def _check_group(
        self, connection: Connection, group: _Group, due: list[_Period], days: StoreDays
    ) -> tuple[list[_Period], list[_Period]]:
        """Compare ``due`` members with the anchor, on the anchor's observation in each
        member's price period; returns (healthy, ejected)."""
        settings = self.settings
        weeks = settings.weeks
        store, (listing, first, last), code = fetch_packed(
            connection,
            rows_in_window(
                [group.anchor] + [p.store_id for p in due],
                self.as_of,
                settings.current_days,
                self.engine.dialect.name,
            ),
            3,
        )
        anchor_days: dict[date, date] = {}  # period start -> anchor's latest day in it
        for day in days.window.get(group.anchor, []):
            anchor_days[weeks.start(group.company, day)] = day
        entries = [(group.anchor, d) for d in anchor_days.values()]
        anchor_row = {weeks.start(group.company, d): i for i, (_, d) in enumerate(entries)}
        # every due member is current, so it has a latest day
        member_day = {p.store_id: days.window[p.store_id][-1] for p in due}
        entries += [(p.store_id, member_day[p.store_id]) for p in due]
        snaps = build_snapshots(entries, store, listing, code, first, last)
        by_row: dict[int, list[int]] = defaultdict(list)
        offset = len(anchor_days)
        for i, p in enumerate(due):
            start = weeks.start(group.company, member_day[p.store_id])
            if start in anchor_row:
                by_row[anchor_row[start]].append(offset + i)
        good: list[_Period] = []
        bad: list[_Period] = []
        summary = self.summary.companies[group.company]
        summary.inconclusive += len(due) - sum(len(v) for v in by_row.values())
        for row, members in by_row.items():
            result = compare_one_to_many(
                snaps.codes, snaps.sizes, row, np.array(members), settings.rules
            )
            summary.comparisons += len(members)
            for member_row, outcome in zip(members, result.outcomes, strict=True):
                period = due[member_row - offset]
                if outcome == MATCH:
                    good.append(period)
                elif outcome == MISMATCH:
                    bad.append(period)
                else:
                    summary.inconclusive += 1
        return good, bad

    def _apply_moves(
        self, connection: Connection, moves: Sequence[_Move], *, new_groups: bool
    ) -> None:
        """Close the moving stores' periods and open their new ones (new groups of one when
        ``new_groups``)."""
        if not moves:
            return
        self.close_periods(connection, [(m.period.id, m.day) for m in moves])
        if new_groups:
            self.new_singletons(
                connection,
                [(m.period.store_id, COMPANY_IDS[m.period.company], m.day) for m in moves],
            )
            return
        connection.execute(
            insert(GroupMembership),
            [
                {
                    "store_id": m.period.store_id,
                    "group_id": m.group_id,
                    "anchor_store_id": m.anchor,
                    "valid_from": m.day,
                    "valid_to": None,
                    "verified_at": _moment(self.as_of),
                }
                for m in moves
            ],
        )

    # ------------------------------------------------------------ phase 2

    def merge(self, cache: _Cache, days: StoreDays) -> None:
        settings = self.settings
        with self.engine.connect() as connection:
            groups = self.load_groups(connection)
            anchors = select(GroupMembership.anchor_store_id).where(
                GroupMembership.valid_to.is_(None),
                GroupMembership.store_id.in_(_stores_of(self.company_ids)),
            )
            store, (listing,), code = fetch_packed(
                connection,
                rows_covering_latest_day(
                    anchors, self.as_of, settings.current_days, self.engine.dialect.name
                ),
                1,
            )
        by_anchor = {g.anchor: g for g in groups.values()}
        moves: list[_Move] = []
        cache_rows: list[tuple[str, str, str]] = []
        for company_id in self.company_ids:
            slug = COMPANY_SLUGS[company_id]
            current = sorted(
                g.anchor
                for g in groups.values()
                if g.company == slug and days.latest(g.anchor) is not None
            )
            if len(current) < 2:
                continue
            keep = np.isin(store, current)
            entries = [(a, days.window[a][-1]) for a in current]
            snaps = build_snapshots(entries, store[keep], listing[keep], code[keep])
            company_moves, company_cache = self._merge_company(slug, snaps, by_anchor, cache, days)
            moves += company_moves
            cache_rows += company_cache
        with self.engine.begin() as connection:
            self._apply_moves(connection, moves, new_groups=False)
            self.write_cache(connection, cache_rows)
            protected = anchored_periods(connection)
        joined: dict[int, list[int]] = defaultdict(list)
        for m in moves:
            joined[m.group_id].append(m.period.store_id)
        for group_id, stores in joined.items():
            anchor = next(m.anchor for m in moves if m.group_id == group_id)
            self.summary.companies[by_anchor[anchor].company].rows_deleted += self._retain(
                group_id,
                anchor,
                stores,
                self.as_of,
                protected=protected,
                chunk=settings.delete_chunk,
            )

    def _merge_company(
        self,
        slug: str,
        snaps: Any,
        by_anchor: dict[int, _Group],
        cache: _Cache,
        days: StoreDays,
    ) -> tuple[list[_Move], list[tuple[str, str, str]]]:
        """Greedy merging, largest group first: each anchor is compared with every anchor
        ranked after it in one vectorised step; one pass compares every surviving pair."""
        settings = self.settings
        summary = self.summary.companies[slug]
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
        moves: list[_Move] = []
        cache_rows: list[tuple[str, str, str]] = []
        with progress(n, f"zones: merge {slug}", unit="anchor") as bar:
            for i in rank:
                bar.update(1)
                if absorbed[i]:
                    continue
                me = int(stores[i])
                later = (position > position[i]) & ~absorbed & (periods == periods[i])
                skip = cache.mismatched.get(me)
                if skip:
                    later &= ~np.isin(stores, list(skip))
                candidates = np.flatnonzero(later)
                if not len(candidates):
                    continue
                result = compare_one_to_many(
                    snaps.codes, snaps.sizes, i, candidates, settings.rules, sample=sample
                )
                exact = ~result.pruned
                summary.comparisons += int(exact.sum())
                summary.inconclusive += int((result.outcomes == INCONCLUSIVE).sum())
                evidence = settings.weeks.start(slug, snaps.days[i])
                target = by_anchor[me]
                for j in candidates[result.outcomes == MATCH]:
                    absorbed[j] = True
                    other = by_anchor[int(stores[j])]
                    summary.merges += 1
                    cache_rows.append((CACHE_MEMBER, f"{other.anchor}>{me}", "match"))
                    for period in other.periods:
                        moves.append(_Move(period, target.id, me, period.close_day(evidence), True))
                for j in candidates[(result.outcomes == MISMATCH) & exact]:
                    low, high = sorted((me, int(stores[j])))
                    cache_rows.append((CACHE_PAIR, f"{low}:{high}", "mismatch"))
        return moves, cache_rows

    # ------------------------------------------------------------ totals

    def count_groups(self) -> None:
        with self.engine.connect() as connection:
            groups = self.load_groups(connection)
        for group in groups.values():
            summary = self.summary.companies[group.company]
            summary.groups += 1
            summary.stores += len(group.periods)


def maintain_zones(
    engine: Engine,
    *,
    as_of: date | None = None,
    companies: Sequence[str] | None = None,
    reset: bool = False,
    settings: ZoneSettings | None = None,
) -> ZoneRunSummary:
    """Run price-zone maintenance: initialise, health check, merge, retention.

    Recorded as an ``analysis_runs`` row of kind ``zones`` with the summary.  Runs whether or
    not anything was crawled; ``as_of`` lets it run over historical data.

    Args:
        engine: the database (schema upgraded).
        as_of: the run's date (default today); observations after it are ignored.
        companies: company slugs to maintain (default all).
        reset: first put every store back into a group of its own.
        settings: thresholds and periods (DESIGN §6 defaults).

    Returns:
        Per company: stores, groups, comparisons, merges, ejections, flags, rows deleted.

    Examples:
        >>> summary = maintain_zones(engine, as_of=date(2025, 9, 19))  # doctest: +SKIP
        >>> summary.companies["aldi"].groups  # doctest: +SKIP
        4
    """
    started = time.perf_counter()
    as_of = as_of or date.today()
    settings = settings or ZoneSettings()
    slugs = list(companies) if companies else list(COMPANY_IDS)
    unknown = [s for s in slugs if s not in COMPANY_IDS]
    if unknown:
        raise ValueError(f"unknown companies: {', '.join(unknown)}")
    company_ids = [COMPANY_IDS[s] for s in slugs]
    worker = _Maintainer(engine, as_of, company_ids, settings)
    worker.summary.reset = reset
    run_id = open_run(engine, KIND, as_of=as_of)
    worker.summary.run_id = run_id
    status = "failed"
    try:
        with engine.begin() as connection:
            days = load_store_days(
                connection, _stores_of(company_ids), as_of, settings.current_days
            )
            worker.initialise(connection, reset, days)
            cache = worker.load_cache(connection)
        worker.health_check(days, cache)
        worker.merge(cache, days)
        worker.count_groups()
        status = "finished"
    finally:
        worker.summary.seconds = time.perf_counter() - started
        with engine.begin() as connection:
            connection.execute(
                update(AnalysisRun)
                .where(AnalysisRun.id == run_id)
                .values(
                    finished_at=datetime.now(UTC),
                    status=status,
                    summary=worker.summary.as_dict(),
                )
            )
    logger.info("zones as of %s: %s", as_of, worker.summary.as_dict())
    return worker.summary
