"""Change-only price history: placing one observation into a listing's price intervals.

The intervals of a (store, listing) are the maximal runs of equal price state over the days
the store was observed, each from the first to the last day it was seen.  Placing observations
one at a time, in any order, yields that same set of intervals, so ingest order never matters
and re-ingesting changes nothing.  Pure functions; the writer turns the result into SQL.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Span:
    """One price interval; ``id`` is None until it is inserted, ``state`` its column values."""

    id: int | None
    first: date
    last: date
    hash: str
    state: Any = None


def _days_between(days: Sequence[date], low: date, high: date) -> list[date]:
    """The sorted ``days`` with ``low <= d <= high``."""
    return list(days[bisect.bisect_left(days, low) : bisect.bisect_right(days, high)])


def place(
    spans: list[Span], day: date, price_hash: str, state: Any, store_days: Sequence[date]
) -> list[Span]:
    """Return the intervals after observing ``price_hash`` on ``day``.

    Args:
        spans: the listing's intervals at this store, sorted by ``first``, not overlapping.
        day: the observation's date.
        price_hash: the hash of the observed price state.
        state: the observed column values, kept on a new interval.
        store_days: the sorted days the store was observed (used to split an interval that
            an out-of-order observation falls inside).
    """
    spans = sorted(spans, key=lambda s: s.first)
    for i, span in enumerate(spans):
        if span.first <= day <= span.last:
            if span.hash == price_hash:
                return spans
            return _coalesce(
                spans[:i] + _split(span, day, price_hash, state, store_days) + spans[i + 1 :]
            )
    before = [s for s in spans if s.last < day]
    after = [s for s in spans if s.first > day]
    prev = before[-1] if before else None
    nxt = after[0] if after else None
    if prev is not None and prev.hash == price_hash:
        grown = replace(prev, last=day)
        if nxt is not None and nxt.hash == price_hash:
            grown = replace(grown, last=nxt.last)
            after = after[1:]
        return before[:-1] + [grown] + after
    if nxt is not None and nxt.hash == price_hash:
        return before + [replace(nxt, first=day)] + after[1:]
    return before + [Span(None, day, day, price_hash, state)] + after


def _split(
    span: Span, day: date, price_hash: str, state: Any, store_days: Sequence[date]
) -> list[Span]:
    """Cut ``span`` around ``day``; the part before keeps the row id, if there is one."""
    pieces: list[Span] = []
    if span.first < day:
        earlier = _days_between(store_days, span.first, day)
        earlier = [d for d in earlier if d < day]
        pieces.append(replace(span, last=earlier[-1] if earlier else span.first))
    middle_id = None if pieces else span.id
    pieces.append(Span(middle_id, day, day, price_hash, state))
    if day < span.last:
        later = [d for d in _days_between(store_days, day, span.last) if d > day]
        pieces.append(
            Span(None, later[0] if later else span.last, span.last, span.hash, span.state)
        )
    return pieces


def _coalesce(spans: list[Span]) -> list[Span]:
    """Join neighbouring intervals with equal state, keeping the earlier row id."""
    joined: list[Span] = []
    for span in spans:
        if joined and joined[-1].hash == span.hash:
            head = joined[-1]
            keep_id = head.id if head.id is not None else span.id
            joined[-1] = replace(head, id=keep_id, last=span.last)
        else:
            joined.append(span)
    return joined


@dataclass
class SpanChanges:
    """What the writer must do to the database to go from the old intervals to the new."""

    inserts: list[Span]
    moves: list[Span]  # existing rows whose days changed, state unchanged
    rewrites: list[Span]  # existing rows whose state changed (same-day correction)
    deletes: list[int]


def diff(old: Sequence[Span], new: Sequence[Span]) -> SpanChanges:
    """Compare the stored intervals with the placed ones."""
    changes = SpanChanges([], [], [], [])
    old_by_id = {s.id: s for s in old if s.id is not None}
    kept: set[int] = set()
    for span in new:
        if span.id is None:
            changes.inserts.append(span)
            continue
        kept.add(span.id)
        before = old_by_id[span.id]
        if before.hash != span.hash:
            changes.rewrites.append(span)
        elif (before.first, before.last) != (span.first, span.last):
            changes.moves.append(span)
    changes.deletes.extend(i for i in old_by_id if i not in kept)
    return changes
