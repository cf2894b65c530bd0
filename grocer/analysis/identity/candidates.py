"""Blocking for identity: which product pairs are compared at all.

One product is one pack, but retailers write its size differently: Coles "192g 6pk" (the
pack's total) where IGA shows "ea", Coles "14g 56g 4pk" where another shows "56g".  Two
products are compared when they share a g or ml amount (any amount a size text names, or a
pack's count times its amount), or when one names no amount and both have the same identity
brand.  Within a block each product meets its nearest names (embedding cosine) at other
retailers; products sharing a retailer are duplicates, not links, and two products whose
barcodes are both known are different products (equal barcodes would have merged them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from grocer.normalize.sizes import pack_content, parse_size

# Nearest names kept per product and block, and the cosine below which a pair is not compared.
PER_PRODUCT = 5
COSINE_FLOOR = 0.3
_ROWS_PER_CHUNK = 1024


def amounts(sizes: str) -> frozenset[str]:
    """The g and ml amounts a canonical size text names, with its pack content.

    >>> sorted(amounts("192g 6pk")), sorted(amounts("14g 56g 4pk")), amounts("ea")
    (['g:1152', 'g:192'], ['g:14', 'g:56'], frozenset())
    """
    found = set()
    for text in sizes.split():
        size = parse_size(text)
        if size is not None and size.value is not None and size.unit in ("g", "ml"):
            found.add(f"{size.unit}:{float(size.value):g}")
    content = pack_content(sizes)
    if content is not None:
        found.add(f"{content[0]}:{content[1]:g}")
    return frozenset(found)


def company_masks(companies: Sequence[frozenset[int]]) -> np.ndarray:
    """Each product's companies as a bit mask (company id ``c`` is bit ``c``)."""
    return np.array([sum(1 << c for c in cs) for cs in companies], dtype=np.int64)


def blocks_of(sizes: Sequence[str], brands: Sequence[str]) -> list[tuple[np.ndarray, bool]]:
    """The blocks (product indices) and whether each is a brand block (whose pairs must
    leave an amount unknown on one side)."""
    by_key: dict[str, list[int]] = defaultdict(list)
    for index, (size, brand) in enumerate(zip(sizes, brands, strict=True)):
        for key in amounts(size):
            by_key[key].append(index)
        if brand:
            by_key[f"brand:{brand}"].append(index)
    return [
        (np.array(members, dtype=np.int64), key.startswith("brand:"))
        for key, members in sorted(by_key.items())
        if len(members) > 1
    ]


def candidate_pairs(
    sizes: Sequence[str],
    brands: Sequence[str],
    masks: np.ndarray,
    has_barcode: np.ndarray,
    vectors: np.ndarray,
    *,
    per_product: int = PER_PRODUCT,
    floor: float = COSINE_FLOOR,
) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs ``(i, j)``, ``i < j``, to score: per block and product, the ``per_product``
    nearest names at other retailers with a cosine of at least ``floor``."""
    unsized = np.array([not amounts(s) for s in sizes], dtype=bool)
    found_i: list[np.ndarray] = []
    found_j: list[np.ndarray] = []
    for block, by_brand in blocks_of(sizes, brands):
        for start in range(0, len(block), _ROWS_PER_CHUNK):
            rows = block[start : start + _ROWS_PER_CHUNK]
            similar = vectors[rows] @ vectors[block].T
            barred = (masks[rows, None] & masks[None, block]) != 0
            barred |= has_barcode[rows, None] & has_barcode[None, block]
            if by_brand:
                barred |= ~(unsized[rows, None] | unsized[None, block])
            similar[barred | (similar < floor)] = -np.inf
            keep = min(per_product, len(block))
            top = np.argpartition(-similar, keep - 1, axis=1)[:, :keep]
            picked = np.take_along_axis(similar, top, axis=1)
            row_at, col_at = np.nonzero(np.isfinite(picked))
            found_i.append(rows[row_at])
            found_j.append(block[top[row_at, col_at]])
    if not found_i:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    i, j = np.concatenate(found_i), np.concatenate(found_j)
    codes = np.unique(np.minimum(i, j) * len(sizes) + np.maximum(i, j))
    return codes // len(sizes), codes % len(sizes)
