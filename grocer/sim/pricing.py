"""Deterministic prices, specials, availability and assortment per store and simulated date.

Everything is a pure function of (seed, catalogue, store zone, date): regular prices move a
few times per week across the catalogue (company-wide), weekly specials with was-prices
change on the price week (Wednesday to Tuesday), zones apply their own deviations on top,
and planted cases (:mod:`grocer.sim.planted`) override the products they own.  A product
grocer would identify across retailers is never served outside its band
(:attr:`~grocer.sim.catalogue.Product.band`): its regular prices are held inside it and its
specials go no deeper than its floor, so only planted cases make cross-retailer bargains
(docs/simulator-bargains.md).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from threading import Lock
from typing import TYPE_CHECKING

from grocer.sim.clock import price_week
from grocer.sim.money import display, scale_cents, scale_ratio, shelf_round
from grocer.sim.multibuy import offer_for
from grocer.sim.rng import mix, text_seed, unit
from grocer.sim.store_registry import NATIONAL, Store

if TYPE_CHECKING:
    from grocer.sim.catalogue import Catalogue, Product
    from grocer.sim.planted import Planted

MOVE_PERIOD_WEEKS = 100  # each product's regular price moves once per period: ~1% a week
SPECIAL_RATE = {"coles": Decimal("0.12"), "woolworths": Decimal("0.12"), "iga": Decimal("0.10")}
DISCOUNTS = (10, 15, 20, 25, 30, 35, 40, 50)
UNAVAILABLE_RATE = 0.02
MAX_DROP_PERMILLE = 100  # a store lists at least 90% of its retailer's range
IGA_KEEP_RATE = 0.63  # per store; two stores then agree on about 40% of prices
ALDI_FRESH_ZONE_RATE = 0.2  # share of fresh produce priced differently in a derived state
EPOCH = date(2025, 9, 17)


@dataclass(frozen=True, slots=True)
class Listing:
    """What one store's listing shows for one product on one date."""

    product: Product
    price: int  # cents
    was: int | None  # cents; None when not on special
    available: bool
    promo: str | None = None  # "SPECIAL" when on special
    multibuy: tuple[int, int] | None = None  # (quantity, cents for that many together)

    @property
    def sku(self) -> str:
        """The retailer's product id."""
        return self.product.sku

    @property
    def unit_cents(self) -> int | None:
        """The unit price in cents (per the product's unit basis), if it has one: the price
        times the unit factor, rounded half-up (exactly ``scale_cents``, in integers)."""
        ratio = self.product.unit_ratio
        if ratio is None:
            return None
        return scale_ratio(self.price, ratio)


def week_index(day: date) -> int:
    """Price weeks since the catalogue's price week (which is week 0)."""
    return (price_week(day) - EPOCH).days // 7


