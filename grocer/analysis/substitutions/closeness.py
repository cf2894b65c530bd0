"""How close two products' sizes are: what orders a product's substitutes within a level.

A shopper swapping a product looks first at the same size, then at the nearest: a 2 L milk's
substitutes list the other 2 L milks before the 1 L and 3 L ones.  The distance of two sizes
is ``|ln(a / b)|`` of their pack contents (:func:`grocer.normalize.sizes.pack_content`): 0 for
the same content, ln 2 for double or half; infinite when either has no g or ml content or
their units differ (a size that cannot be compared goes after every one that can).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from grocer.normalize.sizes import pack_content


def size_distance(a: str, b: str) -> float:
    """The distance of two canonical size texts (``Product.sizes``).

    >>> size_distance("2000ml", "2000ml"), round(size_distance("2000ml", "1000ml"), 3)
    (0.0, 0.693)
    >>> size_distance("500g", "ea"), size_distance("", "")
    (inf, inf)
    """
    if a and a == b:
        return 0.0
    first, second = pack_content(a), pack_content(b)
    if first is None or second is None or first[0] != second[0]:
        return math.inf
    return abs(math.log(first[1] / second[1]))


def pair_size_distances(
    ids: np.ndarray, sizes: Sequence[str]
) -> Callable[[np.ndarray], np.ndarray]:
    """For products ``ids`` (sorted) and their sizes, a function giving the
    :func:`size_distance` of each record's ``(product_a, product_b)``, vectorised."""
    contents = [pack_content(s) for s in sizes]
    units = np.array([c[0] if c else "" for c in contents])
    amounts = np.array([c[1] if c else np.nan for c in contents], dtype=np.float64)
    texts = np.array(list(sizes), dtype=object)

    def distances(records: np.ndarray) -> np.ndarray:
        a = np.searchsorted(ids, records["product_a"])
        b = np.searchsorted(ids, records["product_b"])
        comparable = (units[a] == units[b]) & (units[a] != "")
        out = np.full(len(records), np.inf)
        out[comparable] = np.abs(np.log(amounts[a][comparable] / amounts[b][comparable]))
        out[(texts[a] == texts[b]) & (texts[a] != "")] = 0.0
        return out

    return distances
