"""Unit prices standardised to dollars per 1 kg, per 1 l or per each.

Retailers give a numeric unit price and/or a text such as ``$40.00 per 1kg``,
``$1.00 / 100G``, ``$1.68 per 100 g``, ``$2.26/100g`` or ``$3.35/l``.  The quantity is read
from the retailer's measure field when that carries a number, else from the text (a missing
number means 1: ``/l`` is per 1 l).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from grocer.normalize.text import ascii_fold

UNIT_PRICE_PLACES = Decimal("0.0001")

_BASES: dict[str, tuple[str, Decimal]] = {}
for _base, _factor, _spellings in (
    ("kg", Decimal("0.001"), "g gm gms gram grams"),
    ("kg", Decimal(1), "kg kgs kilo kilogram kilograms"),
    ("l", Decimal("0.001"), "ml millilitre millilitres milliliter milliliters"),
    ("l", Decimal(1), "l lt ltr litre litres liter liters"),
    ("ea", Decimal(1), "ea each"),
):
    for _spelling in _spellings.split():
        _BASES[_spelling] = (_base, _factor)

_UNITS = "|".join(sorted(_BASES, key=len, reverse=True))
_MEASURE_WITH_NUMBER = re.compile(rf"(\d+(?:\.\d+)?)\s*/?\s*({_UNITS})\b", re.IGNORECASE)
_MEASURE_ANY = re.compile(rf"(\d+(?:\.\d+)?)?\s*/?\s*(?<![a-z])({_UNITS})\b", re.IGNORECASE)
_DOLLARS = re.compile(r"\$\s*(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)")
_CENTS = re.compile(r"(\d+(?:\.\d+)?)\s*c\b", re.IGNORECASE)


@dataclass(frozen=True)
class UnitPrice:
    """Dollars per one standard unit: ``UnitPrice(Decimal("40.0000"), "kg")``."""

    amount: Decimal
    unit: str  # "kg" | "l" | "ea"


def _find_measure(text: str, *, number_required: bool) -> tuple[str, Decimal] | None:
    pattern = _MEASURE_WITH_NUMBER if number_required else _MEASURE_ANY
    m = pattern.search(text)
    if not m:
        return None
    base, factor = _BASES[m.group(2).lower()]
    quantity = Decimal(m.group(1)) if m.group(1) else Decimal(1)
    if quantity <= 0:
        return None
    return base, quantity * factor


def _text_value(text: str) -> Decimal | None:
    m = _DOLLARS.search(text)
    if m:
        return Decimal(m.group(1).replace(",", ""))
    m = _CENTS.search(text)
    return Decimal(m.group(1)) / 100 if m else None


@lru_cache(maxsize=65536)
def standard_unit_price(
    value: Decimal | None, measure: str | None, text: str | None
) -> UnitPrice | None:
    """Standardise a retailer unit price to per 1 kg, per 1 l or per each.

    Args:
        value: the retailer's numeric unit price in dollars (None or 0 when absent).
        measure: the retailer's unit basis, e.g. ``"100G"`` or a bare ``"g"``.
        text: the retailer's unit price text, e.g. ``"$1.68 per 100 g"``.

    Returns:
        The unit price, or None when the value or the measure cannot be read.

    Examples:
        >>> standard_unit_price(Decimal("40"), "g", "$40.00 per 1kg")
        UnitPrice(amount=Decimal('40.0000'), unit='kg')
        >>> standard_unit_price(None, None, "$3.35/l")
        UnitPrice(amount=Decimal('3.3500'), unit='l')
    """
    folded = ascii_fold(text) if text else ""
    if not value:
        value = _text_value(folded) if folded else None
    if not value or value <= 0:
        return None
    found = _find_measure(measure, number_required=True) if measure else None
    if found is None and folded:
        found = _find_measure(_DOLLARS.sub(" ", folded), number_required=False)
    if found is None:
        return None
    base, quantity_in_base = found
    try:
        amount = (Decimal(value) / quantity_in_base).quantize(UNIT_PRICE_PLACES, ROUND_HALF_UP)
    except InvalidOperation:
        return None
    return UnitPrice(amount, base)
