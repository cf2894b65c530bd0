"""Scoring: a pair keeps its lowest level, then its highest score; at most N per product.

Both steps work on record batches (numpy arrays of ``RECORD_DTYPE``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

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


def cap_per_product(
    records: np.ndarray, max_per_level: int, distances: np.ndarray | None = None
) -> np.ndarray:
    """Keep, level by level, the pairs closest in size (``distances``, one per record: see
    :mod:`~grocer.analysis.substitutions.closeness`), then best scored, while both products
    have fewer than ``max_per_level`` substitutes at that level: a closer size is never
    dropped for a higher score.

    Equal scores keep the input order: generators list their best evidence first (level 2
    scores every pair 0.95 but emits pairs by descending ``token_set_ratio``).

    The result is ordered by level, then distance, then score descending.

    >>> from grocer.analysis.substitutions.frame import make_records
    >>> found = make_records(np.array([1, 1]), np.array([2, 3]), 3, np.array([0.9, 0.8]))
    >>> cap_per_product(found, 1, distances=np.array([0.7, 0.0])).tolist()
    [(1, 3, 3, 0.8)]
    """
    if not len(records) or max_per_level <= 0:
        return empty_records()
    if distances is None:
        distances = np.zeros(len(records))
    ids = np.unique(np.concatenate([records["product_a"], records["product_b"]]))
    order = np.lexsort((-records["score"], distances, records["level"]))  # stable
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


def score_pairs(
    batches: Iterable[np.ndarray],
    max_per_level: int,
    distance_of: Callable[[np.ndarray], np.ndarray] | None = None,
) -> np.ndarray:
    """All generators' records reduced to the final substitutions; ``distance_of`` gives
    each record's size distance (none: every size equally close)."""
    parts = [b for b in batches if len(b)]
    if not parts:
        return empty_records()
    merged = np.concatenate(parts).astype(RECORD_DTYPE, copy=False)
    best = best_per_pair(merged)
    return cap_per_product(best, max_per_level, None if distance_of is None else distance_of(best))


def without_pairs(records: np.ndarray, known: np.ndarray) -> np.ndarray:
    """``records`` whose ``(product_a, product_b)`` is in no record of ``known``.

    >>> from grocer.analysis.substitutions.frame import make_records
    >>> found = make_records(np.array([1, 1]), np.array([2, 3]), 3, 1.0)
    >>> without_pairs(found, make_records(np.array([3]), np.array([1]), 4, 0.8)).tolist()
    [(1, 2, 3, 1.0)]
    """
    if not len(records) or not len(known):
        return records
    keys = records[["product_a", "product_b"]].tolist()
    taken = set(known[["product_a", "product_b"]].tolist())
    return records[np.array([key not in taken for key in keys], dtype=bool)]
