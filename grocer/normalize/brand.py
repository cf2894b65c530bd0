"""Brand keys, and the brand Coles shows where a record carries the GS1 licensee instead."""

from __future__ import annotations

import re
from collections.abc import Mapping

from grocer.normalize.text import clean_text, display_text, words

# Normalised variation -> normalised canonical brand key.
BRAND_SYNONYMS: dict[str, str] = {
    "coca cola": "cocacola",
    "cocacola": "cocacola",
    "coke": "cocacola",
    "kellogg": "kelloggs",
    "kelloggs": "kelloggs",
    "arnott": "arnotts",
    "arnotts": "arnotts",
    "cadbury": "cadbury",
    "dairy farmer": "dairy farmers",
    "farmers dairy": "dairy farmers",
    "mccain": "mccain",
    "mccains": "mccain",
    "heinz": "heinz",
    "smith": "smiths",
    "smiths": "smiths",
}

_LICENSEE = re.compile(
    r"\b(pty|ltd|limited|inc|incorporated|llc|gmbh|srl|spa|s\.?a\.?u?|plc|corp|corporation"
    r"|company|co\.|licensee|manufacturing|industries|enterprises|holdings|operations)\b"
    r"|withheld",
    re.IGNORECASE,
)
# Coles descriptions sometimes start with a department marker rather than the brand.
_DESCRIPTION_NOISE = {"d/l", "dl", "msc", "deli"}


# Brands write "&" or "and" (punctuation, so "&" drops out): "Nice & Natural", "Nice And Natural".
_CONNECTIVES = frozenset({"and"})


def brand_key(brand: str | None, synonyms: Mapping[str, str] = BRAND_SYNONYMS) -> str:
    """The normalised brand key: cleaned words, de-duplicated, sorted, space-joined.

    >>> brand_key("Coca-Cola"), brand_key("Queen Victoria"), brand_key("Arnott&#039;s")
    ('cocacola', 'queen victoria', 'arnotts')
    """
    key = " ".join(sorted(set(words(brand)) - _CONNECTIVES))
    return synonyms.get(key, key)


def looks_like_licensee(brand: str | None) -> bool:
    """True when a brand text is a company's legal name (GS1 licensee), not a shelf brand."""
    return bool(brand) and bool(_LICENSEE.search(display_text(brand) or ""))


def coles_display_brand(brand: str | None, description: str | None, name: str | None) -> str | None:
    """The brand Coles shows for a product whose record may carry the GS1 licensee.

    Coles' upper-case ``description`` starts with the shelf brand ("KELLOGG'S LCMS RICE
    BUBBLES"), while the product ``name`` omits it ("LCMs Rice Bubbles").  When ``brand`` is
    a legal entity name, the description words before the first word the name shares are the
    brand.  Otherwise ``brand`` is kept (entities unescaped).

    >>> coles_display_brand(
    ...     "Kellogg (Aust) Pty Ltd", "KELLOGG'S LCMS RICE BUBBLES 5 PACK", "LCMs Rice Bubbles"
    ... )
    "Kellogg's"
    >>> coles_display_brand("Coles", "COLES RSPCA CHICKEN WINGS", "RSPCA Approved Chicken Wings")
    'Coles'
    """
    shown = display_text(brand)
    if shown and not looks_like_licensee(shown):
        return shown
    if not description:
        return None
    name_words = set(words(name))
    taken: list[str] = []
    for raw_word in (display_text(description) or "").split(":")[0].split():
        cleaned = clean_text(raw_word)
        if not cleaned or raw_word.lower() in _DESCRIPTION_NOISE and not taken:
            continue
        if cleaned in name_words or any(ch.isdigit() for ch in cleaned):
            break
        taken.append(raw_word)
        if len(taken) == 3:
            break
    if not taken:
        return None
    return " ".join(_title_word(w) for w in taken)


def _title_word(word: str) -> str:
    # "KELLOGG'S" -> "Kellogg's" (str.title would give "Kellogg'S").
    return word[:1].upper() + word[1:].lower()