class PriceModel:
    """Computes and caches every store's listings per simulated date."""

    def __init__(self, catalogue: Catalogue, seed: int = 0, planted: Planted | None = None) -> None:
        self.catalogue = catalogue
        self.seed = seed
        self.planted = planted
        self._cache: OrderedDict[tuple[str, str, date], dict[str, Listing]] = OrderedDict()
        self._lock = Lock()
        self._own_prices_from: dict[tuple[str, str], date] = {}

    def move_to_own_prices(self, company: str, store_id: str, day: date) -> None:
        """From ``day`` on, the store leaves its zone for a price list of its own."""
        with self._lock:
            self._own_prices_from[(company, store_id)] = day
            self._cache.clear()

    def zone_on(self, store: Store, day: date) -> str:
        """The store's price zone on ``day``."""
        moved = self._own_prices_from.get((store.company, store.store_id))
        return f"store:{store.store_id}" if moved is not None and day >= moved else store.zone

    # ------------------------------------------------------------------ assortment

    def in_range(self, store: Store, product: Product, day: date) -> bool:
        """Whether ``store`` lists ``product`` (before planted overrides)."""
        only = product.extra.get("only")
        if only == "QLD" and store.state != "QLD":
            return False
        if only == "NSW" and store.state == "QLD":
            return False
        drop = mix(self.seed, store.seed, 3) % (MAX_DROP_PERMILLE + 1)
        return mix(self.seed, store.seed, product.seed, 9) % 1000 >= drop

    # ------------------------------------------------------------------ prices

    def regular(self, product: Product, zone: str, day: date) -> int:
        """The regular (non-special) shelf price in cents for ``zone`` on ``day``."""
        base = product.price
        if product.company == "aldi":
            base = self._aldi_zone_price(product, zone)
        week = week_index(day)
        phase = mix(self.seed, product.seed, 1) % MOVE_PERIOD_WEEKS
        last_move = week - ((week + phase) % MOVE_PERIOD_WEEKS)
        if last_move > 0:  # moves happen after the catalogue's own week
            step = mix(self.seed, product.seed, last_move, 2)
            percent = 3 + step % 8
            sign = 1 if (step >> 8) % 3 else -1  # prices drift up more often than down
            base = shelf_round(scale_cents(base, Decimal(100 + sign * percent) / 100))
        if zone.startswith("store:"):
            zone_seed = text_seed(zone)
            if product.company == "iga":
                if unit(self.seed, zone_seed, product.seed, 4) >= IGA_KEEP_RATE:
                    percent = 90 + mix(self.seed, zone_seed, product.seed, 5) % 31
                    base = shelf_round(scale_cents(base, Decimal(percent) / 100))
            elif mix(self.seed, zone_seed, product.seed, 6) % 100 < 3:
                percent = 105 + mix(self.seed, zone_seed, product.seed, 7) % 11
                base = shelf_round(scale_cents(base, Decimal(percent) / 100))
        if product.band is not None:
            base = min(max(base, product.band[0]), product.band[1])
        return base

    def _aldi_zone_price(self, product: Product, zone: str) -> int:
        if zone == "QLD":
            return product.extra.get("qld") or product.price
        if zone == "NSW" or not product.fresh:
            return product.price
        zone_seed = text_seed(f"aldi-zone:{zone}")
        if unit(self.seed, zone_seed, product.seed, 8) < ALDI_FRESH_ZONE_RATE:
            percent = 85 + mix(self.seed, zone_seed, product.seed, 10) % 36
            if percent != 100:
                return shelf_round(scale_cents(product.price, Decimal(percent) / 100))
        return product.price

    def listing(self, store: Store, product: Product, day: date) -> Listing | None:
        """The listing of ``product`` at ``store`` on ``day``; None if not in its range."""
        if self.planted is not None and product.sku in self.planted.skus(product.company):
            return self.planted.listing(self, store, product, day)
        if not self.in_range(store, product, day):
            return None
        return self.default_listing(store, product, day)

    def default_listing(self, store: Store, product: Product, day: date) -> Listing:
        """The listing computed by the general price rules (no planted override)."""
        regular = self.regular(product, self.zone_on(store, day), day)
        price, was, promo = regular, None, None
        rate = SPECIAL_RATE.get(product.company)
        week = week_index(day)
        if rate is not None and unit(self.seed, product.seed, week, 12) < float(rate):
            discount = DISCOUNTS[mix(self.seed, product.seed, week, 13) % len(DISCOUNTS)]
            special = shelf_round(scale_cents(regular, Decimal(100 - discount) / 100))
            if product.band is not None:
                special = max(special, product.band[0])  # a shallower special, or none
            if special < regular:
                price, was, promo = special, regular, "SPECIAL"
        multibuy = offer_for(self.seed, product, price, week) if was is None else None
        available = unit(self.seed, store.seed, product.seed, day.toordinal(), 14) >= (
            UNAVAILABLE_RATE
        )
        if product.company == "aldi":
            available = False  # walk-in listings are all notForSale
        return Listing(product, price, was, available, promo, multibuy)

    # ------------------------------------------------------------------ whole store

    def store_listings(self, store: Store, day: date) -> dict[str, Listing]:
        """Every listing of a crawlable store on ``day``, keyed by sku, in catalogue order."""
        key = (store.company, store.store_id, day)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        listings: dict[str, Listing] = {}
        if store.crawlable:
            for product in self.catalogue.products[store.company]:
                found = self.listing(store, product, day)
                if found is not None:
                    listings[product.sku] = found
        with self._lock:
            self._cache[key] = listings
            while len(self._cache) > 64:
                self._cache.popitem(last=False)
        return listings


def zone_label(store: Store, zone: str | None = None) -> str:
    """The zone name reported by the ground truth (``zone``: the store's zone on the day)."""
    zone = zone or store.zone
    return zone if zone != NATIONAL else f"{store.company}:national"


# -------------------------------------------------------------------- unit price texts

_COLES_UNITS = {
    "g": "g",
    "kg": "kg",
    "ml": "mL",
    "l": "L",
    "ea": "ea",
    "sheets": "sheets",
    "m": "m",
}
_WOOLWORTHS_UNITS = {
    "g": "G",
    "kg": "KG",
    "ml": "ML",
    "l": "L",
    "ea": "EA",
    "sheets": "EA",
    "m": "M",
}
_ALDI_UNITS = {
    "g": "g",
    "kg": "kg",
    "ml": "ml",
    "l": "L",
    "ea": "each",
    "sheets": "sheets",
    "m": "m",
}


def unit_text(listing: Listing) -> str | None:
    """The unit-price text exactly as the product's retailer shows it."""
    product = listing.product
    cents = listing.unit_cents
    if product.unit is None or cents is None:
        return None
    qty, basis, _ = product.unit
    if product.company == "coles":
        return f"{display(cents)} per {qty}{_COLES_UNITS.get(basis, basis)}"
    if product.company == "woolworths":
        return f"{display(cents)} / {qty}{_WOOLWORTHS_UNITS.get(basis, basis.upper())}"
    if product.company == "aldi":
        return f"{display(cents)} per {qty} {_ALDI_UNITS.get(basis, basis)}"
    if basis == "ea":
        return f"{display(cents)} each"
    return f"{display(cents)}/{'' if qty == 1 else qty}{basis}"
