"""Loading price maps for comparison: one query per pass or group, numpy arrays out.

A store's snapshot is its price state per listing on its latest observation day within the
current window (``as_of - current_days .. as_of``); the days a store was observed come from
``crawl_runs``, and only from ``complete`` runs: grocer records no delisting, so a thin
(``partial``) run's day would show the listings it missed as gone.  Price hashes are reduced
to 64-bit codes so that a whole chain's snapshots fit one ``stores x listings`` matrix (0: the
store does not list the listing).  The database packs each store's rows into one fixed-width
text value, which numpy unpacks: reading millions of rows never costs a Python object per
row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, Date, Integer, Select, String, cast, func, select
from sqlalchemy.sql.elements import ColumnElement

from grocer.analysis.zones.compare import Codes, Ints
from grocer.constants import COMPLETE
from grocer.db.models import CrawlRun, Price

EPOCH = date(1970, 1, 1)
_MIX = np.uint64(0x9E3779B97F4A7C15)


def day_number(column: Any, dialect: str) -> ColumnElement[int]:
    """Days since 1970-01-01 of a DATE column, computed by the database."""
    if dialect == "sqlite":
        return cast(func.julianday(column) - 2440587.5, Integer)
    return column - cast(EPOCH.isoformat(), Date)  # PostgreSQL: date - date is integer days


def to_number(day: date) -> int:
    return (day - EPOCH).days


def from_number(number: int) -> date:
    return EPOCH + timedelta(days=int(number))


def hash_codes(hashes: Sequence[str] | npt.NDArray[np.bytes_]) -> npt.NDArray[np.uint64]:
    """64-bit codes of price hashes (their first 16 hex digits); never 0."""
    raw = np.ascontiguousarray(np.asarray(hashes, dtype="S16")).view(np.uint64).reshape(-1, 2)
    codes = raw[:, 0] ^ (raw[:, 1] * _MIX)
    codes[codes == 0] = 1
    return codes


@dataclass
class StoreDays:
    """The days stores were observed: in the current window, and their history up to as_of."""

    window: dict[int, list[date]] = field(default_factory=dict)  # sorted, newest last
    observed_days: dict[int, int] = field(default_factory=dict)
    first_day: dict[int, date] = field(default_factory=dict)

    def latest(self, store_id: int) -> date | None:
        days = self.window.get(store_id)
        return days[-1] if days else None


def load_store_days(
    connection: Connection, store_ids: Select[Any], as_of: date, current_days: int
) -> StoreDays:
    """Observation days (of complete runs) of the stores selected by ``store_ids`` (two
    queries)."""
    low = as_of - timedelta(days=current_days)
    result = StoreDays()
    rows = connection.execute(
        select(CrawlRun.store_id, CrawlRun.observed_on)
        .where(
            CrawlRun.store_id.in_(store_ids),
            CrawlRun.status == COMPLETE,
            CrawlRun.observed_on >= low,
            CrawlRun.observed_on <= as_of,
        )
        .distinct()
    )
    for store_id, day in rows:
        result.window.setdefault(store_id, []).append(day)
    for days in result.window.values():
        days.sort()
    rows = connection.execute(
        select(
            CrawlRun.store_id,
            func.count(CrawlRun.observed_on.distinct()),
            func.min(CrawlRun.observed_on),
        )
        .where(
            CrawlRun.store_id.in_(store_ids),
            CrawlRun.status == COMPLETE,
            CrawlRun.observed_on <= as_of,
        )
        .group_by(CrawlRun.store_id)
    )
    for store_id, count, first in rows:
        result.observed_days[store_id] = int(count)
        result.first_day[store_id] = first
    return result


def _digits(column: Any, width: int, dialect: str) -> ColumnElement[str]:
    """An integer column as zero-padded decimal text of ``width`` digits."""
    if dialect == "sqlite":
        return func.printf(f"%0{width}d", column)
    return func.lpad(cast(column, String), width, "0")


def packed_rows(
    columns: Sequence[Any], hash_column: Any, dialect: str, *, width: int = 10
) -> tuple[ColumnElement[str], int]:
    """One text value per price row: each integer column as ``width`` digits, then the first
    16 hex digits of the price hash; and the record length.  Aggregated per store, the
    database builds these, so Python never handles a row at a time."""
    parts = [_digits(c, width, dialect) for c in columns] + [func.substr(hash_column, 1, 16)]
    record = parts[0]
    for part in parts[1:]:
        record = record.concat(part)
    if dialect == "sqlite":
        aggregate = func.group_concat(record, "")
    else:
        aggregate = func.string_agg(record, "")
    return aggregate, width * len(columns) + 16


def fetch_packed(
    connection: Connection, stmt: Select[Any], n_ints: int, *, width: int = 10
) -> tuple[Ints, list[Ints], npt.NDArray[np.uint64]]:
    """Run a ``(store_id, packed records)`` query grouped by store (see :func:`packed_rows`);
    returns per row its store id, its integer columns and its price-hash code."""
    size = width * n_ints + 16
    stores: list[Ints] = []
    blobs: list[bytes] = []
    for store_id, packed in connection.execute(stmt):
        data = packed.encode("ascii") if isinstance(packed, str) else bytes(packed)
        blobs.append(data)
        stores.append(np.full(len(data) // size, store_id, dtype=np.int64))
    if not blobs:
        empty = np.zeros(0, dtype=np.int64)
        return empty, [empty.copy() for _ in range(n_ints)], np.zeros(0, dtype=np.uint64)
    records = np.frombuffer(b"".join(blobs), dtype=np.uint8).reshape(-1, size)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    ints = [
        (records[:, i * width : (i + 1) * width].astype(np.int64) - 48) @ powers
        for i in range(n_ints)
    ]
    hashes = np.ascontiguousarray(records[:, width * n_ints :]).view("S16").ravel()
    return np.concatenate(stores), ints, hash_codes(hashes)


@dataclass
class Snapshots:
    """Price maps as a matrix: row ``i`` is store ``store_ids[i]`` on ``days[i]``."""

    store_ids: Ints
    days: list[date]
    listing_ids: Ints
    codes: Codes
    sizes: Ints

    def __len__(self) -> int:
        return len(self.store_ids)

    def price_map(self, row: int) -> dict[int, int]:
        """Listing id -> code of one row (for tests and diagnostics)."""
        present = np.flatnonzero(self.codes[row])
        return {int(self.listing_ids[j]): int(self.codes[row, j]) for j in present}


def build_snapshots(
    entries: Sequence[tuple[int, date]],
    store: Ints,
    listing: Ints,
    code: npt.NDArray[np.uint64],
    first: Ints | None = None,
    last: Ints | None = None,
) -> Snapshots:
    """Snapshots of ``entries`` (store id, day) from fetched price rows.

    Without ``first``/``last`` every row of a store belongs to its (single) entry: the query
    already kept only rows covering its day.  With them, a row belongs to each entry of its
    store whose day it covers.
    """
    listing_ids, columns = np.unique(listing, return_inverse=True)
    codes = np.zeros((len(entries), len(listing_ids)), dtype=np.uint64)
    order = np.argsort(store, kind="stable")
    sorted_store = store[order]
    for row, (store_id, day) in enumerate(entries):
        lo, hi = np.searchsorted(sorted_store, [store_id, store_id + 1])
        picked = order[lo:hi]
        if first is not None and last is not None:
            number = to_number(day)
            picked = picked[(first[picked] <= number) & (last[picked] >= number)]
        codes[row, columns[picked]] = code[picked]
    sizes = (codes != 0).sum(axis=1).astype(np.int64)
    return Snapshots(
        store_ids=np.array([e[0] for e in entries], dtype=np.int64),
        days=[e[1] for e in entries],
        listing_ids=listing_ids.astype(np.int64),
        codes=codes,
        sizes=sizes,
    )


def rows_covering_latest_day(
    store_ids: Select[Any], as_of: date, current_days: int, dialect: str
) -> Select[Any]:
    """Per store of ``store_ids``, its price rows covering its latest observation day (of a
    complete run) in the current window, packed (listing id, price hash); read with
    :func:`fetch_packed`."""
    low = as_of - timedelta(days=current_days)
    latest = (
        select(CrawlRun.store_id, func.max(CrawlRun.observed_on).label("day"))
        .where(
            CrawlRun.store_id.in_(store_ids),
            CrawlRun.status == COMPLETE,
            CrawlRun.observed_on >= low,
            CrawlRun.observed_on <= as_of,
        )
        .group_by(CrawlRun.store_id)
        .subquery("latest")
    )
    packed, _ = packed_rows([Price.listing_id], Price.price_hash, dialect)
    return (
        select(Price.store_id, packed)
        .join(latest, latest.c.store_id == Price.store_id)
        .where(Price.first_seen <= latest.c.day, Price.last_seen >= latest.c.day)
        .group_by(Price.store_id)
    )


def rows_in_window(
    store_ids: Iterable[int], as_of: date, current_days: int, dialect: str
) -> Select[Any]:
    """Per store of ``store_ids``, its price rows overlapping the current window, packed
    (listing id, first and last day as numbers, price hash); read with :func:`fetch_packed`."""
    low = as_of - timedelta(days=current_days)
    packed, _ = packed_rows(
        [
            Price.listing_id,
            day_number(Price.first_seen, dialect),
            day_number(Price.last_seen, dialect),
        ],
        Price.price_hash,
        dialect,
    )
    return (
        select(Price.store_id, packed)
        .where(
            Price.store_id.in_(sorted(set(store_ids))),
            Price.last_seen >= low,
            Price.first_seen <= as_of,
        )
        .group_by(Price.store_id)
    )
