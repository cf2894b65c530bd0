"""What ``/v1/compare`` reads: products side by side, each company's cheapest current offer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from grocer.analysis.zones.resolver import ResolvedPrice, latest_prices
from grocer.api.current_prices import offer_of
from grocer.api.product_data import retailer_store_ids
from grocer.api.product_list import product_rows
from grocer.api.responses import number
from grocer.db.models import Company, Listing
from grocer.db.product_links import group_members
from grocer.health.freshness import fresh_days


def _best_by_company(prices: Sequence[tuple[str, ResolvedPrice]]) -> dict[str, ResolvedPrice]:
    best: dict[str, tuple[Any, ResolvedPrice]] = {}
    for company, price in prices:
        rank = (offer_of(price).rank, price.store_id, price.listing_id)
        if company not in best or rank < best[company][0]:
            best[company] = (rank, price)
    return {company: price for company, (_rank, price) in best.items()}


def compare_products(
    connection: Connection,
    product_ids: Sequence[int],
    as_of: date | None,
    environ: Mapping[str, str] | None = None,
) -> tuple[list[dict[str, Any]], list[int]]:
    """The products in the order asked, each with its cheapest current offer per company
    (lowest unit price per kg or l, then per each, then shelf price), best first, its linked
    products' offers included; and the ids no product has.

    Raises:
        ValueError: a bad ``GROCER_FRESH_DAYS``.
    """
    products = product_rows(connection, product_ids)
    missing = [i for i in product_ids if i not in products]
    # A product's offers include those of products linked to it as one (product_links).
    stands_for: dict[int, list[int]] = {}
    for asked, members in group_members(connection, list(products)).items():
        for member in members:
            stands_for.setdefault(member, []).append(asked)
    listings = connection.execute(
        select(Listing.id, Listing.product_id, Listing.company_id, Company.slug)
        .join(Company, Company.id == Listing.company_id)
        .where(Listing.product_id.in_(list(stands_for)))
    ).all()
    owner = {row.id: (stands_for[row.product_id], row.slug) for row in listings}
    by_company: dict[tuple[int, str], list[int]] = {}
    for row in listings:
        by_company.setdefault((row.company_id, row.slug), []).append(row.id)
    offers: dict[int, list[tuple[str, ResolvedPrice]]] = {}
    if as_of is not None:
        for (company_id, slug), ids in sorted(by_company.items()):
            for price in latest_prices(
                connection, as_of, fresh_days=fresh_days(slug, environ),
                company_ids=[company_id], listing_ids=ids,
            ):  # fmt: skip
                asked_ids, company = owner[price.listing_id]
                for product_id in asked_ids:
                    offers.setdefault(product_id, []).append((company, price))
    wanted = sorted({price.store_id for found in offers.values() for _c, price in found})
    stores = retailer_store_ids(connection, wanted)
    items = []
    for product_id in product_ids:
        if product_id not in products:
            continue
        row = products[product_id]
        best = _best_by_company(offers.get(product_id, []))
        ordered = sorted(best.items(), key=lambda kv: (offer_of(kv[1]).rank, kv[0]))
        items.append(
            {
                "id": row.id,
                "name": row.name,
                "brand": row.brand,
                "size": row.size_text,
                "offers": [
                    {
                        "company": company,
                        "price": number(price.price),
                        "unit_price": number(price.unit_price),
                        "unit": price.unit,
                        "store_id": price.store_id,
                        "retailer_store_id": stores[price.store_id],
                    }
                    for company, price in ordered
                ],
            }
        )
    return items, missing
