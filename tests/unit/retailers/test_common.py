"""Tests for grocer.retailers.common: value helpers, title-cased paths, JSON decoding."""

from __future__ import annotations

from decimal import Decimal

import pytest

from grocer.retailers.common import (
    MalformedPayload,
    RequestSpec,
    cents_to_dollars,
    clean_postcode,
    clean_state,
    coordinates,
    dig,
    loads_json,
    money_from_text,
    store_number,
    title_case_path,
    to_decimal,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (12, Decimal("12")),
        (7.5, Decimal("7.5")),
        (0.07, Decimal("0.07")),
        (15.62, Decimal("15.62")),
        ("3.35", Decimal("3.35")),
        (" 1,234.50 ", Decimal("1234.50")),
        ("abc", None),
        ("", None),
        (None, None),
        (True, None),
        (float("nan"), None),
        (float("inf"), None),
        ("Infinity", None),
        ({"now": 1}, None),
        ([1], None),
    ],
)
def test_to_decimal(raw: object, expected: Decimal | None) -> None:
    assert to_decimal(raw) == expected


@pytest.mark.parametrize(
    ("cents", "dollars"),
    [(469, "4.69"), (168, "1.68"), (500, "5.00"), (3445, "34.45"), ("99", "0.99")],
)
def test_cents_to_dollars(cents: object, dollars: str) -> None:
    result = cents_to_dollars(cents)
    assert result == Decimal(dollars)
    assert str(result) == dollars


def test_cents_to_dollars_junk_is_none() -> None:
    assert cents_to_dollars("n/a") is None
    assert cents_to_dollars(None) is None


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("$4.29", Decimal("4.29")),
        ("was $12.00", Decimal("12.00")),
        ("$1,299.00", Decimal("1299.00")),
        (None, None),
        ("", None),
        ("n/a", None),
    ],
)
def test_money_from_text(text: str | None, amount: Decimal | None) -> None:
    assert money_from_text(text) == amount


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (["Children's"], ["Children's"]),
        (
            ["Fruit & Veg", "Fresh Herbs, Garlic & Chillies"],
            ["Fruit & Veg", "Fresh Herbs, Garlic & Chillies"],
        ),
        (
            ["  meat & seafood ", "LAMB", "Graze Grass-Fed Lamb"],
            ["Meat & Seafood", "Lamb", "Graze Grass-Fed Lamb"],
        ),
        (["BBQ Meat"], ["Bbq Meat"]),
        (["Grocery", "Fruit and Vegetable"], ["Grocery", "Fruit And Vegetable"]),
        (["Pork", "", None, "  ", "Pork"], ["Pork"]),
        (None, []),
        ([], []),
    ],
)
def test_title_case_path(parts: list[str | None] | None, expected: list[str]) -> None:
    assert title_case_path(parts) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("800", "0800"),
        (836, "0836"),
        ("5070", "5070"),
        (" 2000 ", "2000"),
        ("60180", None),
        ("", None),
        (None, None),
        ("ABCD", None),
    ],
)
def test_clean_postcode(raw: object, expected: str | None) -> None:
    assert clean_postcode(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("ACT ", "ACT"), ("nsw", "NSW"), ("6018", None), (None, None), ("New South Wales", None)],
)
def test_clean_state(raw: object, expected: str | None) -> None:
    assert clean_state(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("COL:0401", 401),
        ("0401", 401),
        (1147, 1147),
        ("4373", 4373),
        ("COL:", None),
        ("abc", None),
        (None, None),
        (True, None),
    ],
)
def test_store_number(raw: object, expected: int | None) -> None:
    assert store_number(raw) == expected


def test_coordinates_zero_pair_is_junk() -> None:
    assert coordinates("0.000000", "0.000000") == (None, None)
    assert coordinates("-34.905107", "138.655247") == (-34.905107, 138.655247)
    assert coordinates("-34.9", None) == (None, None)


def test_dig_walks_dicts_and_lists() -> None:
    data = {"a": [{"b": 1}], "c": "x"}
    assert dig(data, "a", 0, "b") == 1
    assert dig(data, "a", 1, "b") is None
    assert dig(data, "c", "d") is None
    assert dig(None, "a") is None


@pytest.mark.parametrize("text", ['{"items": [', "", "<html>", b"\xff\xfe{"])
def test_loads_json_raises_malformed_payload(text: str | bytes) -> None:
    with pytest.raises(MalformedPayload):
        loads_json(text)


def test_request_spec_json_body() -> None:
    spec = RequestSpec(url="http://x/api", method="POST", body={"storeId": "1147", "n": 1})
    assert spec.json_body() == b'{"storeId":"1147","n":1}'
    assert RequestSpec(url="http://x").json_body() is None
