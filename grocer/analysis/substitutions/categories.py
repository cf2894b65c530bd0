"""Category links: which categories hold substitutable products (MATCH, CLOSE, DISTANT).

* MATCH: categories of different retailers whose names mean the same.  The name similarity is
  the best cosine of leaf against leaf, or of a leaf against the other's parent node ("Milk"
  at Aldi holds what Coles files under "Milk > Full Cream Milk"); the full paths must agree
  too (cosine > ``context_cosine``), so "Pets > Fish" never matches "Deli > Deli Seafood >
  Fish", while IGA's "Grocery > Pantry > Confectionary > Chocolate Bars" still matches Coles'
  "Chips, Chocolates & Snacks > Chocolates > Chocolate Bars".
* CLOSE / DISTANT: product-set Jaccard >= 0.80 / >= 0.60 between categories of two
  retailers.  A category's product set is the products listed in it.  Across two retailers a
  product is shared when it is the same product (one id: barcode or matching-key identity),
  or the two are level 1/2 substitutes (same brand, same or near name), or each other's
  nearest name embedding at the other retailer with cosine >= ``identity_cosine``.
  Assortments differ, so the sets are compared on what the two retailers both sell: a
  product with no counterpart at the other retailer is in neither set.  At least
  ``min_shared`` shared products are required.

A pair linked both ways keeps MATCH.  Links are ordered ``category_a < category_b``.  The
thresholds are fields of :class:`~grocer.analysis.substitutions.settings.SubstitutionSettings`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import combinations
from typing import Literal

import numpy as np

from grocer.analysis.substitutions.embeddings import Encoder
from grocer.analysis.substitutions.frame import CategoryInfo, ProductFrame
from grocer.analysis.substitutions.settings import (
    CLOSE_JACCARD,
    CONTEXT_COSINE,
    DEFAULT_CHUNK_ELEMENTS,
    DISTANT_JACCARD,
    IDENTITY_COSINE,
    MATCH_COSINE,
    MIN_SHARED,
    SubstitutionSettings,
)

LinkKind = Literal["MATCH", "CLOSE", "DISTANT"]


@dataclass(frozen=True)
class LinkRecord:
    """One row of ``category_links``."""

    category_a: int
    category_b: int
    kind: LinkKind
    score: float


def match_links(
    categories: Mapping[int, CategoryInfo],
    encoder: Encoder,
    *,
    threshold: float = MATCH_COSINE,
    context: float = CONTEXT_COSINE,
    parents_match: bool = False,
) -> dict[tuple[int, int], LinkRecord]:
    """MATCH links between categories of different retailers.

    Args:
        categories: every category by id.
        encoder: the run's encoder (names and paths are encoded in one batch).
        threshold: cosine the names must exceed.
        context: cosine the full paths must exceed.
        parents_match: also match two leaves under same-named parents (not roots).

    Returns:
        ``{(category_a, category_b): LinkRecord}`` with ``category_a < category_b``.
    """
    cats = sorted(categories.values(), key=lambda c: c.id)
    if len(cats) < 2:
        return {}
    texts = sorted(
        {c.name for c in cats} | {c.parent for c in cats if c.parent} | {c.path for c in cats}
    )
    position = {t: k for k, t in enumerate(texts)}
    vectors = encoder.encode(texts)
    leaf = vectors[[position[c.name] for c in cats]]
    path = vectors[[position[c.path] for c in cats]]
    has_parent = np.array([c.parent is not None for c in cats])
    parent = np.where(
        has_parent[:, None], vectors[[position[c.parent or c.name] for c in cats]], 0.0
    ).astype(np.float32)
    names = leaf @ leaf.T
    names = np.maximum(names, leaf @ parent.T)
    names = np.maximum(names, parent @ leaf.T)
    if parents_match:
        names = np.maximum(names, parent @ parent.T)
    paths = path @ path.T
    company = np.array([c.company_id for c in cats])
    ok = (names > threshold) & (paths > context) & (company[:, None] != company[None, :])
    ok = np.triu(ok, 1)
    links = {}
    for r, c in zip(*np.nonzero(ok), strict=True):
        a, b = cats[r].id, cats[c].id
        links[(a, b)] = LinkRecord(a, b, "MATCH", round(float(names[r, c]), 6))
    return links


@dataclass
class SharedCounts:
    """Shared products per pair of categories, and each category's comparable set size.

    ``shared[(a, b)]`` is the mean of "products of ``a`` with a counterpart in ``b``" and
    "products of ``b`` with a counterpart in ``a``"; ``size[(a, other)]`` counts the
    products of ``a`` that have a counterpart at retailer ``other`` at all.
    """

    shared: dict[tuple[int, int], float] = field(default_factory=dict)
    size: Counter[tuple[int, int]] = field(default_factory=Counter)

    def jaccard(self, a: int, b: int, company_of: Mapping[int, int]) -> float:
        """``|A∩B| / |A∪B|`` over the products the two retailers both sell."""
        n = self.shared.get((a, b), 0.0)
        union = self.size[(a, company_of[b])] + self.size[(b, company_of[a])] - n
        return n / union if union > 0 else 0.0


def shared_products(
    frame: ProductFrame,
    vectors: np.ndarray,
    *,
    identities: tuple[np.ndarray, np.ndarray] | None = None,
    identity_cosine: float = IDENTITY_COSINE,
    chunk_elements: int = DEFAULT_CHUNK_ELEMENTS,
) -> SharedCounts:
    """Find every two retailers' counterpart products and count the categories' overlaps.

    Counterparts: the same product listed by both; pairs given in ``identities`` (frame
    indices, e.g. level 1 and 2 pairs: same brand, same name or a near one); and mutual
    nearest name embeddings at the two retailers with cosine >= ``identity_cosine``.
    """
    company_of = {c.id: c.company_id for c in frame.categories.values()}
    cats_of: list[dict[int, list[int]]] = [defaultdict(list) for _ in range(len(frame))]
    for category_id, members in frame.members.items():
        for i in members.tolist():
            cats_of[i][company_of[category_id]].append(category_id)
    by_company: dict[int, list[int]] = defaultdict(list)
    for i, cats in enumerate(cats_of):
        for company_id in cats:
            by_company[company_id].append(i)
    given: list[tuple[int, int]] = []
    if identities is not None:
        given = list(zip(identities[0].tolist(), identities[1].tolist(), strict=True))
    counts = SharedCounts()
    for x, y in combinations(sorted(by_company), 2):
        both = set(by_company[x]) & set(by_company[y])
        pairs = {(i, i) for i in both}
        for i, j in given:
            if x in cats_of[i] and y in cats_of[j]:
                pairs.add((i, j))
            if y in cats_of[i] and x in cats_of[j]:
                pairs.add((j, i))
        left = np.array([i for i in by_company[x] if i not in both], dtype=np.int64)
        right = np.array([i for i in by_company[y] if i not in both], dtype=np.int64)
        if len(left) and len(right):
            pairs.update(_mutual_nearest(vectors, left, right, identity_cosine, chunk_elements))
        hits: dict[tuple[int, int], tuple[set[int], set[int]]] = defaultdict(lambda: (set(), set()))
        for i, j in pairs:
            for a in cats_of[i][x]:
                for b in cats_of[j][y]:
                    if a != b:
                        hit = hits[(a, b)]
                        hit[0].add(i)
                        hit[1].add(j)
        for i in {i for i, _ in pairs}:
            for a in cats_of[i][x]:
                counts.size[(a, y)] += 1
        for j in {j for _, j in pairs}:
            for b in cats_of[j][y]:
                counts.size[(b, x)] += 1
        for (a, b), (mine, theirs) in hits.items():
            counts.shared[(min(a, b), max(a, b))] = (len(mine) + len(theirs)) / 2
    return counts


def _mutual_nearest(
    vectors: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    threshold: float,
    chunk_elements: int,
) -> list[tuple[int, int]]:
    """Pairs (left, right) that are each other's nearest neighbour with cosine >= threshold."""
    right_vectors = vectors[right]
    best_col = np.full(len(left), -1, dtype=np.int64)
    best_col_score = np.full(len(left), -2.0, dtype=np.float32)
    best_row = np.full(len(right), -1, dtype=np.int64)
    best_row_score = np.full(len(right), -2.0, dtype=np.float32)
    rows = max(1, chunk_elements // max(len(right), 1))
    for start in range(0, len(left), rows):
        sims = vectors[left[start : start + rows]] @ right_vectors.T
        cols = sims.argmax(axis=1)
        best_col[start : start + rows] = cols
        best_col_score[start : start + rows] = sims[np.arange(len(cols)), cols]
        top = sims.argmax(axis=0)
        top_score = sims[top, np.arange(sims.shape[1])]
        better = top_score > best_row_score
        best_row[better] = top[better] + start
        best_row_score[better] = top_score[better]
    pairs = []
    for r in np.nonzero(best_col_score >= threshold)[0]:
        c = best_col[r]
        if best_row[c] == r:
            pairs.append((int(left[r]), int(right[c])))
    return pairs


def jaccard_links(
    frame: ProductFrame,
    counts: SharedCounts,
    *,
    close: float = CLOSE_JACCARD,
    distant: float = DISTANT_JACCARD,
    min_shared: int = MIN_SHARED,
) -> dict[tuple[int, int], LinkRecord]:
    """CLOSE and DISTANT links of categories sharing at least ``min_shared`` products."""
    company_of = {c.id: c.company_id for c in frame.categories.values()}
    links = {}
    for (a, b), n in sorted(counts.shared.items()):
        if n < min_shared:
            continue
        jaccard = counts.jaccard(a, b, company_of)
        if jaccard >= close:
            links[(a, b)] = LinkRecord(a, b, "CLOSE", round(jaccard, 6))
        elif jaccard >= distant:
            links[(a, b)] = LinkRecord(a, b, "DISTANT", round(jaccard, 6))
    return links


def category_links(
    frame: ProductFrame,
    vectors: np.ndarray,
    encoder: Encoder,
    *,
    settings: SubstitutionSettings | None = None,
    identities: tuple[np.ndarray, np.ndarray] | None = None,
) -> dict[tuple[int, int], LinkRecord]:
    """Every category link of the frame; a pair both matched and Jaccard-linked is MATCH.

    Args:
        frame: the products, their listings' categories and the categories.
        vectors: the products' unit name embeddings (rows as ``frame``).
        encoder: the run's encoder, for the category names.
        settings: the MATCH cosines, CLOSE / DISTANT Jaccards, ``min_shared``,
            ``identity_cosine`` and chunk size (defaults: :class:`SubstitutionSettings`).
        identities: more counterpart pairs (frame indices), e.g. the level 1 and 2 pairs.

    Returns:
        ``{(category_a, category_b): LinkRecord}``.
    """
    settings = settings or SubstitutionSettings()
    counts = shared_products(
        frame,
        vectors,
        identities=identities,
        identity_cosine=settings.identity_cosine,
        chunk_elements=settings.link_chunk_elements,
    )
    links = jaccard_links(
        frame,
        counts,
        close=settings.close_jaccard,
        distant=settings.distant_jaccard,
        min_shared=settings.min_shared,
    )
    links.update(
        match_links(
            frame.categories,
            encoder,
            threshold=settings.match_cosine,
            context=settings.context_cosine,
        )
    )
    return links
