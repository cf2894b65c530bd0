from __future__ import annotations

from decimal import Decimal

import pytest

from grocer.normalize.unit_price import standard_unit_price

D = Decimal


@pytest.mark.parametrize(
    ("value", "measure", "text", "amount", "unit"),
    [
        # Coles: the measure is a bare unit, the quantity comes from the text.
        (D("40"), "g", "$40.00 per 1kg", D("40.00"), "kg"),
        (D("8.5"), "kg", "$8.50 per 1kg", D("8.50"), "kg"),
        (D("0.07"), "ea", "$0.07 per 1ea", D("0.07"), "ea"),
        # Woolworths: the measure carries the quantity.
        (D("1.0"), "100G", "$1.00 / 100G", D("10.00"), "kg"),
        (D("0.14"), "1EA", "$0.14 / 1EA", D("0.14"), "ea"),
        (D("2.50"), "100ML", "$2.50 / 100ML", D("25.00"), "l"),
        # Aldi: 168 cents comparison price, converted to dollars by the parser.
        (D("1.68"), None, "$1.68 per 100 g", D("16.80"), "kg"),
        (D("34.45"), None, "$34.45 per 1 kg", D("34.45"), "kg"),
        # IGA: text only; a missing quantity means one unit.
        (None, None, "$2.26/100g", D("22.60"), "kg"),
        (None, None, "$1.75/100ml", D("17.50"), "l"),
        (None, None, "$3.35/l", D("3.35"), "l"),
        (None, None, "$12.50/kg", D("12.50"), "kg"),
        (None, None, "$1,440.00 per 1kg", D("1440.00"), "kg"),  # thousands separator
    ],
)
def test_unit_prices_are_per_kg_l_or_each(
    value: Decimal | None, measure: str | None, text: str, amount: Decimal, unit: str
) -> None:
    result = standard_unit_price(value, measure, text)
    assert result is not None
    assert (result.amount, result.unit) == (amount, unit)


@pytest.mark.parametrize(
    ("value", "measure", "text"),
    [
        (None, "0", None),  # Woolworths without a unit price
        (None, None, None),
        (D("0"), "100G", "$0.00 / 100G"),
        (D("1.20"), None, "$1.20 per 100 sheets"),  # unsupported basis
    ],
)
def test_unreadable_unit_prices_give_none(
    value: Decimal | None, measure: str | None, text: str | None
) -> None:
    assert standard_unit_price(value, measure, text) is None
