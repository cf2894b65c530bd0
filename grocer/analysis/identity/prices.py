"""What a product usually costs: the evidence that tells a 6-pack from a 12-pack.

Retailers sell one product at prices within a few tens of percent of each other; two packs
of one line (six or twelve cartons, one tin or four) differ by their count.  A product's
regular price is the median over its listings' newest price rows (the was-price of a special,
else the price).
"""

from __future__ import annotations

import math
from collections import defaultdict
from statistics import median

import numpy as np
from sqlalchemy import Connection, and_, func, select

from grocer.db.models import Listing, Price

# Beyond this |ln(ratio)| (e squared, 7.4x) the price gap counts as complete.
MAX_LOG_GAP = 2.0


def regular_prices(connection: Connection, product_ids: np.ndarray) -> np.ndarray:
    """Per product of ``product_ids`` (sorted), its regular price; NaN without one."""
    newest = (
        select(Price.listing_id, func.max(Price.last_seen).label("seen"))
        .group_by(Price.listing_id)
        .subquery()
    )
    rows = connection.execute(
        select(Listing.product_id, func.coalesce(Price.was_price, Price.price))
        .join(
            newest, and_(newest.c.listing_id == Price.listing_id, newest.c.seen == Price.last_seen)
        )
        .join(Listing, Listing.id == Price.listing_id)
    )
    found: dict[int, list[float]] = defaultdict(list)
    for product_id, price in rows:
        if price is not None and price > 0:
            found[product_id].append(float(price))
    return np.array(
        [median(found[p]) if p in found else math.nan for p in product_ids.tolist()],
        dtype=np.float64,
    )


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
