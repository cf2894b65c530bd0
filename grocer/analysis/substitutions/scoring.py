"""Scoring: a pair keeps its lowest level, then its highest score; at most N per product.

Both steps work on record batches (numpy arrays of ``RECORD_DTYPE``).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from grocer.analysis.substitutions.frame import RECORD_DTYPE, empty_records


def best_per_pair(records: np.ndarray) -> np.ndarray:
    """One record per ``(product_a, product_b)``: the lowest level, then the highest score.

    The kept records stay in their input order.

    >>> from grocer.analysis.substitutions.frame import make_records
    >>> found = np.concatenate([make_records(np.array([1]), np.array([2]), 3, 0.9),
    ...                         make_records(np.array([2]), np.array([1]), 1, 1.0)])
    >>> best_per_pair(found).tolist()
    [(1, 2, 1, 1.0)]
    """
    if not len(records):
        return records
    order = np.lexsort(
        (-records["score"], records["level"], records["product_b"], records["product_a"])
    )
    ordered = records[order]
    first = np.ones(len(ordered), dtype=bool)
    first[1:] = (ordered["product_a"][1:] != ordered["product_a"][:-1]) | (
        ordered["product_b"][1:] != ordered["product_b"][:-1]
    )
    return records[np.sort(order[first])]  # the generators' order, for ties


def cap_per_product(records: np.ndarray, max_per_level: int) -> np.ndarray:
    """Keep, level by level, the best-scored pairs while both products have fewer than
    ``max_per_level`` substitutes at that level.

    Equal scores keep the input order: generators list their best evidence first (level 2
    scores every pair 0.95 but emits pairs by descending ``token_set_ratio``).

    The result is ordered by level, then score descending.
    """
    if not len(records) or max_per_level <= 0:
        return empty_records()
    ids = np.unique(np.concatenate([records["product_a"], records["product_b"]]))
    order = np.lexsort((-records["score"], records["level"]))  # stable
    ordered = records[order]
    a_pos = np.searchsorted(ids, ordered["product_a"]).tolist()
    b_pos = np.searchsorted(ids, ordered["product_b"]).tolist()
    levels = ordered["level"].tolist()
    keep = np.zeros(len(ordered), dtype=bool)
    counts = [0] * len(ids)
    current = None
    for k, level in enumerate(levels):
        if level != current:
            counts = [0] * len(ids)
            current = level
        a, b = a_pos[k], b_pos[k]
        if counts[a] < max_per_level and counts[b] < max_per_level:
            counts[a] += 1
            counts[b] += 1
            keep[k] = True
    return ordered[keep]


def score_pairs(batches: Iterable[np.ndarray], max_per_level: int) -> np.ndarray:
    """All generators' records reduced to the final substitutions."""
    parts = [b for b in batches if len(b)]
    if not parts:
        return empty_records()
    merged = np.concatenate(parts).astype(RECORD_DTYPE, copy=False)
    return cap_per_product(best_per_pair(merged), max_per_level)
