"""Price export: every matching price row, streamed by keyset pages inside one read snapshot.

The reader is a library function (:func:`export_prices`) that other code uses; ``grocer export
prices`` writes its rows as JSON lines or CSV.  Pages are ``WHERE id > :after ORDER BY id LIMIT
:n`` (never OFFSET, never a default ordering) inside one read transaction, so memory stays
constant and every row present when the export starts is visited exactly once, however many
rows other writers add meanwhile.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any, Literal

import orjson
from sqlalchemy import Connection, Engine, Select, bindparam, func, or_, select

from grocer.db.engine import is_sqlite
from grocer.db.models import PRICE_STATE, GroupMembership, Listing, Price, Store
from grocer.db.store_rows import COMPANY_IDS, COMPANY_SLUGS
from grocer.normalize.price_state import PRICE_FIELDS, READ_FIELDS, price_record

if TYPE_CHECKING:
    from grocer.analysis.zones.resolver import ResolvedPrice

DEFAULT_PAGE_SIZE = 5000
ExportFormat = Literal["jsonl", "csv"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("jsonl", "csv")


ExportRow = price_record(
    "ExportRow",
    """One exported price interval of a listing at a store: ids, the price state, the days.

    ``source_store`` is the store whose stored row holds the price: the store itself, or in a
    resolved export its zone's anchor when retention removed the member's equal row.
    """,
    before=(
        ("price_id", int),
        ("company", str),
        ("store", str),
        ("source_store", str),
        ("sku", str),
        ("product_id", int),
    ),
)


EXPORT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(ExportRow))
_WHOLE = {f.name for f in fields(ExportRow) if f.type in (int, int | None)}
_MONEY = {f.name for f in PRICE_FIELDS if f.places is not None}


@dataclass(frozen=True)
class PriceFilter:
    """Which price rows an export visits; None means no restriction.

    Attributes:
        since: only intervals still seen on or after this date (``last_seen >= since``).
        company_ids: only stores of these companies (``companies.id``).
        store_ids: only these stores (``stores.id``).
    """

    since: date | None = None
    company_ids: tuple[int, ...] | None = None
    store_ids: tuple[int, ...] | None = None


# ----------------------------------------------------------------------------- snapshot


@contextmanager
def read_snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection inside one read-only snapshot, rolled back (released) on the way out.

    PostgreSQL: a REPEATABLE READ, READ ONLY transaction (its snapshot is taken at the first
    statement).  SQLite (WAL): a transaction (``grocer.db.engine`` begins one for reads too)
    and a first read, which pins the snapshot; other connections keep writing and committing
    meanwhile.
    """
    if is_sqlite(engine):
        with engine.connect() as connection:
            # WAL fixes a read transaction's snapshot at its first read: take it now.
            connection.execute(select(func.max(Price.id)))
            try:
                yield connection
            finally:
                connection.rollback()
        return
    options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
    with engine.connect().execution_options(**options) as connection:
        with connection.begin():
            # The snapshot of REPEATABLE READ is taken by the transaction's first statement.
            connection.execute(select(func.max(Price.id)))
            yield connection


# ----------------------------------------------------------------------------- stored rows


# The keyset cursor and the page size, bound per page.
_AFTER = bindparam("after", type_=Price.id.type)
_LIMIT = bindparam("limit", type_=Price.id.type)


def _filtered(statement: Select[Any], where: PriceFilter) -> Select[Any]:
    if where.since is not None:
        # --since is on last_seen: an interval still current on or after that day counts.
        statement = statement.where(Price.last_seen >= where.since)
    if where.store_ids is not None:
        # Stores are named by primary key; the unique (store, listing, first_seen) index leads.
        statement = statement.where(Price.store_id.in_(where.store_ids))
    if where.company_ids is not None:
        # A company is a property of the store, so the filter goes through the join.
        statement = statement.where(Store.company_id.in_(where.company_ids))
    return statement


def page_statement(where: PriceFilter) -> Select[Any]:
    """The keyset page query: the next ``:n`` rows after ``:after`` in primary-key order.

    Pure (nothing executed), so its SQL can be checked by compiling it.
    """
    statement = (
        select(
            Price.id,
            Store.company_id,
            Store.retailer_store_id,
            Listing.sku,
            Listing.product_id,
            *PRICE_STATE,
        )  # fmt: skip
        # Store and listing give the retailer's own ids; both joins are primary-key lookups.
        .join(Store, Store.id == Price.store_id)
        .join(Listing, Listing.id == Price.listing_id)
        # Keyset: resume strictly after the last id seen, so no row repeats or is skipped.
        .where(Price.id > _AFTER)
        # Explicit order by the unique key: never rely on a default (physical) ordering.
        .order_by(Price.id)
        # One bounded page: memory is constant whatever the size of the table.
        .limit(_LIMIT)
    )
    return _filtered(statement, where)


