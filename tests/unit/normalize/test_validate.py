from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from grocer.items import ProductItem
from grocer.normalize.product import normalize_item
from grocer.normalize.validate import Rejected, parse_money, validate_item


def item(**overrides: object) -> ProductItem:
    values: dict[str, object] = dict(
        company="iga", store_id="14850", sku="31218", name="Coconut Milk", price="3.35",
        observed_on="2025-09-18", brand="Australia's Own", size="1l", barcode="9315090204483",
    )  # fmt: skip
    values.update(overrides)
    return ProductItem(**values)  # type: ignore[arg-type]


def test_a_good_item_is_coerced() -> None:
    checked, notes = validate_item(item())
    assert checked.price == Decimal("3.35")
    assert checked.observed_on == date(2025, 9, 18)
    assert notes == []


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"name": None}, "missing_name"),
        ({"name": "   "}, "missing_name"),
        ({"price": "abc"}, "non_numeric_price"),
        ({"price": float("nan")}, "non_numeric_price"),
        ({"price": True}, "non_numeric_price"),
        ({"price": -1}, "non_positive_price"),
        ({"price": 0}, "non_positive_price"),
        ({"price": 10000}, "absurd_price"),
        ({"price": "25000.00"}, "absurd_price"),
        ({"name": "x" * 501}, "field_too_long"),
        ({"url": "http://x/" + "y" * 1000}, "field_too_long"),
        ({"sku": ""}, "missing_sku"),
        ({"store_id": None}, "missing_store"),
        ({"company": "costco"}, "unknown_company"),
        ({"observed_on": None}, "missing_date"),
        ({"observed_on": "yesterday"}, "missing_date"),
    ],
)
def test_bad_items_are_rejected_with_a_reason(overrides: dict[str, object], reason: str) -> None:
    with pytest.raises(Rejected) as caught:
        validate_item(item(**overrides))
    assert caught.value.reason == reason


def test_missing_price_keeps_the_product_but_notes_the_rejected_price() -> None:
    checked, notes = validate_item(item(price=None))
    assert checked.price is None
    assert notes == ["missing_price"]
    observation, _ = normalize_item(checked)
    assert observation.price_hash is None


def test_bad_barcode_is_dropped_not_the_item() -> None:
    checked, _ = validate_item(item(barcode="9315090204480"))
    observation, notes = normalize_item(checked)
    assert observation.gtin.code is None
    assert notes == ["bad_barcode_dropped"]


def test_instore_code_is_flagged() -> None:
    checked, _ = validate_item(item(barcode="2918940000005"))
    observation, notes = normalize_item(checked)
    assert observation.gtin.instore and notes == ["instore_code_flagged"]


def test_bad_was_price_is_dropped_and_noted() -> None:
    checked, notes = validate_item(item(was_price="n/a"))
    assert checked.was_price is None and notes == ["bad_was_price_dropped"]


@pytest.mark.parametrize(
    ("raw", "value"),
    [("3.35", "3.35"), ("$1,234.5", "1234.50"), (12, "12.00"), (4.69, "4.69"), (None, None)],
)
def test_parse_money(raw: object, value: str | None) -> None:
    assert parse_money(raw) == (Decimal(value) if value else None)
