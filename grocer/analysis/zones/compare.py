"""The comparer: do two stores charge one price list?  Pure functions of price maps.

A price map is a store's price state (``price_hash``) per listing as observed on one day.  Two
maps of one company are compared only when both days fall in the same price period and both are
current.  They match when at most ``max_differ_share`` of their common listings differ, given at
least ``min_common`` common listings and at least ``min_range_share`` of the smaller store's
range; with less overlap the comparison is inconclusive (neither merge nor ejection).

:func:`compare_price_maps` compares two maps; :func:`compare_one_to_many` makes the same
decision for one store against many, vectorised over a code matrix (numpy), so that merging
thousands of anchors never loops over listings in Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from grocer.analysis.zones.periods import PriceWeeks

Codes = npt.NDArray[np.uint64]  # stores x listings, 0 where a store does not list a listing
Ints = npt.NDArray[np.int64]


class Outcome(StrEnum):
    MATCH = "match"
    MISMATCH = "mismatch"
    INCONCLUSIVE = "inconclusive"


# Outcome codes of the vectorised comparer.
INCONCLUSIVE, MATCH, MISMATCH = 0, 1, 2
OUTCOMES = (Outcome.INCONCLUSIVE, Outcome.MATCH, Outcome.MISMATCH)


@dataclass(frozen=True)
class MatchRules:
    """When two price maps are one price list (DESIGN §6).

    Args:
        max_differ_share: the largest share of common listings whose price may differ (0.5%).
        min_common: the fewest common listings for a conclusive comparison.
        min_range_share: the smallest share of the smaller store's range that must be common.
    """

    max_differ_share: float = 0.005
    min_common: int = 200
    min_range_share: float = 0.5

    def decide(self, common: int, differ: int, size_a: int, size_b: int) -> Outcome:
        """The outcome for ``common`` shared listings of which ``differ`` differ."""
        code = decide_many(
            np.array([common]), np.array([differ]), np.array([size_a]), np.array([size_b]), self
        )[0]
        return OUTCOMES[int(code)]


@dataclass(frozen=True)
class PriceMap:
    """One store's prices as observed on one day: listing id -> price hash."""

    store_id: int
    company: str
    day: date
    prices: Mapping[int, str]


@dataclass(frozen=True)
class Comparison:
    """What comparing two price maps found."""

    outcome: Outcome
    common: int
    differ: int
    reason: str


def decide_many(
    common: Ints, differ: Ints, size_a: Ints, size_b: Ints, rules: MatchRules
) -> npt.NDArray[np.int8]:
    """Outcome codes (:data:`MATCH`, :data:`MISMATCH`, :data:`INCONCLUSIVE`) per pair."""
    smaller = np.minimum(size_a, size_b)
    enough = (common >= rules.min_common) & (common >= rules.min_range_share * smaller)
    same = differ <= rules.max_differ_share * common
    out = np.full(common.shape, INCONCLUSIVE, dtype=np.int8)
    out[enough & same] = MATCH
    out[enough & ~same] = MISMATCH
    return out


def compare_price_maps(
    a: PriceMap,
    b: PriceMap,
    *,
    as_of: date,
    rules: MatchRules | None = None,
    weeks: PriceWeeks | None = None,
    current_days: int = 3,
) -> Comparison:
    """Compare two stores' price maps.

    Args:
        a: one store's prices on its day.
        b: another store's prices on its day (same company).
        as_of: the run's date; both days must lie within ``current_days`` before it.
        rules: the match thresholds.
        weeks: the companies' price weeks.
        current_days: how old an observation may be and still count as current.

    Returns:
        The outcome, with the common and differing listing counts and a reason.

    Raises:
        ValueError: when the stores belong to different companies.

    Examples:
        >>> day = date(2025, 9, 19)
        >>> same = {i: "h" for i in range(300)}
        >>> compare_price_maps(PriceMap(1, "aldi", day, same), PriceMap(2, "aldi", day, same),
        ...                    as_of=day).outcome
        <Outcome.MATCH: 'match'>
    """
    if a.company != b.company:
        raise ValueError(f"stores {a.store_id} and {b.store_id} belong to different companies")
    rules = rules or MatchRules()
    weeks = weeks or PriceWeeks()
    oldest = as_of - timedelta(days=current_days)
    if not all(oldest <= m.day <= as_of for m in (a, b)):
        return Comparison(Outcome.INCONCLUSIVE, 0, 0, "not current")
    if not weeks.same_period(a.company, a.day, b.day):
        return Comparison(Outcome.INCONCLUSIVE, 0, 0, "different price periods")
    common_ids = a.prices.keys() & b.prices.keys()
    differ = sum(1 for i in common_ids if a.prices[i] != b.prices[i])
    outcome = rules.decide(len(common_ids), differ, len(a.prices), len(b.prices))
    reason = {
        Outcome.MATCH: "same prices",
        Outcome.MISMATCH: "prices differ",
        Outcome.INCONCLUSIVE: "too little in common",
    }[outcome]
    return Comparison(outcome, len(common_ids), differ, reason)


@dataclass(frozen=True)
class ManyResult:
    """Outcomes of one store against many; ``pruned`` pairs were ruled out on a sample."""

    outcomes: npt.NDArray[np.int8]
    common: Ints
    differ: Ints
    pruned: npt.NDArray[np.bool_]


def compare_one_to_many(
    codes: Codes,
    sizes: Ints,
    row: int,
    candidates: Ints,
    rules: MatchRules,
    *,
    sample: Ints | None = None,
) -> ManyResult:
    """Compare store ``row`` of ``codes`` with the stores ``candidates``, vectorised.

    With ``sample`` (column indexes), candidates are first compared on those columns only:
    a pair with more differences there than ``max_differ_share`` of the smaller range cannot
    match (common listings never exceed the smaller range), so it is ruled out without the
    full comparison.  That pruning is exact, never a guess; pruned pairs report no counts.

    Args:
        codes: stores x listings price-state codes, 0 where a store does not list a listing.
        sizes: listings per store (its range).
        row: the store compared.
        candidates: rows compared against it.
        rules: the match thresholds.
        sample: columns for the pruning pass.

    Returns:
        Outcome codes per candidate and the common and differing counts.
    """
    n = len(candidates)
    common = np.zeros(n, dtype=np.int64)
    differ = np.zeros(n, dtype=np.int64)
    pruned = np.zeros(n, dtype=bool)
    outcomes = np.full(n, MISMATCH, dtype=np.int8)
    if n == 0:
        return ManyResult(outcomes, common, differ, pruned)
    me = codes[row]
    live = np.arange(n)
    if sample is not None and len(sample) < codes.shape[1]:
        mine = me[sample]
        theirs = codes[np.ix_(candidates, sample)]
        both = (theirs != 0) & (mine != 0)
        sample_differ = (both & (theirs != mine)).sum(axis=1)
        limit = rules.max_differ_share * np.minimum(sizes[row], sizes[candidates])
        pruned = sample_differ > limit
        live = np.flatnonzero(~pruned)
    if len(live):
        theirs = codes[candidates[live]]
        both = (theirs != 0) & (me != 0)
        common[live] = both.sum(axis=1)
        differ[live] = (both & (theirs != me)).sum(axis=1)
        outcomes[live] = decide_many(
            common[live],
            differ[live],
            np.full(len(live), sizes[row]),
            sizes[candidates[live]],
            rules,
        )
    return ManyResult(outcomes, common, differ, pruned)
