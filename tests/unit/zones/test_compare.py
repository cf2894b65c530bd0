"""The comparer: thresholds, price periods, currency, and the vectorised form agreeing."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from grocer.analysis.zones.compare import (
    MATCH,
    MISMATCH,
    MatchRules,
    Outcome,
    PriceMap,
    compare_one_to_many,
    compare_price_maps,
)
from grocer.analysis.zones.periods import PriceWeeks, parse_week_starts

FRI = date(2025, 9, 19)
TUE, WED = date(2025, 9, 23), date(2025, 9, 24)


def prices(n: int, *, differ: int = 0, start: int = 0) -> dict[int, str]:
    """``n`` listings from ``start``; the first ``differ`` of them have another price."""
    return {i: ("other" if i - start < differ else f"p{i}") for i in range(start, start + n)}


def outcome(
    a: dict[int, str],
    b: dict[int, str],
    day_a: date = FRI,
    day_b: date = FRI,
    as_of: date = FRI,
    **kwargs: object,
) -> Outcome:
    return compare_price_maps(
        PriceMap(1, "aldi", day_a, a), PriceMap(2, "aldi", day_b, b), as_of=as_of, **kwargs
    ).outcome


def test_thresholds() -> None:
    base = prices(2490)
    # 0.5% of 2,490 common listings is 12.45: 12 differing match, 13 do not
    assert outcome(base, prices(2490, differ=12)) == Outcome.MATCH
    assert outcome(base, prices(2490, differ=13)) == Outcome.MISMATCH
    # Aldi NSW against QLD: 32 of ~2,490 (1.3%) differ
    assert outcome(base, prices(2490, differ=32)) == Outcome.MISMATCH
    # a one-off markdown at one store: 1 of 2,490 (0.04%)
    assert outcome(base, prices(2490, differ=1)) == Outcome.MATCH
    # 199 listings in common is too few, even if all are equal ...
    assert outcome(prices(199), prices(199)) == Outcome.INCONCLUSIVE
    assert outcome(prices(200), prices(200)) == Outcome.MATCH
    # ... and so is less than half the smaller range (300 of 700)
    assert outcome(prices(700), prices(700, start=400)) == Outcome.INCONCLUSIVE
    assert outcome(prices(700), prices(700, start=350)) == Outcome.MATCH
    # the rules are configurable
    assert outcome(base, prices(2490, differ=32), rules=MatchRules(0.02)) == Outcome.MATCH


def test_periods_and_currency() -> None:
    same = prices(500)
    # Tuesday and Wednesday are different Aldi price weeks: inconclusive, whatever the prices
    assert outcome(same, same, TUE, WED, as_of=WED) == Outcome.INCONCLUSIVE
    assert outcome(same, prices(500, differ=100), TUE, WED, as_of=WED) == Outcome.INCONCLUSIVE
    # Saturday and the next Tuesday are one week
    sat = date(2025, 9, 20)
    assert outcome(same, same, sat, TUE, as_of=TUE) == Outcome.MATCH
    # an observation older than 3 days is not current
    assert outcome(same, same, FRI, TUE, as_of=TUE) == Outcome.INCONCLUSIVE
    # a company whose week starts on Tuesday splits Friday from Tuesday instead
    weeks = PriceWeeks(by_company=parse_week_starts("aldi=tue"))
    assert outcome(same, same, sat, TUE, as_of=TUE, weeks=weeks) == Outcome.INCONCLUSIVE
    assert outcome(same, same, TUE, WED, as_of=WED, weeks=weeks) == Outcome.MATCH
    with pytest.raises(ValueError, match="different companies"):
        compare_price_maps(PriceMap(1, "aldi", FRI, same), PriceMap(2, "iga", FRI, same), as_of=FRI)


def test_price_weeks() -> None:
    weeks = PriceWeeks()
    assert weeks.start("aldi", TUE) == date(2025, 9, 17)
    assert weeks.start("aldi", WED) == WED
    assert weeks.index("aldi", FRI) == weeks.index("aldi", TUE) != weeks.index("aldi", WED)
    assert parse_week_starts("coles=wed, iga=3") == {"coles": 2, "iga": 3}


def test_vectorised_comparer_agrees_with_the_pure_one() -> None:
    rng = np.random.default_rng(7)
    listings = 1000
    zone = rng.integers(1, 50, size=listings).astype(np.uint64)
    rows = []
    for number in range(40):
        row = zone.copy()
        kind = rng.integers(0, 4) if number else 0
        if kind == 1:  # a few own prices: still a match
            row[rng.choice(listings, 3, replace=False)] += np.uint64(100)
        elif kind == 2:  # another zone: 3% differ
            row[rng.choice(listings, 30, replace=False)] += np.uint64(100)
        elif kind == 3:  # a small range
            row[rng.choice(listings, listings - 150, replace=False)] = 0
        drop = rng.choice(listings, rng.integers(0, 200) if number else 50, replace=False)
        row[drop] = 0
        rows.append(row)
    codes = np.array(rows)
    sizes = (codes != 0).sum(axis=1)
    rules = MatchRules()
    maps = [{j: str(v) for j, v in enumerate(r) if v} for r in rows]
    candidates = np.arange(1, len(rows))
    for sample in (None, np.arange(0, listings, 4)):
        result = compare_one_to_many(codes, sizes, 0, candidates, rules, sample=sample)
        for j, code in zip(candidates, result.outcomes, strict=True):
            expected = outcome(maps[0], maps[j])
            if result.pruned[j - 1]:
                assert expected != Outcome.MATCH  # pruning only rules out non-matches
                assert code == MISMATCH
            else:
                assert {MATCH: Outcome.MATCH, MISMATCH: Outcome.MISMATCH}.get(
                    int(code), Outcome.INCONCLUSIVE
                ) == expected
    assert result.pruned.any() and not result.pruned.all()
    outcomes = set(compare_one_to_many(codes, sizes, 0, candidates, rules).outcomes.tolist())
    assert outcomes == {0, 1, 2}  # the data exercises every outcome
