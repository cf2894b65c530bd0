"""What ``/v1/products/...`` reads: a product with its listings, their current prices (the
zone resolver's :func:`latest_prices`, judged by :func:`find_specials`) and substitutes, and
the price intervals of its listings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, select

from grocer.analysis.current import ListingRef, current_offers
from grocer.analysis.specials import SpecialCheck
from grocer.analysis.substitutions.readers import substitutes_of
from grocer.analysis.zones.resolver import store_history
from grocer.api.responses import number
from grocer.db.models import Brand, Company, Listing, Price, Product, Store, StoreGroup


def product_id_by_barcode(connection: Connection, code: str) -> int | None:
    """The product holding the cleaned GTIN ``code``; None if none."""
    return connection.execute(select(Product.id).where(Product.barcode == code)).scalar()


# Statements used on every product request, built once (building costs more than running).
_PRODUCT = (
    select(Product.id, Product.name, Brand.name.label("brand"), Product.size_text, Product.barcode)
    .outerjoin(Brand, Brand.id == Product.brand_id)
    .where(Product.id == bindparam("product_id"))
)
_LISTINGS = (
    select(Listing.id, Listing.company_id, Company.slug, Listing.sku, Listing.url)
    .join(Company, Company.id == Listing.company_id)
    .where(Listing.product_id == bindparam("product_id"))
    .order_by(Company.slug, Listing.sku, Listing.id)
)
_RETAILER_STORE_IDS = select(Store.id, Store.retailer_store_id).where(
    Store.id.in_(bindparam("ids", expanding=True))
)
_NAMES = select(Product.id, Product.name).where(Product.id.in_(bindparam("ids", expanding=True)))


def _listings(connection: Connection, product_id: int) -> list[Any]:
    return list(connection.execute(_LISTINGS, {"product_id": product_id}))


def _special(check: SpecialCheck | None) -> dict[str, Any] | None:
    if check is None:
        return None
    return {
        "verdict": check.verdict,
        "claimed_discount": number(check.claimed_discount),
        "real_discount": number(check.real_discount),
        "most_common": number(check.most_common),
        "lowest": number(check.lowest),
        "history_days": check.history_days,
    }


def _current(
    connection: Connection,
    listings: list[Any],
    as_of: date | None,
    environ: Mapping[str, str] | None,
) -> dict[int, list[dict[str, Any]]]:
    """Per listing, its current price at each store as of ``as_of`` (fresh for its company),
    by store."""
    current: dict[int, list[dict[str, Any]]] = {row.id: [] for row in listings}
    if as_of is None or not listings:
        return current
    refs = [ListingRef(row.id, row.company_id, row.slug) for row in listings]
    offers = current_offers(connection, refs, as_of, environ)
    names = retailer_store_ids(connection, {o.price.store_id for o in offers})
    for offer in offers:
        price = offer.price
        current[price.listing_id].append(
            {
                "store_id": price.store_id,
                "retailer_store_id": names[price.store_id],
                "price": number(price.price),
                "was_price": number(price.was_price),
                "unit_price": number(price.unit_price),
                "unit": price.unit,
                "special": _special(offer.special),
                "multibuy": multibuy_offer(price),
            }
        )
    return current


def multibuy_offer(price: Any) -> dict[str, Any] | None:
    """A price's multi-buy offer, ``{"quantity", "price"}`` (that many together), or None."""
    if price.multibuy_qty is None or price.multibuy_price is None:
        return None
    return {"quantity": price.multibuy_qty, "price": number(price.multibuy_price)}


def retailer_store_ids(connection: Connection, store_ids: Iterable[int]) -> dict[int, str]:
    """The retailer's store id of each of these stores (``stores.id``)."""
    wanted = sorted(set(store_ids))
    if not wanted:
        return {}
    return dict(connection.execute(_RETAILER_STORE_IDS, {"ids": wanted}).all())


def _substitutes(connection: Connection, product_id: int) -> list[dict[str, Any]]:
    rows = substitutes_of(connection, product_id)
    ids = [row.product_id for row in rows]
    names: dict[int, str] = {}
    if ids:
        names = dict(connection.execute(_NAMES, {"ids": ids}).all())
    return [
        {"id": row.product_id, "name": names[row.product_id], "level": row.level,
         "score": row.score}
        for row in rows
    ]  # fmt: skip


def product_detail(
    connection: Connection,
    product_id: int,
    as_of: date | None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any] | None:
    """The body of ``GET /v1/products/{id}``; None for an unknown product.

    Raises:
        ValueError: a bad ``GROCER_FRESH_DAYS``.
    """
    row = connection.execute(_PRODUCT, {"product_id": product_id}).first()
    if row is None:
        return None
    listings = _listings(connection, product_id)
    current = _current(connection, listings, as_of, environ)
    return {
        "id": row.id,
        "name": row.name,
        "brand": row.brand,
        "size": row.size_text,
        "barcodes": [row.barcode] if row.barcode else [],
        "listings": [
            {"company": r.slug, "sku": r.sku, "url": r.url, "current": current[r.id]}
            for r in listings
        ],
        "substitutes": _substitutes(connection, product_id),
    }


def product_exists(connection: Connection, product_id: int) -> bool:
    return (
        connection.execute(select(Product.id).where(Product.id == product_id)).first() is not None
    )


def store_exists(connection: Connection, store_id: int) -> bool:
    return connection.execute(select(Store.id).where(Store.id == store_id)).first() is not None


def zone_anchor(connection: Connection, zone_id: int) -> int | None:
    """The anchor store of the zone (``store_groups.id``); None for an unknown zone."""
    stmt = select(StoreGroup.anchor_store_id).where(StoreGroup.id == zone_id)
    return connection.execute(stmt).scalar()


def _interval(price: Any, store_id: int, company: str) -> dict[str, Any]:
    return {
        "store_id": store_id,
        "company": company,
        "price": number(price.price),
        "was_price": number(price.was_price),
        "unit_price": number(price.unit_price),
        "unit": price.unit,
        "is_special": bool(price.is_special),
        "promo_text": price.promo_text,
        "multibuy_qty": price.multibuy_qty,
        "multibuy_price": number(price.multibuy_price),
        "first_seen": price.first_seen,
        "last_seen": price.last_seen,
        "source_store_id": price.source_store_id,
    }


def price_history(
    connection: Connection,
    product_id: int,
    *,
    store_id: int | None = None,
    low: date | None = None,
    high: date | None = None,
) -> list[dict[str, Any]]:
    """The product's price intervals overlapping ``[low, high]`` (None: unbounded): a store's
    through :func:`store_history` (its anchors' rows on its membership days), or with no store
    every stored interval of the product's listings, ordered by store, listing, first day."""
    listings = {row.id: row.slug for row in _listings(connection, product_id)}
    if not listings:
        return []
    if store_id is not None:
        rows: Iterable[Any] = (
            price
            for price in store_history(connection, store_id, since=low)
            if price.listing_id in listings
        )
    else:
        stmt = (
            select(Price, Price.store_id.label("source_store_id"))
            .where(Price.listing_id.in_(sorted(listings)))
            .order_by(Price.store_id, Price.listing_id, Price.first_seen)
        )
        if low is not None:
            stmt = stmt.where(Price.last_seen >= low)
        rows = connection.execute(stmt)
    return [
        _interval(row, row.store_id, listings[row.listing_id])
        for row in rows
        if high is None or row.first_seen <= high
    ]
