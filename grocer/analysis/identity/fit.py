"""Fitting the identity model: labelled candidate pairs, brand aliases, logistic weights.

A candidate pair is labelled by the barcodes its products' listings carry where those are
known but hidden from linking (snapshots ingested with barcodes stripped): equal barcodes are
one product, different ones two; a pair with an unknown side teaches nothing.  Used by
``scripts/fit_identity.py`` (the committed model) and ``bench/identity.py`` (per fold).
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping

import numpy as np
from sklearn.linear_model import LogisticRegression
from sqlalchemy import Connection, select

from grocer.analysis.identity.brands import identity_brand, learn_aliases
from grocer.analysis.identity.features import FEATURES
from grocer.analysis.identity.link import Candidates, rows_over
from grocer.analysis.identity.model import IdentityModel, probability
from grocer.analysis.substitutions.frame import ProductFrame
from grocer.db.models import Company, Listing

ListingKey = tuple[str, str]  # (company slug, sku)
# The operating point: the lowest threshold at which the links made on training rows, each
# scored by a model fitted without its brand's group (of this many), reach this precision.
TARGET_PRECISION = 0.99
INNER_FOLDS = 5


def product_listings(connection: Connection) -> dict[ListingKey, int]:
    """(company slug, sku) -> product id, for every listing."""
    rows = connection.execute(
        select(Company.slug, Listing.sku, Listing.product_id).join(
            Company, Company.id == Listing.company_id
        )
    )
    return {(slug, sku): pid for slug, sku, pid in rows}


def product_codes(
    product_of: Mapping[ListingKey, int], codes: Mapping[ListingKey, str]
) -> dict[int, set[str]]:
    """Product id -> the hidden barcodes of its listings."""
    found: dict[int, set[str]] = defaultdict(set)
    for listing, code in codes.items():
        if listing in product_of:
            found[product_of[listing]].add(code)
    return found


def pair_labels(
    frame: ProductFrame, i: np.ndarray, j: np.ndarray, codes: Mapping[int, set[str]]
) -> np.ndarray:
    """Per index pair: 1 one product, 0 two, -1 unknown (a side without a hidden barcode)."""
    ids = frame.ids.tolist()
    out = np.full(len(i), -1, dtype=np.int8)
    for k, (a, b) in enumerate(zip(i.tolist(), j.tolist(), strict=True)):
        first, second = codes.get(ids[a]), codes.get(ids[b])
        if first and second:
            out[k] = 1 if first & second else 0
    return out


def alias_pairs(
    frame: ProductFrame,
    pairs: Iterable[tuple[ListingKey, ListingKey]],
    product_of: Mapping[ListingKey, int],
) -> list[tuple[str, str]]:
    """The identity brands of the two products of each barcode pair (listings of one
    barcode at two retailers) that ingest left apart."""
    index = frame.index_of()
    shown = frame.brand_names or frame.brand_keys
    out = []
    for x, y in pairs:
        a, b = product_of.get(x), product_of.get(y)
        if a is None or b is None or a == b:
            continue
        out.append((identity_brand(shown[index[a]]), identity_brand(shown[index[b]])))
    return out


def fit_weights(features: np.ndarray, labels: np.ndarray) -> tuple[dict[str, float], float]:
    """Logistic regression weights (per feature) and intercept on labelled rows."""
    known = labels >= 0
    model = LogisticRegression(C=1.0, max_iter=1000, class_weight="balanced")
    model.fit(features[known], labels[known])
    weights = {name: float(w) for name, w in zip(FEATURES, model.coef_[0], strict=True)}
    return weights, float(model.intercept_[0])


def operating_threshold(
    scores: np.ndarray, labels: np.ndarray, precision: float = TARGET_PRECISION
) -> float:
    """The lowest score threshold at which the labelled pairs scored above it reach
    ``precision`` (pairs counted as linked when at or above the threshold).

    >>> operating_threshold(np.array([0.9, 0.8, 0.7, 0.6]), np.array([1, 1, 0, 1]), 0.99)
    0.8
    """
    known = labels >= 0
    order = np.argsort(-scores[known], kind="stable")
    ranked, truth = scores[known][order], labels[known][order]
    best = 1.0
    hits = 0
    for k, (score, label) in enumerate(zip(ranked.tolist(), truth.tolist(), strict=True)):
        hits += label
        if hits / (k + 1) >= precision:
            best = score
    return float(best)


def fit_model(
    frame: ProductFrame,
    found: Candidates,
    labels: np.ndarray,
    aliases: Mapping[str, str],
    exclude: Collection[int] = (),
) -> IdentityModel:
    """The model fitted on the labelled candidate rows not in ``exclude``; its threshold is
    the operating point of the links made among those rows when each row is scored by a
    model fitted without its brand (:func:`held_out_logits`): a threshold read off scores a
    model was fitted on would trust it too far."""
    rows = np.ones(len(labels), dtype=bool)
    rows[list(exclude)] = False
    weights, intercept = fit_weights(found.features[rows], labels[rows])
    logits = held_out_logits(frame, found, labels, rows)
    linked = rows_over(frame, found, logits, threshold=0.0)
    judged = linked[rows[linked] & (labels[linked] >= 0)]
    threshold = operating_threshold(probability(logits[judged]), labels[judged])
    return IdentityModel(weights, intercept, threshold, dict(aliases))


def held_out_logits(
    frame: ProductFrame, found: Candidates, labels: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    """Every candidate row's log-odds under a model fitted on the ``rows`` of other brands
    (brand keys dealt to :data:`INNER_FOLDS` groups by CRC32)."""
    keys = frame.brand_keys
    group_of = {key: zlib.crc32(key.encode()) % INNER_FOLDS for key in set(keys)}
    groups = np.array([group_of[keys[a]] for a in found.i.tolist()], dtype=np.int64)
    logits = np.zeros(len(labels))
    for group in range(INNER_FOLDS):
        inside = groups == group
        weights, intercept = fit_weights(found.features[rows & ~inside], labels[rows & ~inside])
        logits[inside] = IdentityModel(weights, intercept, 0.0).logits(found.features[inside])
    return logits


__all__ = [
    "alias_pairs",
    "fit_model",
    "learn_aliases",
    "operating_threshold",
    "pair_labels",
    "product_codes",
    "product_listings",
]
