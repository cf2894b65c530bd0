"""A shopping list against current prices near a point: each line's candidates, their options
per store, and the plan (:mod:`.optimise`) with the best single store beside it.

A line's product is the id or barcode it names, or for words the first product found
(:func:`grocer.db.search.search_products`) that a store in range sells, cheapest unit price
first.  Its candidates: that product, the products linked to it as one (level 0) and, with
``~L``, its substitutes of level L or closer.  Packs: ``xN``, or for an amount
``ceil(amount / pack content)`` (:func:`grocer.normalize.sizes.pack_content`); a product sold
per kg serves an amount by weight at its unit price; one without a size cannot serve it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Connection, select

from grocer.analysis.current import CurrentOffer, ListingRef, current_offers
from grocer.analysis.substitutions.readers import substitutes_of
from grocer.db.models import Company, Listing, Product, Store
from grocer.db.product_links import group_members
from grocer.db.search import search_products
from grocer.geo import distance_km
from grocer.normalize.gtin import clean_gtin
from grocer.normalize.sizes import pack_content
from grocer.normalize.unit_price import unit_class
from grocer.shopper.optimise import Option, Plan, SingleStore, offer_cost, single_store, solve
from grocer.shopper.shopping_list import ListLine


@dataclass(frozen=True)
class NearbyStore:
    """A store within the radius."""

    id: int
    company: str
    name: str | None
    distance_km: float


def stores_near(
    connection: Connection, lat: float, lon: float, radius_km: float
) -> list[NearbyStore]:
    """The stores with coordinates within ``radius_km`` of the point, nearest first."""
    rows = connection.execute(
        select(Store.id, Company.slug, Store.name, Store.latitude, Store.longitude)
        .join(Company, Company.id == Store.company_id)
        .where(Store.latitude.is_not(None), Store.longitude.is_not(None))
    )
    found = [
        NearbyStore(row.id, row.slug, row.name, distance_km(lat, lon, row.latitude, row.longitude))
        for row in rows
    ]
    return sorted(
        (s for s in found if s.distance_km <= radius_km), key=lambda s: (s.distance_km, s.id)
    )


def packs_needed(line: ListLine, sizes: str) -> int | None:
    """Whole packs of a product (canonical ``sizes``) serving the line; None if it cannot.

    >>> from grocer.shopper.shopping_list import parse_line
    >>> packs_needed(parse_line("milk 3L"), "2000ml"), packs_needed(parse_line("milk 3L"), "1000ml")
    (2, 3)
    >>> packs_needed(parse_line("beer 2L"), "375ml 6pk"), packs_needed(parse_line("milk 3L"), "ea")
    (1, None)
    """
    if line.amount is None:
        return line.packs
    content = pack_content(sizes)
    unit, amount = line.amount
    if content is None or content[0] != unit or content[1] <= 0:
        return None
    return math.ceil(float(amount) / content[1])


class OfferReader:
    """Current offers of products at the stores in range, as of one date."""

    def __init__(
        self,
        connection: Connection,
        stores: Sequence[int],
        as_of: date,
        environ: Mapping[str, str] | None,
    ) -> None:
        self.connection, self.stores, self.as_of, self.environ = connection, stores, as_of, environ

    def offers_of(self, product_ids: Sequence[int]) -> dict[int, list[CurrentOffer]]:
        """Per product, its current offers at the stores in range."""
        rows = self.connection.execute(
            select(Listing.id, Listing.company_id, Company.slug, Listing.product_id)
            .join(Company, Company.id == Listing.company_id)
            .where(Listing.product_id.in_(sorted(set(product_ids))))
        ).all()
        owner = {row.id: row.product_id for row in rows}
        refs = [ListingRef(row.id, row.company_id, row.slug) for row in rows]
        found: dict[int, list[CurrentOffer]] = {}
        for offer in current_offers(self.connection, refs, self.as_of, self.environ, self.stores):
            found.setdefault(owner[offer.listing.id], []).append(offer)
        return found


def match_product(connection: Connection, what: str, offers: OfferReader) -> int | None:
    """The product a line names (see the module); None when none is sold in range."""
    text = what.strip()
    gtin = clean_gtin(text)
    if gtin.is_identity and gtin.code:
        found = connection.execute(select(Product.id).where(Product.barcode == gtin.code)).scalar()
        if found is not None:
            return found
    if text.isdigit() and len(text) < 12:
        return connection.execute(select(Product.id).where(Product.id == int(text))).scalar()
    ids = list(connection.execute(search_products(connection, text)).scalars())
    if not ids:
        return None
    priced = offers.offers_of(ids)
    ranked = [
        (min(_unit_rank(o) for o in found), product) for product, found in priced.items() if found
    ]
    return min(ranked)[1] if ranked else None


def _unit_rank(offer: CurrentOffer) -> tuple[int, Decimal]:
    price = offer.price
    if price.unit_price is None:
        return (unit_class(None), price.price)
    return (unit_class(price.unit), price.unit_price)


def _cents(value: Decimal) -> int:
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def line_options(
    index: int, line: ListLine, candidates: Mapping[int, int], sizes: Mapping[int, str],
    offers: Mapping[int, list[CurrentOffer]],
) -> list[Option]:  # fmt: skip
    """The ways to serve a line: each candidate (product -> level) at each store it is sold."""
    options = []
    for product, level in candidates.items():
        for offer in offers.get(product, []):
            price = offer.price
            if line.amount is not None and sizes.get(product, "").startswith("perkg"):
                if price.unit_price is None or price.unit != "kg" or line.amount[0] != "g":
                    continue
                cost = _cents(price.unit_price * line.amount[1] / 1000)
                options.append(Option(index, price.store_id, product, 1, cost, level))
                continue
            packs = packs_needed(line, sizes.get(product, ""))
            if packs is None:
                continue
            deal = _multibuy(price.multibuy_qty, price.multibuy_price)
            cost, bought = offer_cost(packs, _cents(price.price), deal)
            used = deal if deal is not None and bought >= deal[0] else None
            options.append(
                Option(index, price.store_id, product, bought, cost, level, used, bought - packs)
            )
    return options


def _multibuy(quantity: int | None, price: Decimal | None) -> tuple[int, int] | None:
    """A price's multi-buy offer as ``(quantity, cents)``; a "pick any" offer counts per
    product, so only units of this product make it up."""
    if quantity is None or price is None or quantity < 2:
        return None
    return quantity, _cents(price)


@dataclass(frozen=True)
class BasketOptions:
    """What a plan is chosen from: the stores in range, each line's matched product (None:
    none sold in range) and every option serving a line."""

    nearby: list[NearbyStore]
    matched: dict[int, int | None]
    options: list[Option]


def basket_options(
    connection: Connection,
    lines: Sequence[ListLine],
    *,
    lat: float,
    lon: float,
    radius_km: float,
    as_of: date,
    environ: Mapping[str, str] | None = None,
) -> BasketOptions:
    """Each line's matched product and its options at the stores near the point."""
    nearby = stores_near(connection, lat, lon, radius_km)
    reader = OfferReader(connection, [s.id for s in nearby], as_of, environ)
    matched: dict[int, int | None] = {}
    candidates: dict[int, dict[int, int]] = {}
    for index, line in enumerate(lines):
        product = match_product(connection, line.what, reader) if nearby else None
        matched[index] = product
        if product is None:
            continue
        found = {member: 0 for member in group_members(connection, [product])[product]}
        if line.level is not None:
            for row in substitutes_of(connection, product, limit=40):
                if row.level <= line.level:
                    found.setdefault(row.product_id, row.level)
        candidates[index] = found
    everything = sorted({p for found in candidates.values() for p in found})
    sizes = {
        product: text or ""
        for product, text in connection.execute(
            select(Product.id, Product.sizes).where(Product.id.in_(everything))
        )
    }
    offers = reader.offers_of(everything) if everything else {}
    options = [
        option
        for index, found in candidates.items()
        for option in line_options(index, lines[index], found, sizes, offers)
    ]
    return BasketOptions(nearby, matched, options)


