"""Comparison levels (splink-style): small objects deciding which pairs of a block qualify.

Each tier of DESIGN §6 is an ordered list of levels applied to the pairs of a block:

* level 1: :class:`ExactMatchLevel` on the base name, then :class:`SizesDifferLevel` (score 1.0);
* level 2: :class:`TokenSetRatioLevel` 91-99, then :class:`SameSizesLevel` (score 0.95);
* levels 3 and 4: :class:`CosineLevel` above 0.75 (score = cosine), computed in chunks.

Pairs failing a tier fall to the else level: no substitution at this tier.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from rapidfuzz import fuzz, process

from grocer.analysis.substitutions.blocking import Block
from grocer.analysis.substitutions.frame import ProductFrame, empty_records, make_records

UNKNOWN_SIZES = frozenset({"", "ea"})
# Elements of one similarity chunk (rows x columns): 4M float32 = 16 MB.
DEFAULT_CHUNK_ELEMENTS = 4_000_000


class Codes:
    """Integer codes of a frame's string columns, so pair conditions are array compares."""

    def __init__(self, frame: ProductFrame) -> None:
        self.frame = frame
        self._cache: dict[str, np.ndarray] = {}

    def unknown_sizes(self) -> np.ndarray:
        """True where a product's sizes say no quantity ("" or only "ea")."""
        if "_unknown" not in self._cache:
            self._cache["_unknown"] = np.array(
                [s in UNKNOWN_SIZES for s in self.frame.sizes], dtype=bool
            )
        return self._cache["_unknown"]

    def __getitem__(self, column: str) -> np.ndarray:
        if column not in self._cache:
            values: Sequence[str] = getattr(self.frame, column)
            index: dict[str, int] = {}
            self._cache[column] = np.array(
                [index.setdefault(v, len(index)) for v in values], dtype=np.int64
            )
        return self._cache[column]