def count_statement(where: PriceFilter) -> Select[Any]:
    """How many rows an export with ``where`` visits (the progress line's total)."""
    statement = select(func.count(Price.id)).select_from(Price)
    if where.company_ids is not None:
        statement = statement.join(Store, Store.id == Price.store_id)
    return _filtered(statement, where)


def stored_values(row: Any) -> tuple[Any, ...]:
    """The :data:`EXPORT_FIELDS` values of a row of :func:`page_statement` (the price state
    and its days follow the ids, in :data:`~grocer.db.models.PRICE_STATE` order): a stored
    row's source store is its own store."""
    return (row[0], COMPANY_SLUGS[row[1]], row[2], row[2], row[3], row[4], *row[5:])


def stored_row(row: Any) -> ExportRow:
    """An :class:`ExportRow` from a row of :func:`page_statement`."""
    return ExportRow(*stored_values(row))


def keyset_pages(
    connection: Connection, statement: Select[Any], *, page_size: int, after: int = 0
) -> Iterator[Sequence[Any]]:
    """The rows of a keyset page statement (:func:`page_statement`'s shape: the id first,
    ``:after`` and ``:limit`` bound), page after page until one comes back short."""
    while True:
        rows = connection.execute(statement, {"after": after, "limit": page_size}).all()
        if not rows:
            return
        yield rows
        after = rows[-1][0]
        if len(rows) < page_size:
            return


def price_pages(
    connection: Connection,
    where: PriceFilter = PriceFilter(),
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    after: int = 0,
) -> Iterator[list[ExportRow]]:
    """Stored price rows matching ``where`` with ``id > after``, page by page in ``id`` order.

    Run it on a connection from :func:`read_snapshot` so the pages see one state of the
    database; each page is one query ``WHERE id > :after ORDER BY id LIMIT :n``.

    Args:
        connection: a connection, normally inside :func:`read_snapshot`.
        where: the filters.
        page_size: rows per page (and per query).
        after: start after this ``price_id`` (0: from the first row).

    Returns:
        An iterator of non-empty pages.

    Examples:
        >>> with read_snapshot(engine) as c:  # doctest: +SKIP
        ...     rows = sum(len(page) for page in price_pages(c, PriceFilter(since=day)))
    """
    if page_size < 1:
        raise ValueError("page_size must be positive")
    for rows in keyset_pages(connection, page_statement(where), page_size=page_size, after=after):
        yield [stored_row(row) for row in rows]


# ----------------------------------------------------------------------------- resolved rows


def _stores_in_scope(where: PriceFilter) -> Select[Any]:
    has_rows = select(Price.id).where(Price.store_id == Store.id).exists()
    is_member = select(GroupMembership.id).where(GroupMembership.store_id == Store.id).exists()
    statement = (
        select(Store.id)
        # Only stores with prices of their own or through a zone membership have any history.
        .where(or_(has_rows, is_member))
        # Keyset over stores too: one resolver walk per store, in a stable order.
        .where(Store.id > _AFTER)
        .order_by(Store.id)
        .limit(_LIMIT)
    )
    if where.store_ids is not None:
        statement = statement.where(Store.id.in_(where.store_ids))
    if where.company_ids is not None:
        statement = statement.where(Store.company_id.in_(where.company_ids))
    return statement


