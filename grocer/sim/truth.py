"""Ground truth: exactly what a store's listing endpoints serve on a date, plus zones.

The listing endpoints render from the same :class:`~grocer.sim.pricing.Listing` objects this
module reports, so a crawl of every page of a store must reproduce :func:`store_truth`.
Money is reported as decimal text (``"4.69"``); ``was_price`` is None when not on special
(Woolworths' ``WasPrice`` equals ``Price`` then, Coles' ``was`` is 0).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from grocer.sim.equivalents import identity_truth
from grocer.sim.money import dollars
from grocer.sim.pricing import Listing, unit_text, zone_label

if TYPE_CHECKING:
    from grocer.sim.state import SimState


def listing_truth(listing: Listing) -> dict[str, Any]:
    """One product's served state as the ground truth reports it."""
    product = listing.product
    listing_barcode = product.gtin if product.company in ("woolworths", "iga") else None
    return {
        "sku": product.sku,
        "name": product.name,
        "brand": product.brand,
        "size": product.size,
        "category": product.leaf,
        "price": str(dollars(listing.price)),
        "was_price": str(dollars(listing.was)) if listing.was is not None else None,
        "unit_price_text": unit_text(listing),
        "barcode": listing_barcode,
        "gtin": product.gtin if product.company == "coles" else listing_barcode,
        "available": listing.available,
        "marketplace": bool(product.extra.get("marketplace")),
        "multibuy": _multibuy(listing),
    }


def _multibuy(listing: Listing) -> dict[str, Any] | None:
    """The listing's multi-buy offer: ``quantity`` units together for ``price`` dollars."""
    if listing.multibuy is None:
        return None
    quantity, total = listing.multibuy
    return {"quantity": quantity, "price": str(dollars(total))}


def store_truth(
    state: SimState, company: str, store_id: str, day: date | None = None
) -> dict[str, Any]:
    """Everything ``store_id`` of ``company`` lists on ``day`` (default: the simulated today).

    Raises:
        KeyError: unknown store.
    """
    store = state.stores.get(company, store_id)
    if store is None:
        raise KeyError(f"unknown {company} store {store_id!r}")
    day = day or state.today()
    listings = state.listings(store, day)
    return {
        "company": company,
        "store": store.store_id,
        "date": day.isoformat(),
        "zone": zone_label(store, state.model.zone_on(store, day)),
        "crawlable": store.crawlable,
        "count": len(listings),
        "products": [listing_truth(lst) for lst in listings.values()],
    }


def zones(state: SimState, company: str | None = None) -> dict[str, dict[str, str]]:
    """Every store's price zone, per company (non-crawlable stores report ``none``)."""
    out: dict[str, dict[str, str]] = {}
    for name, stores in state.stores.stores.items():
        if company and name != company:
            continue
        out[name] = {s.store_id: zone_label(s) if s.crawlable else "none" for s in stores}
    return out


def identity(state: SimState) -> dict[str, Any]:
    """Which products are one, the planted substitutes and decoys (:mod:`.equivalents`): the
    equivalents are the shipped catalogue's groups (``grp``) and the planted name-matched
    pair (one product served by two retailers, no barcode between them)."""
    groups: dict[Any, list[tuple[str, str]]] = {}
    for products in state.catalogue.products.values():
        for product in products:
            if "grp" in product.extra:
                groups.setdefault(product.extra["grp"], []).append((product.company, product.sku))
    for n, case in enumerate(state.planted.cases):
        if case.kind == "bargain_name":
            groups[("planted", n)] = [(item["company"], item["sku"]) for item in case.listings]
    return identity_truth(sorted(sorted(g) for g in groups.values()))


def planted_cases(state: SimState) -> list[dict[str, Any]]:
    """The planted cases with their expected answers."""
    return [case.as_dict() for case in state.planted.cases]
