"""The one resolver of stored prices: a store's own rows, else its anchor's for that period.

Price-zone retention deletes a member store's price rows that its anchor's rows already say
(DESIGN §6).  Every reader asks this module, never ``prices`` directly, for the price of a
listing at a store: the store's own row covering the day wins; otherwise the row of the anchor
of the store's membership period covering the day answers.  Membership periods cover the days
``valid_from <= day < valid_to`` (``valid_to`` None: still open).  With no memberships at all
every function returns the stores' own rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import date, timedelta
from functools import cache
from itertools import product as pairs
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    bindparam,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import aliased

from grocer.db.models import PRICE_STATE, GroupMembership, Price, Store
from grocer.normalize.price_state import READ_FIELDS, price_record

IN_CHUNK = 5_000  # ids per IN (...) list: well under SQLite's and PostgreSQL's limits


ResolvedPrice = price_record(
    "ResolvedPrice",
    """The price of one listing at one store, and which stored row says it.

    ``price_id`` is the answering row (the store's own, or its anchor's), ``source_store_id``
    whose row it is (== ``store_id`` for own rows); ``first_seen``/``last_seen`` are the
    answering row's interval, clipped to the membership period.
    """,
    before=(
        ("store_id", int),
        ("listing_id", int),
        ("price_id", int),
        ("source_store_id", int),
    ),
    namespace={
        "is_own": property(
            lambda self: self.source_store_id == self.store_id,
            doc="True when the store's own row answers (not its anchor's).",
        )
    },
)


_Own = aliased(Price, name="own")
_STATE = (Price.id, Price.listing_id, *PRICE_STATE)


def _chunks(ids: Sequence[int] | None) -> Iterator[Sequence[int] | None]:
    if ids is None:
        yield None
        return
    unique = sorted(set(ids))
    for start in range(0, len(unique), IN_CHUNK):
        yield unique[start : start + IN_CHUNK]


def _shape_params(
    day_low: date,
    day_high: date,
    stores: Sequence[int] | None,
    listings: Sequence[int] | None,
    max_price_id: int | None = None,
) -> dict[str, Any]:
    """The values of the bind parameters of :func:`_own_rows` and :func:`_anchor_rows`."""
    params: dict[str, Any] = {"day_low": day_low, "day_high": day_high}
    if stores is not None:
        params["stores"] = list(stores)
    if listings is not None:
        params["listings"] = list(listings)
    if max_price_id is not None:
        params["max_price_id"] = max_price_id
    return params


def _shape(params: dict[str, Any]) -> tuple[bool, bool, bool]:
    """Which optional filters ``params`` sets: the key of a cached statement."""
    return ("stores" in params, "listings" in params, "max_price_id" in params)


_DAY_LOW = bindparam("day_low", type_=Price.first_seen.type)
_DAY_HIGH = bindparam("day_high", type_=Price.first_seen.type)


def _filtered(stmt: Select[Any], store_column: Any, shape: tuple[bool, bool, bool]) -> Select[Any]:
    stores, listings, capped = shape
    if stores:
        stmt = stmt.where(store_column.in_(bindparam("stores", expanding=True)))
    if listings:
        stmt = stmt.where(Price.listing_id.in_(bindparam("listings", expanding=True)))
    if capped:
        stmt = stmt.where(Price.id <= bindparam("max_price_id"))
    return stmt


@cache
def _own_rows(shape: tuple[bool, bool, bool]) -> Select[Any]:
    """Own rows overlapping ``[day_low, day_high]``; the extra columns match the anchor query.

    Built once per ``shape`` (:func:`_shape`), run with :func:`_shape_params`' values:
    building a statement costs more than running it on a request's few rows."""
    stmt = select(
        Price.store_id.label("asked"),
        Price.store_id.label("source"),
        *_STATE,
        literal(None, type_=GroupMembership.valid_from.type).label("valid_from"),
        literal(None, type_=GroupMembership.valid_to.type).label("valid_to"),
    ).where(Price.first_seen <= _DAY_HIGH, Price.last_seen >= _DAY_LOW)
    return _filtered(stmt, Price.store_id, shape)


def _period_overlaps(low: Any, high: Any) -> ColumnElement[bool]:
    """The membership period shares a day with ``[low, high]``."""
    return and_(
        GroupMembership.valid_from <= high,
        or_(GroupMembership.valid_to.is_(None), GroupMembership.valid_to > low),
    )


