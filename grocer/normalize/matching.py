"""The cross-retailer matching key of a product."""

from __future__ import annotations

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
