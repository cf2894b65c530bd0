"""Normalise one validated product observation into the fields the database stores."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from grocer import constants as c
from grocer.items import ProductItem
from grocer.normalize.brand import brand_key
from grocer.normalize.gtin import Gtin, clean_gtin
from grocer.normalize.matching import matching_key
from grocer.normalize.price_state import price_hash
from grocer.normalize.sizes import Size, extract_sizes, format_sizes, scan_sizes
from grocer.normalize.text import display_text
from grocer.normalize.unit_price import reconciled_unit_price

# Words a retailer appends to its size text to say how an item is sold, not how big it is.
SELL_BY_WORDS: dict[str, frozenset[str]] = {"iga": frozenset({"each", "ea"})}
# Retailers whose description is a shelf label (a second name), not prose; its longest.
LABEL_COMPANIES = frozenset({c.COLES})
LABEL_LENGTH = 200


@dataclass(frozen=True)
class ProductIdentity:
    """The canonical description of a product, shared by all its observations."""

    name: str
    brand: str | None
    brand_key: str
    size_text: str | None
    sizes: tuple[Size, ...]
    matching_key: str | None

    @property
    def sizes_text(self) -> str:
        return format_sizes(self.sizes)


@dataclass(slots=True)
class Observation:
    """A validated, normalised price observation, ready for the database writer."""

    company: str
    store_id: str
    sku: str
    observed_on: date
    identity: ProductIdentity
    gtin: Gtin
    url: str | None
    category_path: tuple[str, ...]
    label: str | None  # the retailer's shelf label (:func:`shelf_label`)
    price: Decimal | None  # None: the product is listed without a price (no price row)
    was_price: Decimal | None
    unit_price: Decimal | None
    unit: str | None
    unit_text: str | None
    is_special: bool
    promo_text: str | None
    is_available: bool | None
    price_hash: str | None
    multibuy_qty: int | None = None  # a multi-buy offer: this many units ...
    multibuy_price: Decimal | None = None  # ... for this much together
    page: str | None = None
    unit_price_disagreement: bool = False  # the retailer's unit price figures disagreed


def shelf_label(company: str, description: str | None) -> str | None:
    """The shelf label a retailer's description is, where it is one: Coles' upper-case
    second name of a product ("KELLOGGS CEREAL SULTANA BRAN" for "Sultana Bran High Fibre
    Breakfast Cereal"); other retailers' descriptions are prose, and so is an overlong one.

    >>> shelf_label("coles", "NUTELLA SPREAD CHOC  HAZELNUT 400G"), shelf_label("iga", "Rich.")
    ('NUTELLA SPREAD CHOC HAZELNUT 400G', None)
    """
    text = display_text(description) if company in LABEL_COMPANIES else None
    return text if text and len(text) <= LABEL_LENGTH else None


def strip_sell_by(company: str, size: str | None) -> str | None:
    """Drop a retailer's trailing sell-by word ("2l Each" -> "2l") unless it is all there is."""
    words = SELL_BY_WORDS.get(company)
    if not size or not words:
        return size
    parts = size.split()
    while len(parts) > 1 and parts[-1].lower() in words:
        parts.pop()
    return " ".join(parts)


@lru_cache(maxsize=131072)
def product_identity(
    company: str, name: str, brand: str | None, size: str | None
) -> ProductIdentity:
    """Brand key, canonical sizes and matching key of a product (cached: names repeat)."""
    shown_name = display_text(name) or name
    shown_brand = display_text(brand)
    key = brand_key(shown_brand)
    size_text = strip_sell_by(company, display_text(size))
    sizes = extract_sizes(shown_name, size_text)
    remainder = scan_sizes(shown_name).remainder
    return ProductIdentity(
        name=shown_name,
        brand=shown_brand,
        brand_key=key,
        size_text=size_text,
        sizes=sizes,
        matching_key=matching_key(remainder, key, sizes),
    )


_APPROXIMATE = re.compile(r"\b(?:approx|approximately|per\s+kg)\b", re.IGNORECASE)


def _weighed(size: str | None, sizes: tuple[Size, ...]) -> bool:
    """Sold by weight: an approximate size ("approx. 2.5kg") or a price per kg."""
    return bool(size and _APPROXIMATE.search(size)) or any(s.unit == "perkg" for s in sizes)


def is_special(price: Decimal, was_price: Decimal | None) -> bool:
    """On special when a was-price above the current price is shown."""
    return was_price is not None and was_price > price


def normalize_observation(
    *,
    company: str,
    store_id: str,
    sku: str,
    observed_on: date,
    name: str,
    brand: str | None,
    size: str | None,
    barcode: object,
    url: str | None,
    category_path: tuple[str, ...],
    price: Decimal | None,
    was_price: Decimal | None,
    unit_price_value: Decimal | None,
    unit_price_measure: str | None,
    unit_price_text: str | None,
    is_available: bool | None,
    promo_text: str | None,
    page: str | None = None,
    multibuy_qty: int | None = None,
    multibuy_price: Decimal | None = None,
    description: str | None = None,
) -> Observation:
    """Derive every stored field of an observation from validated retailer values."""
    identity = product_identity(company, name, brand, size)
    reconciled = reconciled_unit_price(
        unit_price_value, unit_price_measure, unit_price_text, price, identity.sizes,
        weighed=_weighed(size, identity.sizes),
    )  # fmt: skip
    standard = reconciled.unit_price
    unit_amount = standard.amount if standard else None
    unit = standard.unit if standard else None
    if was_price is not None and (price is None or was_price <= price):
        was_price = None  # a was-price at or below the price is no was-price (Woolworths)
    special = price is not None and is_special(price, was_price)
    promo = display_text(promo_text)
    state_hash = (
        price_hash(price, was_price, unit_amount, unit, special, promo)
        if price is not None
        else None
    )
    return Observation(
        company=company,
        store_id=store_id,
        sku=sku,
        observed_on=observed_on,
        identity=identity,
        gtin=clean_gtin(barcode),
        url=url,
        category_path=category_path,
        label=shelf_label(company, description),
        price=price,
        was_price=was_price,
        unit_price=unit_amount,
        unit=unit,
        unit_text=display_text(unit_price_text),
        is_special=special,
        promo_text=promo,
        is_available=is_available,
        price_hash=state_hash,
        multibuy_qty=multibuy_qty if price is not None else None,
        multibuy_price=multibuy_price if price is not None else None,
        page=page,
        unit_price_disagreement=reconciled.disagreement,
    )


def normalize_item(item: ProductItem) -> tuple[Observation, list[str]]:
    """Derive the stored fields of a validated item; notes say what was dropped or flagged."""
    assert item.observed_on is not None and item.name
    observation = normalize_observation(
        company=item.company,
        store_id=item.store_id,
        sku=item.sku,
        observed_on=item.observed_on,
        name=item.name,
        brand=item.brand,
        size=item.size,
        barcode=item.barcode,
        url=item.url,
        category_path=tuple(str(p) for p in item.category_path or ()),
        price=item.price,
        was_price=item.was_price,
        unit_price_value=item.unit_price_value,
        unit_price_measure=item.unit_price_measure,
        unit_price_text=item.unit_price_text,
        is_available=item.is_available,
        promo_text=item.promo_text,
        page=item.page,
        multibuy_qty=item.multibuy_qty,
        multibuy_price=item.multibuy_price,
        description=item.description,
    )
    notes: list[str] = []
    if observation.gtin.error:
        notes.append(c.DROPPED_BAD_BARCODE)
    elif observation.gtin.instore:
        notes.append(c.FLAGGED_INSTORE_CODE)
    if observation.unit_price_disagreement:
        notes.append(c.UNIT_PRICE_DISAGREEMENT)
    return observation, notes


def unit_price_example(item: ProductItem) -> dict[str, str | None]:
    """What a unit-price disagreement is shown with: the sku and the retailer's figures."""
    return {
        "sku": item.sku,
        "value": None if item.unit_price_value is None else str(item.unit_price_value),
        "text": item.unit_price_text,
        "price": None if item.price is None else str(item.price),
        "size": item.size,
    }
