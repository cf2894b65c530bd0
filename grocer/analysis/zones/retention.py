"""Lossless retention: delete the member price rows that the zone's anchor already holds.

A member's row goes only when (DESIGN §6):

- it lies inside the member's open membership period of the group, and ends by ``as_of``;
- its anchor for that period has a row with the same price hash covering its whole span;
- no membership period has the member as anchor of another store over the row's days (rows a
  period refers to are never deleted), and no bargain refers to it.

The periods in which stores anchored others are few; they are read once and written into the
statement, which is much faster than a correlated sub-query per row.

The resolver then answers for those days from the anchor's row, with the same price state.
Deletions hold the price-write locks of the stores concerned (writers of those stores wait, or
retention skips a busy store on PostgreSQL and comes back to it); on SQLite a group's deletions
run in chunks, each its own transaction, so crawlers writing at the same time wait only
briefly for the write lock.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Delete, Engine, Select, and_, delete, exists, or_, select, union
from sqlalchemy.orm import aliased

from grocer.analysis.zones.settings import DEFAULT_CHUNK
from grocer.db.engine import WRITE_LOCK
from grocer.db.leases import try_lock_store
from grocer.db.models import Bargain, GroupMembership, Price

SQLITE_CACHE_KIB = 131_072  # 128 MiB of page cache for the deleting connection
BUSY_RETRIES = 3  # PostgreSQL: passes over members whose store lock was busy
BUSY_PAUSE_S = 0.5


Spans = dict[int, list[tuple[date, date | None]]]


def anchored_periods(connection: Connection, store_ids: Sequence[int] | None = None) -> Spans:
    """Per store, the periods in which it was the anchor of another store: its rows over
    those days answer for that store and are never deleted (one query)."""
    stmt = select(
        GroupMembership.anchor_store_id, GroupMembership.valid_from, GroupMembership.valid_to
    ).where(GroupMembership.anchor_store_id != GroupMembership.store_id)
    if store_ids is not None:
        stmt = stmt.where(GroupMembership.anchor_store_id.in_(sorted(set(store_ids))))
    spans: Spans = {}
    for store, since, until in connection.execute(stmt):
        spans.setdefault(store, []).append((since, until))
    return spans


def redundant_rows(
    group_id: int,
    anchor_store_id: int,
    member_ids: Sequence[int],
    as_of: date,
    protected: Spans,
) -> Select[Any]:
    """The ids of member rows of ``group_id`` that its anchor's rows make redundant.

    ``protected`` holds, per store, the periods in which it anchored another store (see
    :func:`anchored_periods`); a member's rows overlapping them stay.
    """
    member = aliased(Price, name="member")
    anchor = aliased(Price, name="anchor")
    period = aliased(GroupMembership, name="period")
    members = sorted(set(member_ids) - {anchor_store_id})
    referenced = union(select(Bargain.cheap_price_id), select(Bargain.dear_price_id))
    kept = [
        and_(
            member.store_id == store,
            member.last_seen >= since,
            *([member.first_seen < until] if until is not None else []),
        )
        for store in members
        for since, until in protected.get(store, [])
    ]
    stmt = (
        select(member.id)
        .join(
            period,
            and_(
                period.store_id == member.store_id,
                period.group_id == group_id,
                period.anchor_store_id == anchor_store_id,
                period.valid_to.is_(None),
            ),
        )
        .where(
            member.store_id.in_(members),
            member.first_seen >= period.valid_from,
            member.last_seen <= as_of,
            exists(
                select(anchor.id).where(
                    anchor.store_id == anchor_store_id,
                    anchor.listing_id == member.listing_id,
                    anchor.price_hash == member.price_hash,
                    anchor.first_seen <= member.first_seen,
                    anchor.last_seen >= member.last_seen,
                )
            ),
            member.id.not_in(referenced),
        )
    )
    if kept:
        stmt = stmt.where(~or_(*kept))
    return stmt


def _delete(ids: Select[Any]) -> Delete:
    return delete(Price).where(Price.id.in_(ids)).execution_options(synchronize_session=False)


@dataclass(frozen=True)
class Retained:
    """What a retention pass did: rows deleted, and members whose store was busy (their rows
    wait for a later pass)."""

    deleted: int
    busy: tuple[int, ...] = ()


def delete_redundant_rows(
    engine: Engine,
    group_id: int,
    anchor_store_id: int,
    member_ids: Sequence[int],
    as_of: date,
    *,
    protected: Spans | None = None,
    chunk: int = DEFAULT_CHUNK,
    busy_retries: int = BUSY_RETRIES,
) -> Retained:
    """Delete the redundant rows of ``member_ids`` in group ``group_id``.

    Each member's rows go in transactions holding the price-write locks of the member and the
    anchor (:func:`grocer.db.leases.lock_store`), so no writer changes either meanwhile.  On
    PostgreSQL a member whose lock is busy is skipped and tried again after the others, a few
    times; still busy, it is returned for a later pass.  On SQLite each chunk waits for the
    database's write lock instead.

    Args:
        engine: the database; the memberships must already be committed.
        group_id: the group whose open membership periods are used.
        anchor_store_id: the group's anchor.
        member_ids: the members whose rows may go (the anchor is ignored).
        as_of: rows ending after this day stay.
        protected: per store, the periods it anchored others (read here when None).
        chunk: rows per statement on SQLite.
        busy_retries: passes over busy members before leaving them for later.

    Returns:
        The number of price rows deleted, and the members left for later.
    """
    members = sorted(set(member_ids) - {anchor_store_id})
    if not members:
        return Retained(0)
    if protected is None:
        with engine.connect() as connection:
            protected = anchored_periods(connection, members)
    if engine.dialect.name == "sqlite":
        ids = redundant_rows(group_id, anchor_store_id, members, as_of, protected)
        return Retained(_delete_in_chunks(engine, ids, chunk))
    deleted, waiting = 0, members
    for attempt in range(busy_retries + 1):
        if attempt:
            time.sleep(BUSY_PAUSE_S)
        busy = []
        for member in waiting:
            with engine.begin() as connection:
                if not (
                    try_lock_store(connection, min(member, anchor_store_id))
                    and try_lock_store(connection, max(member, anchor_store_id))
                ):
                    busy.append(member)
                    continue
                ids = redundant_rows(group_id, anchor_store_id, [member], as_of, protected)
                deleted += int(connection.execute(_delete(ids)).rowcount)
        if not busy:
            break
        waiting = busy
    return Retained(deleted, tuple(busy))


def _delete_in_chunks(engine: Engine, ids: Select[Any], chunk: int) -> int:
    """SQLite: delete in chunks, each a transaction that waits for the write lock, so writers
    wait only briefly between them."""
    total = 0
    with engine.connect().execution_options(**{WRITE_LOCK: True}) as connection:
        # deleting touches every index of prices at random: a bigger page cache helps
        connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        connection.commit()
        while True:
            with connection.begin():
                deleted = int(connection.execute(_delete(ids.limit(chunk))).rowcount)
            total += deleted
            if deleted < chunk:
                return total
