"""One link per product and retailer pair: an assignment, not the greedy best of each side.

For every pair of retailers, the scored pairs between products of one and products of the
other form a bipartite graph; each connected part gets the assignment of largest total score
(:func:`scipy.optimize.linear_sum_assignment`).  A pair spanning several retailer pairs (a
product already listed at two retailers) is kept only when every one of them chose it.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def one_to_one(
    i: np.ndarray, j: np.ndarray, scores: np.ndarray, masks: np.ndarray, companies: list[int]
) -> np.ndarray:
    """Which of the pairs ``(i[k], j[k])`` (products' company bit ``masks``) to keep.

    >>> masks = np.array([1 << 1, 1 << 4, 1 << 4])  # a Coles product, two IGA products
    >>> one_to_one(np.array([0, 0]), np.array([1, 2]), np.array([0.9, 0.95]), masks, [1, 4])
    array([False,  True])
    """
    keep = np.ones(len(i), dtype=bool)
    if not len(i):
        return keep
    for x, y in combinations(sorted(companies), 2):
        bx, by = 1 << x, 1 << y
        forward = ((masks[i] & bx) != 0) & ((masks[j] & by) != 0)
        backward = ((masks[i] & by) != 0) & ((masks[j] & bx) != 0)
        edges = np.nonzero(forward | backward)[0]
        if not len(edges):
            continue
        left = np.where(forward[edges], i[edges], j[edges])
        right = np.where(forward[edges], j[edges], i[edges])
        keep[edges] &= _assigned(left, right, scores[edges])
    return keep


def _assigned(left: np.ndarray, right: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Per edge, whether the best assignment of its connected part takes it."""
    lefts, left_at = np.unique(left, return_inverse=True)
    rights, right_at = np.unique(right, return_inverse=True)
    n_left = len(lefts)
    nodes = n_left + len(rights)
    graph = coo_matrix((np.ones(len(left)), (left_at, n_left + right_at)), shape=(nodes, nodes))
    _, part = connected_components(graph, directed=False)
    chosen = np.zeros(len(left), dtype=bool)
    edge_part = part[left_at]
    for component in np.unique(edge_part):
        edges = np.nonzero(edge_part == component)[0]
        if len(edges) == 1:
            chosen[edges] = True
            continue
        rows, row_at = np.unique(left_at[edges], return_inverse=True)
        cols, col_at = np.unique(right_at[edges], return_inverse=True)
        matrix = np.zeros((len(rows), len(cols)))
        matrix[row_at, col_at] = scores[edges]
        taken_rows, taken_cols = linear_sum_assignment(matrix, maximize=True)
        taken = set(zip(taken_rows.tolist(), taken_cols.tolist(), strict=True))
        chosen[edges] = [
            (r, c) in taken for r, c in zip(row_at.tolist(), col_at.tolist(), strict=True)
        ]
    return chosen


def ambiguous(
    i: np.ndarray, j: np.ndarray, logits: np.ndarray, masks: np.ndarray, margin: float
) -> np.ndarray:
    """Pairs whose product has another candidate at the same retailer(s) scored within
    ``margin`` (log-odds) of it, or above it: a coin toss between two packs is no link.

    >>> masks = np.array([1 << 4, 1 << 1, 1 << 1])  # an IGA product, two Coles products
    >>> ambiguous(np.array([0, 0]), np.array([1, 2]), np.array([4.0, 3.9]), masks, 1.0)
    array([ True,  True])
    >>> ambiguous(np.array([0, 0]), np.array([1, 2]), np.array([4.0, 1.0]), masks, 1.0)
    array([False,  True])
    """
    top: dict[tuple[int, int], list[float]] = {}
    ends = list(zip(i.tolist(), j.tolist(), strict=True))
    values = logits.tolist()
    for (a, b), value in zip(ends, values, strict=True):
        for key in ((a, int(masks[b])), (b, int(masks[a]))):
            best = top.setdefault(key, [])
            best.append(value)
            best.sort(reverse=True)
            del best[2:]
    out = np.zeros(len(i), dtype=bool)
    for k, ((a, b), value) in enumerate(zip(ends, values, strict=True)):
        for key in ((a, int(masks[b])), (b, int(masks[a]))):
            best = top[key]
            if len(best) < 2:
                continue
            rival = best[1] if value >= best[0] else best[0]
            out[k] |= rival >= value - margin
    return out
