"""Unit prices reconciled: of the numeric value, the text and price / size, the two that agree
win, and the disagreement is counted (Coles' durian, SKU 111227)."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from grocer.normalize.product import normalize_item
from grocer.normalize.unit_price import UnitPrice, reconciled_unit_price
from grocer.normalize.validate import validate_item
from grocer.retailers import coles
from tests.conftest import FIXTURES

DURIAN = json.loads((FIXTURES / "coles" / "durian_tile.json").read_text(encoding="utf-8"))


def stored(tile: dict[str, Any]) -> tuple[Decimal | None, str | None, list[str]]:
    """The unit price grocer stores for a tile, its unit and the notes."""
    item = coles.parse_tile(tile, store_id="COL:401", base_url="https://www.coles.com.au")
    item.observed_on = date(2025, 7, 30)
    observation, notes = normalize_item(validate_item(item)[0])
    return observation.unit_price, observation.unit, notes


def edited(now: float | None = None, unit: float | None = None, text: str | None = None) -> Any:
    tile = copy.deepcopy(DURIAN)
    if now is not None:
        tile["pricing"]["now"] = now
    if unit is not None:
        tile["pricing"]["unit"]["price"] = unit
    if text is not None:
        tile["pricing"]["comparable"] = text
    return tile


def test_the_durian_keeps_the_price_its_numbers_and_its_size_agree_on() -> None:
    # numeric 16.90 /kg and 42.25 / 2.5 kg agree; the text says $21.13 per 1kg
    assert stored(DURIAN) == (Decimal("16.9000"), "kg", ["unit_price_disagreement"])


@pytest.mark.parametrize(
    ("odd_one_out", "tile"),
    [
        ("text", edited()),
        ("numeric value", edited(unit=25.0, text="$16.90 per 1kg")),
        ("price / size", edited(now=60.0, text="$16.90 per 1kg")),
    ],
)
def test_the_two_that_agree_win(odd_one_out: str, tile: dict[str, Any]) -> None:
    value, unit, notes = stored(tile)
    assert (value, unit) == (Decimal("16.9000"), "kg"), odd_one_out
    assert notes == ["unit_price_disagreement"]


def test_agreeing_figures_note_nothing() -> None:
    assert stored(edited(text="$16.90 per 1kg")) == (Decimal("16.9000"), "kg", [])


def test_none_agreeing_keeps_the_numeric_value() -> None:
    kept = reconciled_unit_price(Decimal("10"), "kg", "$20.00 per 1kg", Decimal("30"), ())
    assert kept.unit_price == UnitPrice(Decimal("10.0000"), "kg") and kept.disagreement