def resolved_pages(
    connection: Connection,
    where: PriceFilter = PriceFilter(),
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> Iterator[list[ExportRow]]:
    """Every store's prices as the zone resolver gives them, page by page.

    Member stores get their own remaining rows and, where retention removed them, their
    anchor's (``source_store`` says which).  Stores are walked in ``id`` order by keyset; each
    store's history is streamed from :func:`grocer.analysis.zones.resolver.store_history`.

    Args:
        connection: a connection, normally inside :func:`read_snapshot`.
        where: the filters (``since`` on ``last_seen``).
        page_size: rows per page, and stores per store-list query.

    Returns:
        An iterator of non-empty pages.
    """
    from grocer.analysis.zones.resolver import store_history

    names = _StoreNames(connection)
    stores = _stores_in_scope(where)
    after = 0
    batch: list[ResolvedPrice] = []
    while True:
        store_ids = connection.execute(stores, {"after": after, "limit": page_size}).scalars().all()
        for store_id in store_ids:
            for resolved in store_history(connection, store_id, since=where.since):
                if where.since is not None and resolved.last_seen < where.since:
                    continue
                batch.append(resolved)
                if len(batch) >= page_size:
                    yield _resolved_page(connection, batch, names)
                    batch = []
        if len(store_ids) < page_size:
            break
        after = store_ids[-1]
    if batch:
        yield _resolved_page(connection, batch, names)


class _StoreNames:
    """(company slug, retailer store id) per store primary key, looked up once each."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.known: dict[int, tuple[str, str]] = {}

    def __call__(self, store_id: int) -> tuple[str, str]:
        if store_id not in self.known:
            company_id, retailer_id = self.connection.execute(
                select(Store.company_id, Store.retailer_store_id).where(Store.id == store_id)
            ).one()
            self.known[store_id] = (COMPANY_SLUGS[company_id], retailer_id)
        return self.known[store_id]


def _resolved_page(
    connection: Connection, batch: Sequence[ResolvedPrice], names: _StoreNames
) -> list[ExportRow]:
    listing_ids = {r.listing_id for r in batch}
    listings = {
        row.id: (row.sku, row.product_id)
        for row in connection.execute(
            select(Listing.id, Listing.sku, Listing.product_id).where(Listing.id.in_(listing_ids))
        )
    }
    page = []
    for r in batch:
        company, store = names(r.store_id)
        sku, product_id = listings[r.listing_id]
        ids = (r.price_id, company, store, names(r.source_store_id)[1], sku, product_id)
        state = (getattr(r, name) for name in READ_FIELDS)
        page.append(ExportRow(*ids, *state, r.first_seen, r.last_seen))
    return page


# ----------------------------------------------------------------------------- the reader


def company_filter(slugs: Iterable[str] | None) -> tuple[int, ...] | None:
    """Company slugs as ``companies.id`` values (None: every company).

    Raises:
        ValueError: an unknown slug.
    """
    if slugs is None:
        return None
    ids = []
    for slug in slugs:
        if slug.lower() not in COMPANY_IDS:
            raise ValueError(f"unknown company {slug!r} (one of {', '.join(COMPANY_IDS)})")
        ids.append(COMPANY_IDS[slug.lower()])
    return tuple(ids)


def count_matching(connection: Connection, where: PriceFilter = PriceFilter()) -> int:
    """How many stored rows :func:`price_pages` visits for ``where`` (same snapshot)."""
    return int(connection.execute(count_statement(where)).scalar_one())


def export_prices(
    engine: Engine,
    where: PriceFilter = PriceFilter(),
    *,
    resolved: bool = False,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> Iterator[ExportRow]:
    """Stream every price row matching ``where``, in one read snapshot, in constant memory.

    The snapshot is held until the iterator is exhausted or closed.

    Args:
        engine: the database.
        where: ``since`` (on ``last_seen``), companies and stores.
        resolved: give member stores of a price zone their prices through the zone resolver
            (stored rows only, the default, export exactly what the ``prices`` table holds).
        page_size: rows per query.

    Returns:
        An iterator of :class:`ExportRow`, in ``price_id`` order (resolved: store by store).

    Examples:
        >>> for row in export_prices(engine, PriceFilter(since=date(2025, 9, 1))):  # doctest: +SKIP
        ...     print(row.store, row.sku, row.price)
    """
    with read_snapshot(engine) as connection:
        pages = resolved_pages if resolved else price_pages
        for page in pages(connection, where, page_size=page_size):
            yield from page


# ----------------------------------------------------------------------------- output


def _decimal_text(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)  # money as exact decimal text, never a float
    raise TypeError(f"cannot export {type(value).__name__}")


class ExportWriter:
    """Writes :class:`ExportRow` objects as JSON lines or CSV (with a header) to a text stream.

    Money is decimal text in both (``"2.50"``), dates ISO, absent values ``null`` / empty.
    """

    def __init__(self, stream: IO[str], fmt: ExportFormat = "jsonl") -> None:
        if fmt not in EXPORT_FORMATS:
            raise ValueError(f"unknown format {fmt!r}")
        self.stream, self.fmt = stream, fmt
        self._csv = csv.writer(stream, lineterminator="\n") if fmt == "csv" else None
        if self._csv is not None:
            self._csv.writerow(EXPORT_FIELDS)

    def write(self, row: ExportRow) -> None:
        """Write one row."""
        if self._csv is not None:  # the csv module writes None as "" and str() of the rest
            self._csv.writerow([getattr(row, name) for name in EXPORT_FIELDS])
            return
        # orjson writes dataclasses field by field, dates as ISO text; Decimals go through str.
        self.stream.write(orjson.dumps(row, default=_decimal_text).decode())
        self.stream.write("\n")


def parse_row(fmt: ExportFormat, record: dict[str, str] | dict[str, object]) -> dict[str, object]:
    """An exported record (a CSV row or a JSON object) with typed values, for readers."""
    typed: dict[str, object] = {}
    for name in EXPORT_FIELDS:
        value = record.get(name)
        if value in ("", None):
            typed[name] = None
        elif name in _WHOLE:
            typed[name] = int(str(value))
        elif name in _MONEY:
            typed[name] = Decimal(str(value))
        elif name in ("first_seen", "last_seen"):
            typed[name] = date.fromisoformat(str(value))
        elif name == "is_special":
            typed[name] = value is True or str(value) == "True" or value == "true"
        else:
            typed[name] = value
    return typed
