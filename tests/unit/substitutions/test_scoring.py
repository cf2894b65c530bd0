"""Scoring: lowest level wins, then the highest score; at most N per product per level."""

from __future__ import annotations

import numpy as np

from grocer.analysis.substitutions.frame import make_records
from grocer.analysis.substitutions.scoring import best_per_pair, cap_per_product, score_pairs


def _rec(a: int, b: int, level: int, score: float) -> np.ndarray:
    return make_records(np.array([a]), np.array([b]), level, score)


def test_lowest_level_then_highest_score() -> None:
    found = np.concatenate(
        [
            _rec(1, 2, 3, 0.99),  # loses: level 3
            _rec(2, 1, 1, 1.0),  # wins for (1, 2)
            _rec(3, 4, 4, 0.80),  # loses: lower score
            _rec(4, 3, 4, 0.90),  # wins for (3, 4)
        ]
    )
    assert [tuple(r[:3]) for r in best_per_pair(found).tolist()] == [(1, 2, 1), (3, 4, 4)]
    assert best_per_pair(found)["score"].round(2).tolist() == [1.0, 0.9]


def test_at_most_n_per_product_per_level() -> None:
    # Product 1 has five level-3 candidates and two level-1 ones; N = 2.
    found = np.concatenate(
        [
            _rec(1, 10, 3, 0.95),
            _rec(1, 11, 3, 0.94),
            _rec(1, 12, 3, 0.93),
            _rec(1, 13, 3, 0.92),
            _rec(1, 14, 3, 0.91),
            _rec(1, 20, 1, 1.0),
            _rec(1, 21, 1, 1.0),
        ]
    )
    kept = cap_per_product(found, 2).tolist()
    assert [(a, b, lvl) for a, b, lvl, _ in kept] == [
        (1, 20, 1),
        (1, 21, 1),
        (1, 10, 3),
        (1, 11, 3),
    ]


def test_cap_counts_both_products_and_keeps_generator_order_on_ties() -> None:
    # Level 2 scores are all 0.95: the generator's order (best evidence first) decides.
    found = np.concatenate([_rec(5, 7, 2, 0.95), _rec(5, 6, 2, 0.95), _rec(6, 7, 2, 0.95)])
    kept = [(a, b) for a, b, *_ in cap_per_product(found, 1).tolist()]
    assert kept == [(5, 7)]  # (5, 6) and (6, 7) would give 5 or 7 a second substitute


def test_score_pairs_of_nothing() -> None:
    assert len(score_pairs([], 10)) == 0
