"""What a product's prices say of it: what it usually costs, and how many items its pack holds.

Retailers sell one product at prices within a few tens of percent of each other; two packs
of one line (six or twelve cartons, one tin or four) differ by their count.  A product's
regular price is the median over its listings' newest price rows (the was-price of a special,
else the price).  Its *count* is read where a retailer prices it per each: IGA sells Coles'
"Crunchie Sharepack 12 Pack" as "Each" at $7.00, "$0.58 each", so it holds 12; a unit price
rounded to the cent leaves the count an interval (``$4.60``, ``$0.05 each``: 84 to 102).  Its
*content* is the price over a price per kg or l: a size text cannot say whether Coles'
"Salmon Multipack 3 Pack 95g" holds 95 g or three tins of it; $8.50 at $29.82 per kg can.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from statistics import median

import numpy as np
from sqlalchemy import Connection, and_, func, select

from grocer.db.models import Listing, Price
from grocer.normalize.sizes import parse_size

# Beyond this |ln(ratio)| (e squared, 7.4x) the price gap counts as complete.
MAX_LOG_GAP = 2.0
HALF_CENT = 0.005  # a unit price stated in cents is this close to the exact one
# Contents within 5% agree; beyond 15% they differ (|ln| of the ratio).
CONTENT_AGREE, CONTENT_CONFLICT = 0.05, 0.15


@dataclass(frozen=True)
class PriceEvidence:
    """Per product (in frame order): its regular price and its pack's item count as an
    interval (``count_low`` to ``count_high``); NaN where unknown."""

    regular: np.ndarray
    count_low: np.ndarray
    count_high: np.ndarray
    grams: np.ndarray  # what the pack holds, in g (per-kg prices) ...
    millilitres: np.ndarray  # ... or in ml (per-l prices)


def price_evidence(connection: Connection, product_ids: np.ndarray) -> PriceEvidence:
    """The evidence of each product of ``product_ids`` (sorted) from its listings' newest
    price rows."""
    newest = (
        select(Price.listing_id, func.max(Price.last_seen).label("seen"))
        .group_by(Price.listing_id)
        .subquery()
    )
    rows = connection.execute(
        select(Listing.product_id, Price.price, Price.was_price, Price.unit_price, Price.unit)
        .join(
            newest, and_(newest.c.listing_id == Price.listing_id, newest.c.seen == Price.last_seen)
        )
        .join(Listing, Listing.id == Price.listing_id)
    )
    regular: dict[int, list[float]] = defaultdict(list)
    counts: dict[int, tuple[float, float]] = {}
    contents: dict[str, dict[int, list[float]]] = {"kg": defaultdict(list), "l": defaultdict(list)}
    for product_id, price, was_price, unit_price, unit in rows:
        usual = was_price if was_price is not None else price
        if usual is not None and usual > 0:
            regular[product_id].append(float(usual))
        if not price or not unit_price or unit_price <= 0:
            continue
        if unit == "ea" and product_id not in counts:
            interval = each_count(float(price), float(unit_price))
            if interval is not None:
                counts[product_id] = interval
        elif unit in contents:
            contents[unit][product_id].append(1000 * float(price) / float(unit_price))
    ids = product_ids.tolist()
    nan = (math.nan, math.nan)

    def middle(found: dict[int, list[float]]) -> np.ndarray:
        return np.array([median(found[p]) if p in found else math.nan for p in ids])

    return PriceEvidence(
        regular=middle(regular),
        count_low=np.array([counts.get(p, nan)[0] for p in ids]),
        count_high=np.array([counts.get(p, nan)[1] for p in ids]),
        grams=middle(contents["kg"]),
        millilitres=middle(contents["l"]),
    )


def each_count(price: float, each: float) -> tuple[float, float] | None:
    """The items a pack priced ``price`` at ``each`` per item may hold (the unit price
    rounded to the cent); None when no whole number of items fits.

    >>> [round(n, 2) for n in each_count(7.0, 0.58)], [round(n, 2) for n in each_count(3.4, 1.13)]
    ([11.97, 12.17], [3.0, 3.02])
    >>> each_count(4.0, 1.5) is None
    True
    """
    if each <= HALF_CENT or price <= 0:
        return None
    low, high = price / (each + HALF_CENT), price / (each - HALF_CENT)
    if math.floor(high) < math.ceil(low) or high < 1:
        return None
    return low, high


def size_counts(sizes: list[str]) -> np.ndarray:
    """Per canonical size text, the pack count it states (``192g 6pk``: 6), else NaN."""
    counts = np.full(len(sizes), math.nan)
    for index, text in enumerate(sizes):
        for token in text.split():
            size = parse_size(token)
            if size is not None and size.unit == "pk" and size.value:
                counts[index] = float(size.value)
    return counts


def price_gaps(prices: np.ndarray, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pair: the price gap (|ln| of the ratio, scaled to 0-1) and whether a side lacks a
    price (its gap then 0).

    >>> gap, unknown = price_gaps(np.array([4.0, 4.4, 8.8, np.nan]), np.array([0, 0, 0]),
    ...                           np.array([1, 2, 3]))
    >>> gap.round(3).tolist(), unknown.tolist()
    ([0.048, 0.394, 0.0], [0.0, 0.0, 1.0])
    """
    first, second = prices[i], prices[j]
    unknown = np.isnan(first) | np.isnan(second)
    gap = np.zeros(len(i))
    known = ~unknown
    gap[known] = np.minimum(np.abs(np.log(first[known] / second[known])), MAX_LOG_GAP)
    return gap / MAX_LOG_GAP, unknown.astype(np.float64)


def content_agreement(
    prices: PriceEvidence, i: np.ndarray, j: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per pair: whether both contents are known in one measure and within
    :data:`CONTENT_AGREE` of each other (|ln| of the ratio), and whether they are known and
    beyond :data:`CONTENT_CONFLICT` (an interval between is neither: unit prices are rounded).

    >>> grams = np.array([192.0, 195.0, 285.0, np.nan])
    >>> evidence = PriceEvidence(*(grams,) * 4, np.full(4, np.nan))
    >>> content_agreement(evidence, np.array([0, 0, 0]), np.array([1, 2, 3]))
    (array([1., 0., 0.]), array([0., 1., 0.]))
    """
    agree = np.zeros(len(i))
    conflict = np.zeros(len(i))
    for contents in (prices.grams, prices.millilitres):
        first, second = contents[i], contents[j]
        known = ~(np.isnan(first) | np.isnan(second))
        gap = np.full(len(i), np.inf)
        gap[known] = np.abs(np.log(first[known] / second[known]))
        agree = np.maximum(agree, known & (gap <= CONTENT_AGREE))
        conflict = np.maximum(conflict, known & (gap > CONTENT_CONFLICT))
    return agree, conflict * (1 - agree)


def count_agreement(
    low: np.ndarray, high: np.ndarray, i: np.ndarray, j: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per pair: whether both counts are known and their intervals meet (agree), and whether
    both are known and apart (conflict).

    >>> low, high = np.array([6.0, 5.9, 4.0, np.nan]), np.array([6.0, 6.1, 4.1, np.nan])
    >>> count_agreement(low, high, np.array([0, 0, 0]), np.array([1, 2, 3]))
    (array([1., 0., 0.]), array([0., 1., 0.]))
    """
    known = ~(np.isnan(low[i]) | np.isnan(low[j]))
    meet = (low[i] <= high[j]) & (low[j] <= high[i])
    return (known & meet).astype(np.float64), (known & ~meet).astype(np.float64)
