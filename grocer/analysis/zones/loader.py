"""Reading what each maintenance step needs: open periods, remembered comparisons, the days
stores were observed, and price snapshots one group (health check) or one company (merge) at a
time.  Reads only; :mod:`grocer.analysis.zones.applier` writes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Connection, Select, exists, func, select

from grocer.analysis.zones.settings import ZoneSettings
from grocer.analysis.zones.snapshots import (
    Snapshots,
    StoreDays,
    build_snapshots,
    fetch_packed,
    load_store_days,
    rows_covering_latest_day,
    rows_in_window,
)
from grocer.analysis.zones.state import (
    CACHE_KINDS,
    CacheEntry,
    Group,
    Period,
    moment,
)
from grocer.db.models import ComparisonCache, GroupMembership, Store
from grocer.db.store_rows import COMPANY_IDS, COMPANY_SLUGS


def stores_of(company_ids: Sequence[int]) -> Select[Any]:
    """The ids of the stores of ``company_ids``, as a sub-query."""
    return select(Store.id).where(Store.company_id.in_(company_ids))


class ZoneLoader:
    """Reads for a run as of ``as_of`` over ``companies`` (slugs); each method one step's
    input."""

    def __init__(
        self, as_of: date, companies: Sequence[str], settings: ZoneSettings, dialect: str
    ) -> None:
        self.as_of = as_of
        self.companies = list(companies)
        self.company_ids = [COMPANY_IDS[slug] for slug in companies]
        self.settings = settings
        self.dialect = dialect

    def store_days(self, connection: Connection) -> StoreDays:
        """The days the companies' stores were observed (window and history)."""
        return load_store_days(
            connection, stores_of(self.company_ids), self.as_of, self.settings.current_days
        )

    def groups(self, connection: Connection) -> dict[int, Group]:
        """The companies' groups, by id, with their open membership periods."""
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
        groups: dict[int, Group] = {}
        for row in rows:
            verified = row.verified_at
            if verified is not None and verified.tzinfo is None:
                verified = verified.replace(tzinfo=UTC)
            period = Period(
                row.id,
                row.store_id,
                row.group_id,
                row.anchor_store_id,
                row.valid_from,
                verified,
                COMPANY_SLUGS[row.company_id],
            )
            group = groups.setdefault(
                row.group_id, Group(row.group_id, row.anchor_store_id, period.company)
            )
            group.periods.append(period)
        return groups

    def lonely_stores(self, connection: Connection) -> list[tuple[int, str]]:
        """The stores (id, company slug) without an open membership period."""
        has_open = exists().where(
            GroupMembership.store_id == Store.id, GroupMembership.valid_to.is_(None)
        )
        rows = connection.execute(
            select(Store.id, Store.company_id).where(
                Store.company_id.in_(self.company_ids), ~has_open
            )
        )
        return [(store, COMPANY_SLUGS[company]) for store, company in rows]

    def last_ended(self, connection: Connection, store_ids: Sequence[int]) -> dict[int, date]:
        """Per store of ``store_ids`` with closed periods, the day the last of them ended."""
        if not store_ids:
            return {}
        rows = connection.execute(
            select(GroupMembership.store_id, func.max(GroupMembership.valid_to))
            .where(GroupMembership.store_id.in_(store_ids))
            .group_by(GroupMembership.store_id)
        )
        return {store: ended for store, ended in rows if ended is not None}

    def cache_entries(self, connection: Connection) -> list[CacheEntry]:
        """The zone comparisons remembered after the expiry day and by ``as_of``."""
        newest = moment(self.as_of + timedelta(days=1))
        oldest = moment(self.settings.cache_expiry(self.as_of))
        rows = connection.execute(
            select(ComparisonCache.kind, ComparisonCache.key, ComparisonCache.checked_at).where(
                ComparisonCache.kind.in_(CACHE_KINDS),
                ComparisonCache.checked_at > oldest,
                ComparisonCache.checked_at < newest,
            )
        )
        return [CacheEntry(kind, key, checked.date()) for kind, key, checked in rows]

    def window_snapshots(
        self, connection: Connection, entries: Sequence[tuple[int, date]]
    ) -> Snapshots:
        """Snapshots of ``entries`` (store, day in the current window), one query: a health
        check's group, its anchor on several days and its due members."""
        store, (listing, first, last), code = fetch_packed(
            connection,
            rows_in_window(
                [s for s, _ in entries], self.as_of, self.settings.current_days, self.dialect
            ),
            3,
        )
        return build_snapshots(entries, store, listing, code, first, last)

    def latest_snapshots(
        self, connection: Connection, company: str, entries: Sequence[tuple[int, date]]
    ) -> Snapshots:
        """Snapshots of one company's current anchors, each on its latest observation day
        (``entries``), one query."""
        anchors = select(GroupMembership.anchor_store_id).where(
            GroupMembership.valid_to.is_(None),
            GroupMembership.store_id.in_(stores_of([COMPANY_IDS[company]])),
        )
        store, (listing,), code = fetch_packed(
            connection,
            rows_covering_latest_day(anchors, self.as_of, self.settings.current_days, self.dialect),
            1,
        )
        keep = np.isin(store, [s for s, _ in entries])
        return build_snapshots(entries, store[keep], listing[keep], code[keep])
