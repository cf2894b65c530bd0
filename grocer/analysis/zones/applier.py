"""Writing a plan: membership periods closed and opened, groups created, ``verified_at``,
comparison-cache rows, re-crawl flags, then retention (its own transactions, after the
memberships it relies on are committed)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection, Engine, bindparam, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from grocer.analysis.zones.plan import (
    CacheRow,
    Closing,
    NewGroup,
    Retention,
    StartPlan,
    ZonePlan,
)
from grocer.analysis.zones.retention import Spans, anchored_periods, delete_redundant_rows
from grocer.analysis.zones.settings import ZoneSettings
from grocer.analysis.zones.state import CACHE_KINDS, CACHE_RETAIN, moment
from grocer.db.bulk import insert_returning_ids
from grocer.db.models import ComparisonCache, GroupMembership, Store, StoreGroup
from grocer.db.store_rows import COMPANY_IDS, COMPANY_SLUGS


@dataclass
class Applied:
    """What writing a plan did beyond the plan itself: anchors newly flagged and price rows
    deleted, per company, and the seconds spent deleting."""

    flagged: Counter[str] = field(default_factory=Counter)
    rows_deleted: Counter[str] = field(default_factory=Counter)
    retention_seconds: float = 0.0


class ZoneApplier:
    """Writes plans for a run as of ``as_of`` (timestamps are its midnight UTC)."""

    def __init__(self, engine: Engine, as_of: date, settings: ZoneSettings) -> None:
        self.engine = engine
        self.as_of = as_of
        self.settings = settings
        self._upsert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert

    # ------------------------------------------------------------ the start of a run

    def start(self, connection: Connection, plan: StartPlan) -> None:
        """Close the periods of a reset, forget its comparisons, create the groups of one."""
        self._close(connection, plan.closings)
        if plan.forget_comparisons:
            connection.execute(delete(ComparisonCache).where(ComparisonCache.kind.in_(CACHE_KINDS)))
        self._new_groups(connection, plan.groups)

    def expire_comparisons(self, connection: Connection) -> None:
        """Delete the remembered comparisons too old for any lifetime."""
        connection.execute(
            delete(ComparisonCache).where(
                ComparisonCache.kind.in_(CACHE_KINDS),
                ComparisonCache.checked_at <= moment(self.settings.cache_expiry(self.as_of)),
            )
        )

    # ------------------------------------------------------------ a step's plan

    def apply(self, plan: ZonePlan) -> Applied:
        """Write ``plan`` in one transaction, then delete the redundant rows it lists."""
        applied = Applied()
        with self.engine.begin() as connection:
            self._close(connection, [Closing(e.period_id, e.day) for e in plan.ejections])
            self._new_groups(
                connection, [NewGroup(e.store_id, e.company, e.day) for e in plan.ejections]
            )
            self._join(connection, plan)
            if plan.verified:
                connection.execute(
                    update(GroupMembership)
                    .where(GroupMembership.id == bindparam("pid"))
                    .values(verified_at=bindparam("at")),
                    [{"pid": v.period_id, "at": moment(self.as_of)} for v in plan.verified],
                )
            self._write_cache(connection, plan.cache)
            if plan.flagged:
                flagged = connection.execute(
                    update(Store)
                    .where(Store.id.in_(plan.flagged), Store.needs_rescrape.is_(False))
                    .values(needs_rescrape=True)
                    .returning(Store.company_id)
                ).scalars()
                applied.flagged.update(COMPANY_SLUGS[c] for c in flagged)
            protected = anchored_periods(connection) if plan.retention else {}
        self._retain(plan.retention, protected, applied)
        return applied

    def _retain(self, work: Sequence[Retention], protected: Spans, applied: Applied) -> None:
        """Delete the redundant rows of each group's members; members whose store was busy
        are remembered for a later run (:meth:`retain_later`)."""
        waiting: list[CacheRow] = []
        for group in work:
            started = time.perf_counter()
            done = delete_redundant_rows(
                self.engine, group.group_id, group.anchor, list(group.stores), self.as_of,
                protected=protected, chunk=self.settings.delete_chunk,
            )  # fmt: skip
            applied.rows_deleted[group.company] += done.deleted
            applied.retention_seconds += time.perf_counter() - started
            waiting += [
                CacheRow(CACHE_RETAIN, f"{group.group_id}:{group.anchor}:{member}", "busy")
                for member in done.busy
            ]
        if waiting:
            with self.engine.begin() as connection:
                self._write_cache(connection, waiting)

    def retain_later(self) -> Applied:
        """Retention left for later by earlier runs: members still in the same group under the
        same anchor get their redundant rows deleted now (or wait again)."""
        with self.engine.begin() as connection:
            keys = (
                connection.execute(
                    delete(ComparisonCache)
                    .where(ComparisonCache.kind == CACHE_RETAIN)
                    .returning(ComparisonCache.key)
                )
                .scalars()
                .all()
            )
            wanted = [tuple(int(x) for x in key.split(":")) for key in keys]
            still = connection.execute(
                select(
                    GroupMembership.group_id, GroupMembership.anchor_store_id,
                    GroupMembership.store_id, Store.company_id,
                )
                .join(Store, Store.id == GroupMembership.store_id)
                .where(
                    GroupMembership.valid_to.is_(None),
                    GroupMembership.store_id.in_([member for _, _, member in wanted]),
                )
            ).all() if wanted else []  # fmt: skip
            protected = anchored_periods(connection) if still else {}
        by_group: dict[tuple[int, int, int], list[int]] = {}
        for group, anchor, member, company in still:
            if (group, anchor, member) in wanted:
                by_group.setdefault((group, anchor, company), []).append(member)
        work = [
            Retention(COMPANY_SLUGS[company], group, anchor, tuple(members))
            for (group, anchor, company), members in by_group.items()
        ]
        applied = Applied()
        self._retain(work, protected, applied)
        return applied

    # ------------------------------------------------------------ membership writes

    def _close(self, connection: Connection, closings: Sequence[Closing]) -> None:
        if closings:
            connection.execute(
                update(GroupMembership)
                .where(GroupMembership.id == bindparam("pid"))
                .values(valid_to=bindparam("day")),
                [{"pid": c.period_id, "day": c.day} for c in closings],
            )

    def _new_groups(self, connection: Connection, groups: Sequence[NewGroup]) -> None:
        """Groups of one, each store its own anchor from its ``since`` day."""
        if not groups:
            return
        created = insert_returning_ids(
            connection,
            StoreGroup.__table__,
            [
                {
                    "company_id": COMPANY_IDS[g.company],
                    "anchor_store_id": g.store_id,
                    "created_at": moment(self.as_of),
                }
                for g in groups
            ],
        )
        self._open(
            connection,
            [
                (g.store_id, group_id, g.store_id, g.since)
                for g, group_id in zip(groups, created, strict=True)
            ],
            verified=False,
        )

    def _join(self, connection: Connection, plan: ZonePlan) -> None:
        """The stores of absorbed groups leave them and join the absorbing groups."""
        moves = [(merge, move) for merge in plan.merges for move in merge.moves]
        if not moves:
            return
        self._close(connection, [Closing(move.period_id, move.day) for _, move in moves])
        self._open(
            connection,
            [(move.store_id, merge.group_id, merge.anchor, move.day) for merge, move in moves],
            verified=True,
        )

    def _open(
        self,
        connection: Connection,
        periods: Sequence[tuple[int, int, int, date]],
        *,
        verified: bool,
    ) -> None:
        """Open periods (store, group, anchor, valid_from); ``verified`` as of the run."""
        connection.execute(
            insert(GroupMembership),
            [
                {
                    "store_id": store,
                    "group_id": group,
                    "anchor_store_id": anchor,
                    "valid_from": since,
                    "valid_to": None,
                    "verified_at": moment(self.as_of) if verified else None,
                }
                for store, group, anchor, since in periods
            ],
        )

    def _write_cache(self, connection: Connection, rows: Sequence[CacheRow]) -> None:
        """Upsert comparison-cache rows (each key once) as checked on the run's day."""
        values = [
            {"kind": r.kind, "key": r.key, "outcome": r.outcome, "checked_at": moment(self.as_of)}
            for r in dict.fromkeys(rows)
        ]
        if not values:
            return
        stmt = self._upsert(ComparisonCache)
        stmt = stmt.on_conflict_do_update(
            index_elements=["kind", "key"],
            set_={"checked_at": stmt.excluded.checked_at, "outcome": stmt.excluded.outcome},
        )
        connection.execute(stmt, values)