def plan_basket(
    connection: Connection,
    lines: Sequence[ListLine],
    *,
    lat: float,
    lon: float,
    radius_km: float,
    max_stores: int,
    as_of: date,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The cheapest split of ``lines`` over at most ``max_stores`` stores near the point, as
    the object ``grocer basket --json`` prints (money as numbers)."""
    found = basket_options(
        connection, lines, lat=lat, lon=lon, radius_km=radius_km, as_of=as_of, environ=environ
    )
    plan = solve(found.options, max_stores, [s.id for s in found.nearby])
    single = single_store(list(range(len(lines))), found.options)
    shown = {p for p in found.matched.values() if p is not None} | {
        o.product_id for o in plan.chosen.values()
    }
    names = dict(
        connection.execute(select(Product.id, Product.name).where(Product.id.in_(shown))).all()
    )
    return _answer(lines, found, names, plan, single, as_of)


def _answer(
    lines: Sequence[ListLine],
    found: BasketOptions,
    names: Mapping[int, str],
    plan: Plan,
    single: SingleStore,
    as_of: date,
) -> dict[str, Any]:
    """The plan as ``grocer basket --json`` prints it."""
    by_id = {s.id: s for s in found.nearby}
    sold = {o.line for o in found.options}
    subtotal: dict[int, int] = {}
    for option in plan.chosen.values():
        subtotal[option.store] = subtotal.get(option.store, 0) + option.cost
    both = [line for line in plan.chosen if line in single.chosen]
    saving = sum(single.chosen[line].cost - plan.chosen[line].cost for line in both)
    out_lines = []
    for index, line in enumerate(lines):
        if index not in sold:
            continue
        option = plan.chosen.get(index)
        product = found.matched[index]
        out_lines.append(
            {
                "text": line.text,
                "matched_product_id": product,
                "matched_product_name": names.get(product) if product is not None else None,
                "product_id": option.product_id if option else None,
                "product_name": names.get(option.product_id) if option else None,
                "store_id": option.store if option else None,
                "packs": option.packs if option else None,
                "cost": option.cost / 100 if option else None,
                "substitute_level": option.level if option else None,
                "multibuy": _multibuy_out(option) if option else None,
            }
        )
    return {
        "as_of": as_of.isoformat(),
        "total": plan.total / 100,
        "stores": [
            {
                "id": store,
                "company": by_id[store].company,
                "name": by_id[store].name,
                "distance_km": round(by_id[store].distance_km, 3),
                "subtotal": subtotal[store] / 100,
            }
            for store in plan.stores
        ],
        "lines": out_lines,
        "unavailable": [line.text for index, line in enumerate(lines) if index not in sold],
        "single_store": {
            "store_id": single.store,
            "total": single.total / 100,
            "uncovered": [lines[i].text for i in single.uncovered],
        },
        "saving": saving / 100,
        "solver": {"status": plan.status, "gap": plan.gap},
    }


def _multibuy_out(option: Option) -> dict[str, Any] | None:
    if option.multibuy is None:
        return None
    quantity, cents = option.multibuy
    return {"quantity": quantity, "price": cents / 100, "extra_packs": option.extra_packs}
