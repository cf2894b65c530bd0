"""Multi-buy offers ("Buy 3 for $4", "Pick any 2 for $5.80", "2 for $15.00"): a quantity of
at least two units and the price of that many together.

Retailers say an offer in their own fields (Coles ``pricing.multiBuyPromotion``, Woolworths
``CentreTag.MultibuyData``; :mod:`grocer.retailers`); the text form is what ``promo_text``
keeps, read here for rows stored before the fields were (migration 0011) and by the
simulator's tests.  An offer is per product: "pick any" never spans products here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
MAX_QUANTITY = 1000
_TEXT = re.compile(
    r"\b(?:buy\s+|pick\s+any\s+|any\s+)?(\d{1,4})\s+for\s+\$\s*(\d{1,5}(?:\.\d{1,2})?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Multibuy:
    """``quantity`` units together for ``price`` dollars."""

    quantity: int
    price: Decimal

    def __str__(self) -> str:
        return f"{self.quantity} for ${self.price:.2f}"


def offer(quantity: object, price: object) -> Multibuy | None:
    """An offer from a quantity and a price as a payload gives them; None unless the quantity
    is a whole number from 2 and the price a positive amount.

    >>> str(offer(3, 4)), str(offer("2", "5.80"))
    ('3 for $4.00', '2 for $5.80')
    >>> offer(1, 2), offer(2, 0), offer(2.5, 3)
    (None, None, None)
    """
    if isinstance(quantity, bool) or isinstance(price, bool):
        return None
    try:
        count = Decimal(str(quantity))
        amount = Decimal(str(price)).quantize(CENT, ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return None
    if not count.is_finite() or count != count.to_integral_value() or not amount.is_finite():
        return None
    if not 2 <= count <= MAX_QUANTITY or amount <= 0:
        return None
    return Multibuy(int(count), amount)


def offer_from_text(text: str | None) -> Multibuy | None:
    """The "N for $X" a promotion text states, if it states one.

    >>> str(offer_from_text("Buy 4 for $6")), str(offer_from_text("2 for $15.00 - $18.75/1KG"))
    ('4 for $6.00', '2 for $15.00')
    >>> offer_from_text("Half Price"), offer_from_text("1 for $2")
    (None, None)
    """
    if not text:
        return None
    found = _TEXT.search(text)
    return offer(found.group(1), found.group(2)) if found else None


def fields_of(found: Multibuy | None) -> tuple[int | None, Decimal | None]:
    """The ``(multibuy_qty, multibuy_price)`` columns of an offer (both None without one)."""
    return (found.quantity, found.price) if found else (None, None)
