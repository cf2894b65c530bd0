"""What listings cost now: each one's current price per store, with its special's verdict.

The current price is the zone resolver's latest interval (a zone member's through its
anchor) last seen within the company's fresh days (:func:`grocer.health.freshness.fresh_days`);
a special on it carries :func:`~grocer.analysis.specials.find_specials`' verdict.  The API's
product page and the shoppers' watches read prices this way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection

from grocer.analysis.specials import SpecialCheck, find_specials
from grocer.analysis.zones.resolver import ResolvedPrice, latest_prices
from grocer.health.freshness import fresh_days


@dataclass(frozen=True)
class ListingRef:
    """A listing and its company (id and slug)."""

    id: int
    company_id: int
    company: str


@dataclass(frozen=True)
class CurrentOffer:
    """A listing's current price at one store, and the verdict on its special (None: not on
    special, or not judged)."""

    listing: ListingRef
    price: ResolvedPrice
    special: SpecialCheck | None


def current_offers(
    connection: Connection,
    listings: Sequence[ListingRef],
    as_of: date,
    environ: Mapping[str, str] | None = None,
    store_ids: Sequence[int] | None = None,
) -> list[CurrentOffer]:
    """Every current price of ``listings`` as of ``as_of`` (at ``store_ids`` only, if given).

    Raises:
        ValueError: a bad ``GROCER_FRESH_DAYS``.
    """
    if not listings:
        return []
    by_company: dict[int, list[ListingRef]] = {}
    for listing in listings:
        by_company.setdefault(listing.company_id, []).append(listing)
    refs = {listing.id: listing for listing in listings}
    resolved: list[ResolvedPrice] = []
    for company_id, members in sorted(by_company.items()):
        resolved += latest_prices(
            connection,
            as_of,
            fresh_days=fresh_days(members[0].company, environ),
            company_ids=[company_id],
            listing_ids=[m.id for m in members],
            store_ids=store_ids,
        )
    checks = {
        (c.store_id, c.listing_id): c
        for c in find_specials(connection, as_of=as_of, listing_ids=list(refs))
    }
    offers = []
    for price in resolved:
        check = checks.get((price.source_store_id, price.listing_id))
        if check is not None and check.price_id != price.price_id:
            check = None  # a verdict on another interval than the one in force
        offers.append(CurrentOffer(refs[price.listing_id], price, check))
    return offers
