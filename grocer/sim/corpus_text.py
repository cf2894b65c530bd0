"""What the catalogue build reads from a corpus record's text: words, unit prices, barcodes."""

from __future__ import annotations

import html
import re
from decimal import Decimal
from typing import Any

from grocer.sim.money import to_cents

UNIT_WORDS = {
    "g": "g", "gram": "g", "kg": "kg", "ml": "ml", "l": "l", "litre": "l", "ea": "ea",
    "each": "ea", "sheets": "sheets", "m": "m",
}  # fmt: skip
STOP = {"and", "the", "with", "of", "in", "a", "&", "pack", "x", "woolworths", "coles", "iga"}


def text_words(text: str | None) -> list[str]:
    """The lower-case letter/digit words of ``text`` (HTML entities decoded)."""
    return re.findall(r"[a-z0-9]+", html.unescape(text or "").lower())


def unit_basis(text: str | None, price_cents: int, unit_value: object) -> list[Any] | None:
    """``[basis quantity, basis unit, factor]`` with unit price = price * factor."""
    if not text or unit_value in (None, 0) or price_cents <= 0:
        return None
    cleaned = text.replace(",", "")
    match = re.search(r"(?:per|/)\s*(\d*\.?\d*)\s*([a-zA-Z]+)", cleaned)
    if not match:
        match2 = re.search(r"\$[\d.]+\s+(each)", cleaned)
        if not match2:
            return None
        qty, unit_word = "1", "each"
    else:
        qty, unit_word = match.group(1) or "1", match.group(2)
    unit = UNIT_WORDS.get(unit_word.lower())
    if unit is None:
        return None
    unit_cents = to_cents(unit_value)
    if unit_cents <= 0:
        return None
    factor = (Decimal(unit_cents) / Decimal(price_cents)).quantize(Decimal("0.00000001"))
    return [int(Decimal(qty)), unit, str(factor)]


def gtin_ok(code: str | None) -> bool:
    """Whether ``code`` is a GTIN-8/12/13/14 with a valid check digit."""
    if not code or not code.isdigit() or len(code) not in (8, 12, 13, 14):
        return False
    digits = [int(c) for c in code]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits[:-1])))
    return (10 - total % 10) % 10 == digits[-1]
