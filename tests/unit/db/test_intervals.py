from __future__ import annotations

import random
from datetime import date, timedelta
from itertools import permutations

import pytest

from grocer.db.intervals import Span, diff, place

D0 = date(2025, 9, 1)


def day(n: int) -> date:
    return D0 + timedelta(days=n)


def runs(observations: list[tuple[date, str]]) -> list[tuple[date, date, str]]:
    """The expected intervals: maximal runs of equal hash over the observations in date order."""
    out: list[tuple[date, date, str]] = []
    for when, h in sorted(observations):
        if out and out[-1][2] == h:
            out[-1] = (out[-1][0], when, h)
        else:
            out.append((when, when, h))
    return out


def replay(observations: list[tuple[date, str]]) -> list[tuple[date, date, str]]:
    spans: list[Span] = []
    seen: list[date] = []
    next_id = 1
    for when, h in observations:
        seen = sorted({*seen, when})
        spans = place(spans, when, h, None, seen)
        numbered = []
        for s in spans:  # the writer gives inserted rows ids
            if s.id is None:
                s = Span(next_id, s.first, s.last, s.hash)
                next_id += 1
            numbered.append(s)
        spans = numbered
    return [(s.first, s.last, s.hash) for s in sorted(spans, key=lambda s: s.first)]


def test_unchanged_price_extends_one_interval() -> None:
    assert replay([(day(0), "a"), (day(3), "a"), (day(14), "a")]) == [(day(0), day(14), "a")]


def test_changed_price_opens_a_new_interval() -> None:
    assert replay([(day(0), "a"), (day(3), "b"), (day(14), "b")]) == [
        (day(0), day(0), "a"),
        (day(3), day(14), "b"),
    ]


def test_late_observation_inside_an_interval_splits_it() -> None:
    # observed a on days 0 and 14, then learns day 7 had b
    assert replay([(day(0), "a"), (day(14), "a"), (day(7), "b")]) == [
        (day(0), day(0), "a"),
        (day(7), day(7), "b"),
        (day(14), day(14), "a"),
    ]


def test_reobserving_changes_nothing() -> None:
    spans = [Span(1, day(0), day(5), "a"), Span(2, day(6), day(9), "b")]
    for when, h in ((day(0), "a"), (day(5), "a"), (day(9), "b")):
        assert (
            diff(spans, place(spans, when, h, None, [day(0), day(5), day(6), day(9)])).deletes == []
        )
        assert place(spans, when, h, None, [day(0), day(5), day(6), day(9)]) == spans


@pytest.mark.parametrize("seed", range(40))
def test_any_arrival_order_gives_the_same_intervals(seed: int) -> None:
    rng = random.Random(seed)
    days = sorted(rng.sample(range(60), rng.randint(2, 6)))
    observations = [(day(d), rng.choice("aab")) for d in days]
    expected = runs(observations)
    for order in permutations(observations):
        assert replay(list(order)) == expected


def test_diff_reports_inserts_moves_rewrites_and_deletes() -> None:
    old = [Span(1, day(0), day(3), "a"), Span(2, day(5), day(5), "b")]
    new = [Span(1, day(0), day(5), "a"), Span(None, day(9), day(9), "c")]
    changes = diff(old, new)
    assert [s.id for s in changes.moves] == [1]
    assert changes.deletes == [2]
    assert [s.first for s in changes.inserts] == [day(9)]
    assert changes.rewrites == []
