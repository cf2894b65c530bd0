"""Validation: every product record gets one verdict, accepted (and coerced) or rejected with a
reason ``<kind>:<field>``.

The rules are a JSON Schema per item type (``grocer/normalize/schemas/``), compiled once per
process with fastjsonschema; the field limits are the database columns' (PostgreSQL's), so a
record that passes fits both databases.  Kinds: ``missing``, ``bad_type``, ``out_of_range``,
``too_long``, ``control_char`` (control characters or lone surrogates in text).  A line of a
file that is not JSON, or not an object, is rejected whole (``malformed_json``,
``not_an_object``).  :func:`validate_item` is the pure function shared by the crawl pipeline
and ``grocer ingest``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from importlib.resources import files
from typing import Any

import fastjsonschema

from grocer.items import BarcodeItem, ProductItem, StoreItem

MISSING, BAD_TYPE, OUT_OF_RANGE, TOO_LONG, CONTROL_CHAR = (
    "missing", "bad_type", "out_of_range", "too_long", "control_char",
)  # fmt: skip
MALFORMED_JSON, NOT_AN_OBJECT = "malformed_json", "not_an_object"
MISSING_PRICE = "missing_price"  # a note: the product lands without a price row
CENT = Decimal("0.01")
MAX_PATH = 500  # categories.path: the " > "-joined category path
REQUIRED = ("company", "store_id", "sku", "name", "observed_on")
NUMBERS = ("price", "was_price", "unit_price_value", "multibuy_price")
# JSON Schema keywords -> the kind of rejection a failure of one means
KINDS = {
    "type": BAD_TYPE,
    "enum": OUT_OF_RANGE,
    "minimum": OUT_OF_RANGE,
    "maximum": OUT_OF_RANGE,
    "exclusiveMinimum": OUT_OF_RANGE,
    "exclusiveMaximum": OUT_OF_RANGE,
    "maxLength": TOO_LONG,
    "maxItems": TOO_LONG,
    "pattern": CONTROL_CHAR,
}


class Rejected(ValueError):
    """A record that must not reach the database; ``reason`` is ``<kind>:<field>`` (a stats
    key suffix)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def rejection(kind: str, field: str, detail: str = "") -> Rejected:
    """The rejection of ``field`` for ``kind``."""
    return Rejected(f"{kind}:{field}", detail)


@cache
def schema_validator(kind: str) -> Callable[[Any], Any]:
    """The compiled validator of ``schemas/<kind>.json`` (compiled once per process)."""
    text = files("grocer.normalize").joinpath("schemas", f"{kind}.json").read_text("utf-8")
    return fastjsonschema.compile(json.loads(text))


def check(kind: str, values: dict[str, Any]) -> None:
    """Check ``values`` against the schema of ``kind``.

    Raises:
        Rejected: with the reason of the first field that fails.
    """
    try:
        schema_validator(kind)(values)
    except fastjsonschema.JsonSchemaValueException as error:
        path = [str(part) for part in error.path or ()]
        field = path[1] if len(path) > 1 else "record"
        raise rejection(KINDS.get(error.rule or "", BAD_TYPE), field, error.message) from None


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


def _numbers(values: dict[str, Any]) -> None:
    """Numbers given as text become Decimals; non-finite numbers are not numbers."""
    for field in NUMBERS:
        value = values.get(field)
        if isinstance(value, str):
            try:
                values[field] = parse_number(value)
            except ValueError:
                raise rejection(BAD_TYPE, field, repr(value)[:80]) from None
        elif isinstance(value, float) and not math.isfinite(value):
            raise rejection(BAD_TYPE, field, repr(value))
        elif isinstance(value, Decimal) and not value.is_finite():
            raise rejection(BAD_TYPE, field, repr(value))


def _required(values: dict[str, Any], fields: tuple[str, ...]) -> None:
    for field in fields:
        value = values[field]
        if value is None or (isinstance(value, str) and not value.strip()):
            raise rejection(MISSING, field)


def validate_item(item: ProductItem, *, schema: bool = True) -> tuple[ProductItem, list[str]]:
    """Check an item field by field, then coerce it in place; returns it with its notes.

    Required: company, store, sku, name, date.  A missing price keeps the product (its
    identity and barcode land) without a price row, noted ``missing_price``.  ``schema=False``
    skips the JSON Schema (``GROCER_SCHEMA_VALIDATION=0``, to measure what it costs): only
    what the writer cannot do without is checked.

    Raises:
        Rejected: the first field that fails, as ``<kind>:<field>``.
    """
    values = dict(vars(item))
    _required(values, REQUIRED)
    _numbers(values)
    if schema:
        check("product", values)
    else:
        _coercible(values)
    observed_on = parse_day(values["observed_on"])
    if observed_on is None:
        raise rejection(BAD_TYPE, "observed_on", repr(values["observed_on"])[:80])
    path = values.get("category_path") or []
    if len(" > ".join(path)) > MAX_PATH:
        raise rejection(TOO_LONG, "category_path")
    item.company = values["company"]
    item.store_id = values["store_id"].strip()
    item.sku = str(values["sku"]).strip()
    item.name = values["name"].strip()
    item.observed_on = observed_on
    item.category_path = list(path)
    item.barcode = str(values["barcode"]) if values.get("barcode") is not None else None
    item.price = _money(values["price"])
    item.was_price = _money(values.get("was_price"))
    item.multibuy_qty, item.multibuy_price = _multibuy(values)
    unit_value = values.get("unit_price_value")
    item.unit_price_value = Decimal(str(unit_value)) if unit_value else None  # 0: none shown
    return item, [MISSING_PRICE] if item.price is None else []


def _money(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)


def _multibuy(values: dict[str, Any]) -> tuple[int | None, Decimal | None]:
    """A multi-buy offer is its quantity and its price together: half an offer is rejected."""
    quantity, price = values.get("multibuy_qty"), values.get("multibuy_price")
    if (quantity is None) != (price is None):
        absent = "multibuy_qty" if quantity is None else "multibuy_price"
        raise rejection(MISSING, absent, "a multi-buy offer needs its quantity and its price")
    return quantity, _money(price)


def _coercible(values: dict[str, Any]) -> None:
    """Without the schema, the types the coercion in :func:`validate_item` relies on."""
    expected = {"company": str, "store_id": str, "name": str, "sku": str | int}
    for field, kind in expected.items():
        if not isinstance(values[field], kind):
            raise rejection(BAD_TYPE, field)
    for field in ("brand", "size", "description", "unit_price_text", "promo_text", "url"):
        if not isinstance(values.get(field), str | None):
            raise rejection(BAD_TYPE, field)
    if not isinstance(values.get("category_path") or [], list):
        raise rejection(BAD_TYPE, "category_path")
    quantity = values.get("multibuy_qty")
    if quantity is not None and (isinstance(quantity, bool) or not isinstance(quantity, int)):
        raise rejection(BAD_TYPE, "multibuy_qty")


def validate_store(item: StoreItem) -> StoreItem:
    """Check a store item against the store schema (company and store id required).

    Raises:
        Rejected: the first field that fails, as ``<kind>:<field>``.
    """
    values = dict(vars(item))
    _required(values, ("company", "store_id"))
    check("store", values)
    return item


def validate_barcode(item: BarcodeItem) -> BarcodeItem:
    """Check a barcode outcome against the barcode schema (company, sku, status required).

    Raises:
        Rejected: the first field that fails, as ``<kind>:<field>``.
    """
    values = dict(vars(item))
    _required(values, ("company", "sku", "status"))
    check("barcode", values)
    return item