@cache
def _anchor_rows(shape: tuple[bool, bool, bool]) -> Select[Any]:
    """Anchor rows overlapping ``[day_low, day_high]`` and a membership period of the store
    asked about that has another store as its anchor (built once per ``shape``)."""
    stmt = (
        select(
            GroupMembership.store_id.label("asked"),
            Price.store_id.label("source"),
            *_STATE,
            GroupMembership.valid_from,
            GroupMembership.valid_to,
        )
        .select_from(GroupMembership)
        .join(Price, Price.store_id == GroupMembership.anchor_store_id)
        .where(
            GroupMembership.anchor_store_id != GroupMembership.store_id,
            _period_overlaps(_DAY_LOW, _DAY_HIGH),
            Price.first_seen <= _DAY_HIGH,
            Price.last_seen >= _DAY_LOW,
            # the period and the row share a day
            Price.last_seen >= GroupMembership.valid_from,
            or_(GroupMembership.valid_to.is_(None), Price.first_seen < GroupMembership.valid_to),
        )
    )
    return _filtered(stmt, GroupMembership.store_id, shape)


@cache
def _own_and_anchor_rows(shape: tuple[bool, bool, bool]) -> Any:
    return _own_rows(shape).union_all(_anchor_rows(shape))


@cache
def _rows_on_day(shape: tuple[bool, bool, bool]) -> Any:
    """:func:`_own_rows` and the anchor rows of (store, listing)s with no own row covering
    ``day_low`` (== ``day_high``): :func:`prices_on`'s statement."""
    covered = (
        select(_Own.id)
        .where(
            _Own.store_id == GroupMembership.store_id,
            _Own.listing_id == Price.listing_id,
            _Own.first_seen <= _DAY_LOW,
            _Own.last_seen >= _DAY_LOW,
        )
        .exists()
    )
    return _own_rows(shape).union_all(_anchor_rows(shape).where(~covered))


_STATE_WIDTH = len(READ_FIELDS)


def _resolved(row: Any) -> ResolvedPrice:
    # Positional: the columns of _own_rows/_anchor_rows, in order (by name is far slower).
    asked, source, price_id, listing_id, *rest = row
    state = rest[:_STATE_WIDTH]
    first, last, valid_from, valid_to = rest[_STATE_WIDTH:]
    if valid_from is not None and valid_from > first:
        first = valid_from
    if valid_to is not None and valid_to - timedelta(days=1) < last:
        last = valid_to - timedelta(days=1)
    return ResolvedPrice(asked, listing_id, price_id, source, *state, first, last)


def prices_on(
    connection: Connection,
    day: date,
    *,
    store_ids: Sequence[int] | None = None,
    listing_ids: Sequence[int] | None = None,
) -> list[ResolvedPrice]:
    """The price of each (store, listing) in force on ``day``.

    The store's own row covering ``day`` answers; where it has none, the row covering ``day``
    of the anchor of its membership period covering ``day`` does.

    Args:
        connection: an open connection.
        day: the date asked about.
        store_ids: only these stores (``stores.id``); None for every store.
        listing_ids: only these listings; None for every listing.

    Returns:
        One :class:`ResolvedPrice` per (store, listing) with a price that day, ordered by
        store then listing.

    Examples:
        >>> prices_on(connection, date(2025, 9, 19), store_ids=[3])  # doctest: +SKIP
    """
    found: dict[tuple[int, int], ResolvedPrice] = {}
    for stores in _chunks(store_ids):
        for listings in _chunks(listing_ids):
            params = _shape_params(day, day, stores, listings)
            stmt = _rows_on_day(_shape(params))
            for row in connection.execute(stmt, params):
                resolved = _resolved(row)
                key = (resolved.store_id, resolved.listing_id)
                if key not in found or resolved.is_own:
                    found[key] = resolved
    return [found[key] for key in sorted(found)]


_COMPANY_STORES = select(Store.id).where(
    Store.company_id.in_(bindparam("companies", expanding=True))
)


def _store_filter(
    connection: Connection, store_ids: Sequence[int] | None, company_ids: Sequence[int] | None
) -> list[int] | None:
    if company_ids is None:
        return None if store_ids is None else sorted(set(store_ids))
    ids = set(
        connection.execute(_COMPANY_STORES, {"companies": sorted(set(company_ids))}).scalars()
    )
    if store_ids is not None:
        ids &= set(store_ids)
    return sorted(ids)


