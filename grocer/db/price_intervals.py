"""Price intervals of a store written in bulk: each observation extends, splits or opens one.

:mod:`grocer.db.intervals` decides (pure); this module reads the listings' stored intervals
at a store in one query per chunk, places the batch's observations and writes the difference
as one statement per kind of change.  A store's observation days (from its runs) decide
whether an unseen day breaks an interval, so they are kept per store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from grocer.db.bulk import insert_rows
from grocer.db.intervals import Span, SpanChanges, diff, place
from grocer.db.models import CrawlRun, Price
from grocer.db.reference_rows import chunks
from grocer.normalize.price_state import stored_state
from grocer.normalize.product import Observation

_SPANS = select(
    Price.id, Price.listing_id, Price.first_seen, Price.last_seen, Price.price_hash
).where(
    Price.store_id == bindparam("store_id"),
    Price.listing_id.in_(bindparam("listing_ids", expanding=True)),
)


@dataclass
class IntervalCounts:
    """What interval writes did."""

    prices_inserted: int = 0
    prices_extended: int = 0
    prices_rewritten: int = 0
    prices_deleted: int = 0


class IntervalWriter:
    """Places observations into the stored intervals of their (store, listing)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget what is known of stores (after a rolled-back transaction)."""
        self.store_days: dict[int, list[date]] = {}
        self.store_has_prices: dict[int, bool] = {}

    def forget(self, store_pk: int) -> None:
        """Forget what is known of one store (other writers may have written it since)."""
        self.store_days.pop(store_pk, None)
        self.store_has_prices.pop(store_pk, None)

    def days_of(self, connection: Connection, store_pk: int) -> list[date]:
        """The sorted days the store was observed on (by its runs, and by this writer)."""
        days = self.store_days.get(store_pk)
        if days is None:
            rows = connection.execute(
                select(CrawlRun.observed_on)
                .where(CrawlRun.store_id == store_pk, CrawlRun.observed_on.is_not(None))
                .distinct()
            )
            days = sorted(row[0] for row in rows)
            self.store_days[store_pk] = days
        return days

    def add_day(self, connection: Connection, store_pk: int, day: date | None) -> None:
        """Count ``day`` as a day the store was observed."""
        days = self.days_of(connection, store_pk)
        if day is not None and day not in days:
            days.append(day)
            days.sort()

    def write(
        self,
        connection: Connection,
        store_pk: int,
        items: list[tuple[Observation, int]],
        new_listings: set[int],
        counts: IntervalCounts,
    ) -> None:
        """Extend, split or open the intervals of ``items`` (observation, listing id) at one
        store; listings created in this transaction have no intervals to look up."""
        for obs, _ in items:
            self.add_day(connection, store_pk, obs.observed_on)
        days = self.days_of(connection, store_pk)
        listing_ids = sorted({lid for _, lid in items})
        stored = self._load(
            connection, store_pk, [lid for lid in listing_ids if lid not in new_listings]
        )
        current: dict[int, list[Span]] = {lid: list(stored.get(lid, ())) for lid in listing_ids}
        for obs, listing_id in items:
            current[listing_id] = place(
                current[listing_id], obs.observed_on, obs.price_hash, stored_state(obs), days
            )
        inserts: list[dict[str, Any]] = []
        moves: list[dict[str, Any]] = []
        rewrites: list[dict[str, Any]] = []
        deletes: list[int] = []
        for listing_id, spans in current.items():
            old = stored.get(listing_id)
            changes = diff(old, spans) if old else SpanChanges(spans, [], [], [])
            deletes += changes.deletes
            for span in changes.inserts:
                row = dict(span.state)
                row.update(
                    store_id=store_pk,
                    listing_id=listing_id,
                    first_seen=span.first,
                    last_seen=span.last,
                )
                inserts.append(row)
            for span in changes.moves:
                moves.append({"b_id": span.id, "b_first": span.first, "b_last": span.last})
            for span in changes.rewrites:
                rewrites.append(
                    {"b_id": span.id, "b_first": span.first, "b_last": span.last, **span.state}
                )
        self._apply(connection, inserts, moves, rewrites, deletes)
        if inserts:
            self.store_has_prices[store_pk] = True
        counts.prices_inserted += len(inserts)
        counts.prices_extended += len(moves)
        counts.prices_rewritten += len(rewrites)
        counts.prices_deleted += len(deletes)

    def _load(
        self, connection: Connection, store_pk: int, listing_ids: Sequence[int]
    ) -> dict[int, list[Span]]:
        spans: dict[int, list[Span]] = defaultdict(list)
        has_prices = self.store_has_prices.get(store_pk)
        if has_prices is None:
            has_prices = (
                connection.execute(
                    select(func.count()).select_from(
                        select(Price.id).where(Price.store_id == store_pk).limit(1).subquery()
                    )
                ).scalar_one()
                > 0
            )
            self.store_has_prices[store_pk] = has_prices
        if not has_prices or not listing_ids:
            return spans
        for chunk in chunks(list(listing_ids)):
            rows = connection.execute(_SPANS, {"store_id": store_pk, "listing_ids": list(chunk)})
            for price_id, listing_id, first, last, price_hash in rows:
                spans[listing_id].append(Span(price_id, first, last, price_hash))
        return spans

    @staticmethod
    def _apply(
        connection: Connection,
        inserts: list[dict[str, Any]],
        moves: list[dict[str, Any]],
        rewrites: list[dict[str, Any]],
        deletes: list[int],
    ) -> None:
        table = Price.__table__
        for chunk in chunks(deletes):
            connection.execute(table.delete().where(table.c.id.in_(chunk)))
        if moves:
            connection.execute(
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values(first_seen=bindparam("b_first"), last_seen=bindparam("b_last")),
                moves,
            )
        if rewrites:
            state_columns = {c: bindparam(c) for c in rewrites[0] if not c.startswith("b_")}
            connection.execute(
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values(
                    first_seen=bindparam("b_first"), last_seen=bindparam("b_last"), **state_columns
                ),
                rewrites,
            )
        if inserts:
            insert_rows(connection, table, inserts)
