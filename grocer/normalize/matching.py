"""The cross-retailer matching key and the price-state hash."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from functools import lru_cache

from grocer.normalize.sizes import Size
from grocer.normalize.text import words

MAX_KEY_LENGTH = 255


def matching_key(name_without_sizes: str, brand_key: str, sizes: tuple[Size, ...]) -> str | None:
    """Sorted unique words of the name (its size text removed), the brand key and the sizes.

    Coles ``Full Cream Milk`` / ``Dairy Farmers`` / ``2L`` and Woolworths ``Dairy Farmers
    Full Cream Milk`` / ``2L`` give the same key, ``2000ml cream dairy farmers full milk``.
    """
    tokens = set(words(name_without_sizes)) | set(brand_key.split()) | {str(s) for s in sizes}
    if not tokens:
        return None
    return " ".join(sorted(tokens))[:MAX_KEY_LENGTH]


def _money(value: Decimal | None, places: str) -> str:
    return "" if value is None else str(value.quantize(Decimal(places)))


@lru_cache(maxsize=65536)
def price_hash(
    price: Decimal,
    was_price: Decimal | None,
    unit_price: Decimal | None,
    unit: str | None,
    is_special: bool,
    promo_text: str | None,
) -> str:
    """An md5 hex digest of the price state only: never the date, the store or the product."""
    state = "|".join(
        (
            _money(price, "0.01"),
            _money(was_price, "0.01"),
            _money(unit_price, "0.0001"),
            unit or "",
            "1" if is_special else "0",
            promo_text or "",
        )
    )
    return hashlib.md5(state.encode(), usedforsecurity=False).hexdigest()