def latest_prices(
    connection: Connection,
    as_of: date,
    *,
    fresh_days: int,
    store_ids: Sequence[int] | None = None,
    company_ids: Sequence[int] | None = None,
    listing_ids: Sequence[int] | None = None,
    max_price_id: int | None = None,
) -> list[ResolvedPrice]:
    """Each (store, listing)'s newest price interval that is fresh on ``as_of``.

    Candidates are the store's own rows and its anchors' rows (clipped to the membership
    periods) with ``first_seen <= as_of`` and ``last_seen >= as_of - fresh_days``.  The one in
    force latest up to ``as_of`` wins (greatest ``min(last_seen, as_of)``); an own row wins a
    tie, as it overrides the anchor on the days it covers; then the newest ``first_seen``.

    Args:
        connection: an open connection.
        as_of: the date asked about.
        fresh_days: how old ``last_seen`` may be (DESIGN §5: 7 for bargains).
        store_ids: only these stores; None for every store (of ``company_ids``).
        company_ids: only stores of these companies; None for every company.
        listing_ids: only these listings; None for every listing.
        max_price_id: read only price rows with ``id`` up to this (a snapshot's cap).

    Returns:
        One :class:`ResolvedPrice` per (store, listing), ordered by store then listing.
    """
    low = as_of - timedelta(days=fresh_days)
    stores_wanted = _store_filter(connection, store_ids, company_ids)
    if stores_wanted == []:
        return []
    best: dict[tuple[int, int], tuple[tuple[date, bool, date], ResolvedPrice]] = {}
    for stores, listings in pairs(_chunks(stores_wanted), list(_chunks(listing_ids))):
        params = _shape_params(low, as_of, stores, listings, max_price_id)
        for row in connection.execute(_own_and_anchor_rows(_shape(params)), params):
            resolved = _resolved(row)
            if resolved.first_seen > as_of or resolved.last_seen < low:
                continue  # the anchor row lies outside the period within the window
            rank = (min(resolved.last_seen, as_of), resolved.is_own, resolved.first_seen)
            key = (resolved.store_id, resolved.listing_id)
            held = best.get(key)
            if held is None or rank > held[0]:
                best[key] = (rank, resolved)
    return [best[key][1] for key in sorted(best)]


def _subtract(
    first: date, last: date, covers: Iterable[tuple[date, date]]
) -> list[tuple[date, date]]:
    """The parts of ``[first, last]`` outside every ``(low, high)`` of ``covers``."""
    pieces = [(first, last)]
    for low, high in covers:
        next_pieces = []
        for a, b in pieces:
            if high < a or low > b:
                next_pieces.append((a, b))
                continue
            if a < low:
                next_pieces.append((a, low - timedelta(days=1)))
            if high < b:
                next_pieces.append((high + timedelta(days=1), b))
        pieces = next_pieces
    return pieces


def store_history(
    connection: Connection, store_id: int, *, since: date | None = None
) -> Iterator[ResolvedPrice]:
    """Every price interval of a store: its own rows, and its anchors' rows on the days of its
    membership periods that its own rows do not cover.

    An anchor row is clipped to the membership period and cut around the store's own rows,
    so the intervals of one listing never overlap.

    Args:
        connection: an open connection.
        store_id: the store (``stores.id``).
        since: only intervals with ``last_seen >= since``.

    Yields:
        :class:`ResolvedPrice` ordered by listing, then ``first_seen``.
    """
    low = since or date.min
    high = date.max
    params = _shape_params(low, high, [store_id], None)
    stmt = _own_and_anchor_rows(_shape(params)).order_by("listing_id", "first_seen")
    listing: int | None = None
    batch: list[ResolvedPrice] = []
    for row in connection.execute(stmt, params):
        resolved = _resolved(row)
        if resolved.listing_id != listing:
            yield from _history_of_listing(batch, low)
            listing, batch = resolved.listing_id, []
        batch.append(resolved)
    yield from _history_of_listing(batch, low)


def _history_of_listing(rows: list[ResolvedPrice], low: date) -> Iterator[ResolvedPrice]:
    own = [(r.first_seen, r.last_seen) for r in rows if r.is_own]
    pieces: list[ResolvedPrice] = []
    for row in rows:
        if row.is_own:
            pieces.append(row)
            continue
        for first, last in _subtract(row.first_seen, row.last_seen, own):
            if last >= low and first <= last:
                pieces.append(_clip(row, first, last))
    pieces.sort(key=lambda r: (r.first_seen, not r.is_own))
    yield from pieces


def _clip(row: ResolvedPrice, first: date, last: date) -> ResolvedPrice:
    return replace(row, first_seen=first, last_seen=last)
