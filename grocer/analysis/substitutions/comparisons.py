"""Comparison levels (splink-style): small objects deciding which pairs of a block qualify.

Each tier of DESIGN §6 is an ordered list of levels applied to the pairs of a block:

* level 1: :class:`ExactMatchLevel` on the name form (``frame.name_form``), then
  :class:`SizesDifferLevel` (score 1.0);
* level 2: :class:`TokenSetRatioLevel` 91-99 on the name forms, then :class:`SameSizesLevel`
  (:func:`sizes_agree`) and :class:`OneWordNeedsSizesLevel` (score 0.95);
* levels 3 and 4: :class:`CosineLevel` above 0.75 (score = cosine), computed in chunks.

Pairs failing a tier fall to the else level: no substitution at this tier.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import numpy as np
from rapidfuzz import fuzz, process

from grocer.analysis.substitutions.blocking import Block
from grocer.analysis.substitutions.frame import ProductFrame, empty_records, make_records
from grocer.analysis.substitutions.settings import COSINE, DEFAULT_CHUNK_ELEMENTS
from grocer.normalize.sizes import Size, parse_size

UNKNOWN_SIZES = frozenset({"", "ea"})


class Codes:
    """Integer codes of a frame's string columns, so pair conditions are array compares."""

    def __init__(self, frame: ProductFrame) -> None:
        self.frame = frame
        self._cache: dict[str, np.ndarray] = {}

    def one_word(self) -> np.ndarray:
        """True where a product's compared name (its form) is a single word."""
        if "_one_word" not in self._cache:
            self._cache["_one_word"] = np.array(
                [" " not in f for f in self.frame.forms], dtype=bool
            )
        return self._cache["_one_word"]

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


@lru_cache(maxsize=65536)
def sizes_agree(a: str, b: str) -> bool:
    """Whether two canonical size texts can describe the same pack.

    Equal sizes agree, and so does an unknown size (sold "each" with no quantity, or no size
    at all) with any size.  "ea" adds no quantity, so it is ignored beside a quantity.  A pack
    count, or a pack count and the per-item measure it multiplies to, that only one side
    states adds detail without contradicting the other: ``360g`` agrees with ``360g 5pk``
    and with ``72g 360g 5pk``, never with ``720g``.

    >>> sizes_agree("360g", "360g 5pk"), sizes_agree("250g", "125g 250g 2pk")
    (True, True)
    >>> sizes_agree("360g", "720g 5pk"), sizes_agree("6pk", "12pk"), sizes_agree("ea", "1000ml")
    (False, False, True)
    """
    if a == b:
        return True
    left, right = _quantities(a), _quantities(b)
    if not left or not right or left == right:
        return True
    small, large = (left, right) if len(left) <= len(right) else (right, left)
    if not small < large or not any(s.unit != "pk" for s in small):
        return False
    counts = [s.value for s in large if s.unit == "pk" and s.value is not None]
    return all(
        extra.unit == "pk"
        or (
            extra.value is not None
            and any(Size(extra.value * n, extra.unit) in small for n in counts)
        )
        for extra in large - small
    )


def _quantities(sizes: str) -> frozenset[Size]:
    parsed = (parse_size(s) for s in sizes.split())
    return frozenset(s for s in parsed if s is not None and s.unit != "ea")


@dataclass(frozen=True)
class SameSizesLevel:
    """The canonical sizes agree (:func:`sizes_agree`): equal, or one side unknown, or one
    side only adding a pack count (and the per-item measure it multiplies to)."""

    def mask(self, codes: Codes, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        values = codes["sizes"]
        unknown = codes.unknown_sizes()
        out = (values[i] == values[j]) | unknown[i] | unknown[j]
        sizes = codes.frame.sizes
        for k in np.nonzero(~out)[0].tolist():
            out[k] = sizes_agree(sizes[i[k]], sizes[j[k]])
        return out


@dataclass(frozen=True)
class OneWordNeedsSizesLevel:
    """A one-word name is little evidence: inside a longer name ("lemons" in "lemon juice",
    ``token_set_ratio`` 100) it says nothing about the rest.  A pair with a one-word name
    is kept only when both sizes are known (so they can agree on a quantity)."""

    def mask(self, codes: Codes, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        one_word = codes.one_word()
        unknown = codes.unknown_sizes()
        return ~(one_word[i] | one_word[j]) | ~(unknown[i] | unknown[j])


@dataclass(frozen=True)
class TokenSetRatioLevel:
    """rapidfuzz ``token_set_ratio`` of the name forms within ``[low, high]``.

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
        texts = [frame.forms[k] for k in members]
        bases = frame.bases
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
                # Equal names score 100 and are the only 100s that stay out; names equal
                # only in form ("nut bars" / "nut bar") are near names, not equal ones.
                differ = [
                    bases[members[x]] != bases[members[y]]
                    for x, y in zip(r.tolist(), c.tolist(), strict=True)
                ]
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
        forms = frame.forms
        plain = [
            fuzz.ratio(forms[x], forms[y]) for x, y in zip(i.tolist(), j.tolist(), strict=True)
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

    threshold: float = COSINE

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

LEVEL_1 = (ExactMatchLevel("forms"), SizesDifferLevel())
LEVEL_2 = (TokenSetRatioLevel(91, 99), SameSizesLevel(), OneWordNeedsSizesLevel())
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
    ratio, *conditions = LEVEL_2
    i, j = ratio.pairs(frame, block)
    if not len(i):
        return empty_records()
    keep = np.ones(len(i), dtype=bool)
    for condition in conditions:
        keep &= condition.mask(codes, i, j)
    return make_records(frame.ids[i[keep]], frame.ids[j[keep]], 2, LEVEL_2_SCORE)


def compare_cosine(
    frame: ProductFrame,
    vectors: np.ndarray,
    block: Block,
    *,
    level: int,
    top_n: int,
    threshold: float = COSINE,
    chunk_elements: int | None = DEFAULT_CHUNK_ELEMENTS,
) -> np.ndarray:
    """Level-3/4 records of a category block: cosine above ``threshold``."""
    i, j, s = CosineLevel(threshold).pairs(
        vectors, block, top_n=top_n, chunk_elements=chunk_elements
    )
    return make_records(frame.ids[i], frame.ids[j], level, s)
