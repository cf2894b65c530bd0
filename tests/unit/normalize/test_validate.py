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
        ({"name": None}, "missing:name"),
        ({"name": "   "}, "missing:name"),
        ({"name": ["Milk"]}, "bad_type:name"),
        ({"name": "Milk\x00"}, "control_char:name"),
        ({"name": "Milk \ud800"}, "control_char:name"),
        ({"brand": 123}, "bad_type:brand"),
        ({"size": 2}, "bad_type:size"),
        ({"price": "abc"}, "bad_type:price"),
        ({"price": float("nan")}, "bad_type:price"),
        ({"price": True}, "bad_type:price"),
        ({"price": -1}, "out_of_range:price"),
        ({"price": 0}, "out_of_range:price"),
        ({"price": 10000}, "out_of_range:price"),
        ({"price": 1e30}, "out_of_range:price"),
        ({"price": "25000.00"}, "out_of_range:price"),
        ({"was_price": -1}, "out_of_range:was_price"),
        ({"name": "x" * 501}, "too_long:name"),
        ({"url": "http://x/" + "y" * 1000}, "too_long:url"),
        ({"category_path": "Pantry"}, "bad_type:category_path"),
        ({"category_path": ["Pantry", 3]}, "bad_type:category_path"),
        ({"category_path": ["x" * 200] * 3}, "too_long:category_path"),
        ({"sku": ""}, "missing:sku"),
        ({"sku": [1]}, "bad_type:sku"),
        ({"store_id": None}, "missing:store_id"),
        ({"company": "costco"}, "out_of_range:company"),
        ({"observed_on": None}, "missing:observed_on"),
        ({"observed_on": "yesterday"}, "bad_type:observed_on"),
        ({"observed_on": 20250918}, "bad_type:observed_on"),
    ],
)
def test_bad_items_are_rejected_with_a_reason(overrides: dict[str, object], reason: str) -> None:
    with pytest.raises(Rejected) as caught:
        validate_item(item(**overrides))
    assert caught.value.reason == reason


def test_missing_price_keeps_the_product_without_a_price() -> None:
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


def test_numbers_given_as_text_are_read() -> None:
    checked, notes = validate_item(item(price="$1,234.50", was_price="1300", sku=31218))
    assert checked.price == Decimal("1234.50") and checked.was_price == Decimal("1300.00")
    assert checked.sku == "31218" and notes == []


@pytest.mark.parametrize(
    ("raw", "value"),
    [("3.35", "3.35"), ("$1,234.5", "1234.50"), (12, "12.00"), (4.69, "4.69"), (None, None)],
)
def test_parse_money(raw: object, value: str | None) -> None:
    assert parse_money(raw) == (Decimal(value) if value else None)
