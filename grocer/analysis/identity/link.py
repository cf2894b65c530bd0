"""Same-product links of a product frame: candidates -> features -> scores -> assignment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from grocer.analysis.identity.assign import contested, one_to_one
from grocer.analysis.identity.brands import identity_brand, with_aliases
from grocer.analysis.identity.candidates import candidate_pairs, company_masks
from grocer.analysis.identity.features import PairContext, pair_features
from grocer.analysis.identity.model import IdentityModel, probability
from grocer.analysis.identity.prices import PriceEvidence
from grocer.analysis.substitutions.frame import ProductFrame

# A link needs this lead in log-odds over a free rival (:func:`~.assign.contested`).
AMBIGUITY_MARGIN = 1.0


@dataclass(frozen=True)
class Candidates:
    """Candidate pairs (frame indices ``i < j``) and their features."""

    i: np.ndarray
    j: np.ndarray
    features: np.ndarray


@dataclass(frozen=True)
class LinkRow:
    """One row of ``product_links``."""

    product_a: int
    product_b: int
    score: float
    evidence: str


def identity_brands(frame: ProductFrame, aliases: Mapping[str, str]) -> list[str]:
    """Each product's identity brand (its shown brand resolved, then aliased)."""
    shown = frame.brand_names or frame.brand_keys
    return [with_aliases(identity_brand(b), aliases) for b in shown]


def candidates(
    frame: ProductFrame,
    vectors: np.ndarray,
    prices: PriceEvidence,
    kinds: Mapping[tuple[int, int], str],
    aliases: Mapping[str, str],
) -> Candidates:
    """Every candidate pair of ``frame`` with its features (brands under ``aliases``;
    ``prices``: :func:`~grocer.analysis.identity.prices.price_evidence`)."""
    masks = company_masks(frame.companies)
    has_barcode = np.array([b is not None for b in frame.barcodes], dtype=bool)
    brands = identity_brands(frame, aliases)
    i, j = candidate_pairs(frame.sizes, brands, masks, has_barcode, vectors)
    context = PairContext.of(frame, brands, kinds)
    return Candidates(i, j, pair_features(context, vectors, prices, i, j))


def linked_rows(
    frame: ProductFrame, found: Candidates, model: IdentityModel, threshold: float | None = None
) -> np.ndarray:
    """The candidate rows judged one: scored at least ``threshold`` (the model's own when
    None), one per product and retailer pair, clear of a free rival
    (:func:`~.assign.contested`)."""
    floor = model.threshold if threshold is None else threshold
    return rows_over(frame, found, model.logits(found.features), floor)


def rows_over(
    frame: ProductFrame, found: Candidates, logits: np.ndarray, threshold: float
) -> np.ndarray:
    """The candidate rows :func:`linked_rows` takes, given every row's log-odds."""
    scores = probability(logits)
    masks = company_masks(frame.companies)
    above = np.nonzero(scores >= threshold)[0]
    companies = sorted({c for cs in frame.companies for c in cs})
    chosen = above[one_to_one(found.i[above], found.j[above], scores[above], masks, companies)]
    free = contested(found.i, found.j, logits, masks, AMBIGUITY_MARGIN, chosen)
    return chosen[~free]


def near_pairs(
    frame: ProductFrame,
    found: Candidates,
    model: IdentityModel,
    linked: np.ndarray,
    floor: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Product id pairs (and their scores) scored at least ``floor`` but not among the
    ``linked`` rows: probably one product, not surely."""
    scores = model.scores(found.features)
    near = scores >= floor
    near[linked] = False
    rows = np.nonzero(near)[0]
    return frame.ids[found.i[rows]], frame.ids[found.j[rows]], scores[rows]


def link_rows(
    frame: ProductFrame, found: Candidates, model: IdentityModel, linked: np.ndarray
) -> list[LinkRow]:
    """The ``linked`` candidate rows (:func:`linked_rows`) as ``product_links`` rows."""
    scores = model.scores(found.features)
    rows = []
    for k in linked.tolist():
        a, b = int(frame.ids[found.i[k]]), int(frame.ids[found.j[k]])
        evidence = model.evidence(found.features[k])
        rows.append(LinkRow(min(a, b), max(a, b), float(scores[k]), evidence))
    return sorted(rows, key=lambda r: (r.product_a, r.product_b))


def find_links(
    frame: ProductFrame,
    vectors: np.ndarray,
    prices: PriceEvidence,
    kinds: Mapping[tuple[int, int], str],
    model: IdentityModel,
    threshold: float | None = None,
    near_score: float | None = None,
) -> tuple[list[LinkRow], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The product pairs of ``frame`` judged one (:func:`linked_rows`), and those scored at
    least ``near_score`` but not linked (:func:`near_pairs`; none when None)."""
    found = candidates(frame, vectors, prices, kinds, model.aliases)
    linked = linked_rows(frame, found, model, threshold)
    floor = np.inf if near_score is None else near_score
    return link_rows(frame, found, model, linked), near_pairs(frame, found, model, linked, floor)
