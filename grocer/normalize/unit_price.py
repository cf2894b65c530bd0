"""Unit prices standardised to dollars per 1 kg, per 1 l or per each.

Retailers give a numeric unit price and/or a text such as ``$40.00 per 1kg``,
``$1.00 / 100G``, ``$1.68 per 100 g``, ``$2.26/100g`` or ``$3.35/l``.  The quantity is read
from the retailer's measure field when that carries a number, else from the text (a missing
number means 1: ``/l`` is per 1 l).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from grocer.normalize.sizes import Size
from grocer.normalize.text import ascii_fold

UNIT_PRICE_PLACES = Decimal("0.0001")
# Unit-price classes in the order shoppers compare them: per kg and per l together (1 l
# compares as 1 kg, as shelf labels do), then per each or anything else, then none.
PER_MEASURE, PER_EACH, NO_UNIT = 0, 1, 2
MEASURES = frozenset({"kg", "l"})
TOLERANCE = Decimal("0.01")  # unit prices within 1% of each other agree
HALF_CENT = Decimal("0.005")  # a figure stated in cents is this close to the exact one

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
    """Dollars per one standard unit: ``UnitPrice(Decimal("40.0000"), "kg")``.

    ``per`` is the quantity (in that unit) the retailer stated its figure for, 0.1 for "per
    100 g" (for a price / size: the pack's content): a figure rounded to cents there is exact
    only to half a cent per ``per`` (None: exact).
    """

    amount: Decimal
    unit: str  # "kg" | "l" | "ea"
    per: Decimal | None = field(default=Decimal(1), compare=False, repr=False)

    @property
    def rounding(self) -> Decimal:
        """How far the stated figure may be from the exact one, per unit."""
        return Decimal(0) if self.per is None else HALF_CENT / self.per


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
    return UnitPrice(amount, base, quantity_in_base)


_PER_BASE = {"g": ("kg", Decimal(1000)), "ml": ("l", Decimal(1000))}


def _derived(
    price: Decimal | None, sizes: tuple[Size, ...], weighed: bool = False
) -> tuple[UnitPrice, ...]:
    """Price / pack content, per 1 kg, 1 l or each, where the sizes say one content.  With a
    pack count and an amount both readings are given: "6 x 375mL" is 6 times the amount,
    "10 Pack 800g" the amount in all.  An item sold by weight ("approx. 0.9 kg per piece")
    may show its price per kg too."""
    if not price or price <= 0:
        return ()
    if weighed:
        return (UnitPrice(price, "kg"), *_derived(price, sizes))
    amounts = [s for s in sizes if s.unit in _PER_BASE and s.value]
    counts = [s.value for s in sizes if s.unit == "pk" and s.value]
    if len(amounts) > 1 or len(counts) > 1:
        return ()
    if amounts:
        base, per = _PER_BASE[amounts[0].unit]
        contents = [amounts[0].value / per, *(amounts[0].value * c / per for c in counts)]
    elif counts:  # "Each" alone says nothing of how many a pack holds
        base, contents = "ea", [counts[0]]
    else:
        return ()
    # a price in cents for ``content`` units: exact to half a cent per ``content``
    return tuple(
        UnitPrice((price / content).quantize(UNIT_PRICE_PLACES, ROUND_HALF_UP), base, content)
        for content in contents
        if content
    )


def _agree(a: UnitPrice, b: UnitPrice) -> bool:
    """Within 1% of each other, or within the rounding of the figures stated."""
    slack = max(TOLERANCE * max(a.amount, b.amount), a.rounding + b.rounding)
    return a.unit == b.unit and abs(a.amount - b.amount) <= slack


@dataclass(frozen=True)
class ReconciledUnitPrice:
    """The unit price kept, and whether the retailer's figures disagreed about it."""

    unit_price: UnitPrice | None
    disagreement: bool


def reconciled_unit_price(
    value: Decimal | None,
    measure: str | None,
    text: str | None,
    price: Decimal | None,
    sizes: tuple[Size, ...],
    weighed: bool = False,
) -> ReconciledUnitPrice:
    """The unit price from the numeric value, the text and price / size, reconciled.

    Where two of them disagree by more than 1%, the value two agree on is kept (if none do,
    the numeric one): Coles' durian at 42.25 for approx. 2.5 kg says 16.90 /kg in its numbers
    and "$21.13 per 1kg" in its text; price / size is 16.90, so 16.90 is kept, and the
    disagreement is reported.  ``weighed``: the item is sold by weight.
    """
    numeric = standard_unit_price(value, measure, text) if value else None
    written = standard_unit_price(None, None, text) if text else None
    unit = (numeric or written).unit if (numeric or written) else None
    derived = [d for d in _derived(price, sizes, weighed) if d.unit == unit]

    def agree(a: UnitPrice | None, b: UnitPrice | None) -> bool:
        return a is not None and b is not None and _agree(a, b)

    def fits(a: UnitPrice | None) -> bool:  # agrees with a reading of price / size
        return any(agree(a, d) for d in derived)

    stated = [u for u in (numeric, written) if u is not None and u.unit == unit]
    if len(stated) + bool(derived) < 2:
        return ReconciledUnitPrice(numeric or written, False)
    if (len(stated) < 2 or agree(numeric, written)) and (not derived or fits(stated[0])):
        return ReconciledUnitPrice(numeric or written, False)
    if agree(numeric, written) or fits(numeric):
        return ReconciledUnitPrice(numeric, True)
    if fits(written):
        return ReconciledUnitPrice(written, True)
    return ReconciledUnitPrice(numeric or written, True)


def unit_class(unit: str | None) -> int:
    """The class of a stored unit (``prices.unit``) in shoppers' order: per kg or l, then
    per each, then none.

    >>> unit_class("l"), unit_class("ea"), unit_class(None)
    (0, 1, 2)
    """
    if unit is None:
        return NO_UNIT
    return PER_MEASURE if unit in MEASURES else PER_EACH
