"""Validation: reject a bad product item with a counted reason, coerce the rest.

:func:`validate_item` is the pure function shared by the crawl pipeline and ``grocer ingest``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from grocer import constants as c
from grocer.items import ProductItem

CENT = Decimal("0.01")
FIELD_LIMITS: dict[str, int] = {
    "sku": 64,
    "store_id": 32,
    "name": 500,
    "brand": 200,
    "size": 100,
    "url": 1000,
    "unit_price_text": 100,
    "unit_price_measure": 40,
    "promo_text": 200,
}


class Rejected(ValueError):
    """An item that must not reach the database; ``reason`` is a stats key suffix."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def parse_number(value: Any) -> Decimal | None:
    """A finite Decimal from a number or a text like ``"$1,234.50"``; None for absent.

    Raises:
        ValueError: for anything else (``"abc"``, NaN, infinity, booleans).
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise ValueError(f"not a number: {value!r}")
    text = value.strip().replace("$", "").replace(",", "") if isinstance(value, str) else value
    try:
        number = Decimal(str(text))
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"not a number: {value!r}")
    return number


def parse_money(value: Any) -> Decimal | None:
    """Dollars rounded to cents (see :func:`parse_number`)."""
    number = parse_number(value)
    return None if number is None else number.quantize(CENT, ROUND_HALF_UP)


def parse_day(value: Any) -> date | None:
    """A date from a date, a datetime or an ISO text (a timestamp's date part)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def validate_item(item: ProductItem) -> tuple[ProductItem, list[str]]:
    """Check and coerce an item in place; returns it with notes on fields dropped.

    Rejected: unknown company, missing store, sku, name or date; a price that is not a
    number, not positive, or at least ``MAX_PRICE``; an over-long field.  A missing price
    keeps the product but not the price (noted ``missing_price``, counted as a rejected
    price); a bad was-price or unit price is dropped (noted), not the item.
    """
    notes: list[str] = []
    company = (item.company or "").strip().lower()
    if company not in c.COMPANY_LIST:
        raise Rejected(c.REJECT_UNKNOWN_COMPANY, repr(item.company))
    if not item.store_id or not str(item.store_id).strip():
        raise Rejected(c.REJECT_MISSING_STORE)
    sku = str(item.sku).strip() if item.sku is not None else ""
    if not sku:
        raise Rejected(c.REJECT_MISSING_SKU)
    name = item.name.strip() if isinstance(item.name, str) else ""
    if not name:
        raise Rejected(c.REJECT_MISSING_NAME, f"sku {sku}")
    observed_on = parse_day(item.observed_on)
    if observed_on is None:
        raise Rejected(c.REJECT_MISSING_DATE, f"sku {sku}")
    try:
        price = parse_money(item.price)
    except ValueError:
        raise Rejected(c.REJECT_NON_NUMERIC_PRICE, f"sku {sku}: {item.price!r}") from None
    if price is None:
        # The product still exists (often "unavailable"): its identity and barcode land,
        # its price observation is rejected and counted.
        notes.append(c.REJECT_MISSING_PRICE)
    elif price <= 0:
        raise Rejected(c.REJECT_NON_POSITIVE_PRICE, f"sku {sku}: {price}")
    elif price >= c.MAX_PRICE:
        raise Rejected(c.REJECT_ABSURD_PRICE, f"sku {sku}: {price}")
    item.company, item.store_id, item.sku = company, str(item.store_id).strip(), sku
    item.name, item.price, item.observed_on = name, price, observed_on
    for field_name, limit in FIELD_LIMITS.items():
        value = getattr(item, field_name)
        if isinstance(value, str) and len(value) > limit:
            raise Rejected(c.REJECT_FIELD_TOO_LONG, f"sku {sku}: {field_name} over {limit}")
    path = item.category_path or []
    if path and max(len(str(part)) for part in path) > 200:
        raise Rejected(c.REJECT_FIELD_TOO_LONG, f"sku {sku}: category over 200")
    was = _optional(parse_money, item.was_price, "bad_was_price_dropped", notes)
    unit_value = _optional(parse_number, item.unit_price_value, "bad_unit_price_dropped", notes)
    item.was_price = was if was and was > 0 else None
    item.unit_price_value = unit_value if unit_value and unit_value > 0 else None
    return item, notes


def _optional(
    parse: Callable[[Any], Decimal | None], value: Any, note: str, notes: list[str]
) -> Decimal | None:
    """Parse an optional number; junk is dropped and noted rather than rejecting the item."""
    try:
        return parse(value)
    except ValueError:
        notes.append(note)
        return None
