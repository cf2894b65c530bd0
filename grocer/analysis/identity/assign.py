"""One link per product and retailer pair: an assignment, not the greedy best of each side.

For every pair of retailers, the scored pairs between products of one and products of the
other form a bipartite graph; each connected part gets the assignment of largest total score
(:func:`scipy.optimize.linear_sum_assignment`).  A pair spanning several retailer pairs (a
product already listed at two retailers) is kept only when every one of them chose it.  A
chosen pair is then dropped when one of its products has a rival close to it that no better
link has taken (:func:`contested`): a coin toss between two packs is no link.
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


def contested(
    i: np.ndarray,
    j: np.ndarray,
    logits: np.ndarray,
    masks: np.ndarray,
    margin: float,
    chosen: np.ndarray,
) -> np.ndarray:
    """Which ``chosen`` rows (indices of assigned pairs) have a free rival: another candidate
    of one of their products, at the other's retailer(s), scored within ``margin`` (log-odds)
    of them or above, whose own product is not assigned elsewhere at a higher score.  A rival
    taken by a better link is no coin toss.

    >>> masks = np.array([1 << 1, 1 << 4, 1 << 1])  # Coles a, IGA b, Coles c
    >>> i, j, logits = np.array([0, 2]), np.array([1, 1]), np.array([4.0, 3.8])
    >>> contested(i, j, logits, masks, 1.0, np.array([0])).tolist()
    [True]
    >>> masks = np.append(masks, 1 << 4)  # IGA d, linked to c more surely than b could be
    >>> i, j, logits = np.array([0, 2, 2]), np.array([1, 1, 3]), np.array([4.0, 3.8, 6.0])
    >>> contested(i, j, logits, masks, 1.0, np.array([0, 2])).tolist()
    [False, False]
    """
    taken: dict[tuple[int, int], float] = {}
    for k in chosen.tolist():
        a, b = int(i[k]), int(j[k])
        taken[(a, int(masks[b]))] = max(taken.get((a, int(masks[b])), -np.inf), logits[k])
        taken[(b, int(masks[a]))] = max(taken.get((b, int(masks[a])), -np.inf), logits[k])
    touching: dict[int, list[int]] = {}
    for k, (a, b) in enumerate(zip(i.tolist(), j.tolist(), strict=True)):
        touching.setdefault(a, []).append(k)
        touching.setdefault(b, []).append(k)
    out = np.zeros(len(chosen), dtype=bool)
    for n, k in enumerate(chosen.tolist()):
        ends = (int(i[k]), int(j[k]))
        for end, partner in (ends, ends[::-1]):
            for r in touching[end]:
                if r == k or logits[r] < logits[k] - margin:
                    continue
                rival = int(j[r]) if int(i[r]) == end else int(i[r])
                if masks[rival] != masks[partner]:
                    continue
                if taken.get((rival, int(masks[end])), -np.inf) > logits[r]:
                    continue
                out[n] = True
    return out