class PairCondition(Protocol):
    """A level that keeps some pairs of index arrays ``(i, j)``."""

    def mask(self, codes: Codes, i: np.ndarray, j: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class ExactMatchLevel:
    """Both products have the same value in ``column`` (e.g. ``bases``: name w/o size)."""

    column: str

    def mask(self, codes: Codes, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        values = codes[self.column]
        return values[i] == values[j]


@dataclass(frozen=True)
class SizesDifferLevel:
    """The canonical sizes differ (``"1000ml"`` vs ``"2000ml"``)."""

    def mask(self, codes: Codes, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        values = codes["sizes"]
        return values[i] != values[j]


@dataclass(frozen=True)
class SameSizesLevel:
    """The canonical sizes are equal; a product sold "each" with no quantity ("ea", or no
    size at all) has an unknown size, which agrees with any size."""

    def mask(self, codes: Codes, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        values = codes["sizes"]
        unknown = codes.unknown_sizes()
        return (values[i] == values[j]) | unknown[i] | unknown[j]


@dataclass(frozen=True)
class TokenSetRatioLevel:
    """rapidfuzz ``token_set_ratio`` of the base names within ``[low, high]``.

    Scores come from ``process.cdist`` over the block (rows in chunks for a large block).
    ``token_set_ratio`` is 100 whenever one name's words are a subset of the other's
    ("pink salmon" / "wild alaskan pink salmon"); only equal names are the same name, so
    a 100 between different names counts as ``high`` (``subset_as_high``).
    """

    low: int = 91
    high: int = 99
    subset_as_high: bool = True

    def pairs(
        self, frame: ProductFrame, block: Block, *, chunk_elements: int = DEFAULT_CHUNK_ELEMENTS
    ) -> tuple[np.ndarray, np.ndarray]:
        """The pairs ``(i, j)`` (frame indices) in range, highest ratio first."""
        members = block.left
        texts = [frame.bases[k] for k in members]
        m = len(texts)
        rows = max(1, chunk_elements // max(m, 1))
        found_i, found_j, found_s = [], [], []
        for start in range(0, m, rows):
            scores = process.cdist(
                texts[start : start + rows],
                texts,
                scorer=fuzz.token_set_ratio,
                score_cutoff=self.low,
                dtype=np.uint8,
            )
            in_range = scores >= self.low
            if not self.subset_as_high:
                in_range &= scores <= self.high
            r, c = np.nonzero(in_range)
            r += start
            upper = c > r
            r, c = r[upper], c[upper]
            if self.subset_as_high:
                # Equal names score 100 and are the only 100s that stay out.
                differ = [texts[x] != texts[y] for x, y in zip(r.tolist(), c.tolist(), strict=True)]
                keep = np.array(differ, dtype=bool)
                r, c = r[keep], c[keep]
            found_i.append(members[r])
            found_j.append(members[c])
            found_s.append(scores[r - start, c])
        if not found_i:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        i, j = np.concatenate(found_i), np.concatenate(found_j)
        # Best first: token_set_ratio, then the plain ratio (which separates the many 100s
        # of names that contain one another).
        bases = frame.bases
        plain = [
            fuzz.ratio(bases[x], bases[y]) for x, y in zip(i.tolist(), j.tolist(), strict=True)
        ]
        order = np.lexsort((-np.array(plain, dtype=np.float64), -np.concatenate(found_s)))
        return i[order], j[order]


@dataclass(frozen=True)
class CosineLevel:
    """Cosine similarity of name embeddings strictly above ``threshold``.

    The vectors are unit length, so cosine is a dot product.  A block is multiplied in row
    chunks of at most ``chunk_elements`` similarities; never the whole n x n matrix of a
    large block.  Each chunk keeps, per row and per column, only the ``top_n`` best pairs.
    """

    threshold: float = 0.75

    def pairs(
        self,
        vectors: np.ndarray,
        block: Block,
        *,
        top_n: int,
        chunk_elements: int | None = DEFAULT_CHUNK_ELEMENTS,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The qualifying pairs ``(i, j, cosine)`` of ``block`` (frame indices)."""
        left = block.left
        right = left if block.right is None else block.right
        right_vectors = vectors[right]
        rows = len(left) if chunk_elements is None else max(1, chunk_elements // len(right))
        out_i, out_j, out_s = [], [], []
        for start in range(0, len(left), rows):
            chunk = left[start : start + rows]
            sims = vectors[chunk] @ right_vectors.T
            same = chunk[:, None] == right[None, :]
            sims[same] = -1.0  # a product is not its own substitute
            # Symmetric block: each row's best already covers every product.
            axes = (1,) if block.right is None else (1, 0)
            for r, c in (_top(sims, top_n, axis=axis) for axis in axes):
                scores = sims[r, c]
                keep = scores > self.threshold
                out_i.append(chunk[r[keep]])
                out_j.append(right[c[keep]])
                out_s.append(scores[keep])
        if not out_i:
            return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float32)
        return np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_s)


def _top(sims: np.ndarray, n: int, *, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the ``n`` largest entries along ``axis`` (all if fewer)."""
    size = sims.shape[axis]
    if size <= n:
        r, c = np.indices(sims.shape)
        return r.ravel(), c.ravel()
    best = np.argpartition(-sims, n - 1, axis=axis)
    if axis == 1:
        c = best[:, :n]
        r = np.broadcast_to(np.arange(sims.shape[0])[:, None], c.shape)
    else:
        r = best[:n, :]
        c = np.broadcast_to(np.arange(sims.shape[1])[None, :], r.shape)
    return r.ravel(), c.ravel()


# ------------------------------------------------------------------------- the four tiers

LEVEL_1 = (ExactMatchLevel("bases"), SizesDifferLevel())
LEVEL_2 = (TokenSetRatioLevel(91, 99), SameSizesLevel())
LEVEL_1_SCORE = 1.0
LEVEL_2_SCORE = 0.95


def compare_level_1(frame: ProductFrame, codes: Codes, block: Block) -> np.ndarray:
    """Level-1 records of a ``(brand, first word)`` block: same base name, other sizes."""
    i, j = block.pair_indices()
    keep = np.ones(len(i), dtype=bool)
    for level in LEVEL_1:
        keep &= level.mask(codes, i, j)
    return make_records(frame.ids[i[keep]], frame.ids[j[keep]], 1, LEVEL_1_SCORE)


def compare_level_2(frame: ProductFrame, codes: Codes, block: Block) -> np.ndarray:
    """Level-2 records of a ``(brand, first word)`` block: similar names, same sizes."""
    ratio, same_sizes = LEVEL_2
    i, j = ratio.pairs(frame, block)
    if not len(i):
        return empty_records()
    keep = same_sizes.mask(codes, i, j)
    return make_records(frame.ids[i[keep]], frame.ids[j[keep]], 2, LEVEL_2_SCORE)


def compare_cosine(
    frame: ProductFrame,
    vectors: np.ndarray,
    block: Block,
    *,
    level: int,
    top_n: int,
    threshold: float = 0.75,
    chunk_elements: int | None = DEFAULT_CHUNK_ELEMENTS,
) -> np.ndarray:
    """Level-3/4 records of a category block: cosine above ``threshold``."""
    i, j, s = CosineLevel(threshold).pairs(
        vectors, block, top_n=top_n, chunk_elements=chunk_elements
    )
    return make_records(frame.ids[i], frame.ids[j], level, s)
