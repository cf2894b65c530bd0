"""Brands as identity compares them: maker names and placeholders resolved, aliases applied.

A retailer may show the GS1 licensee ("Kellogg (Aust) Pty Ltd") where another shows the shelf
brand ("Kellogg's"), or a placeholder ("Licensee name withheld for privacy reasons").  The
identity brand is the brand's words with legal and place words dropped from a licensee name,
plurals and possessives folded (:func:`~grocer.analysis.substitutions.frame.s_stem`) and
joined without spaces; a placeholder has none.  Aliases learned from products whose barcodes
agree across retailers (:func:`learn_aliases`) map the rest onto one key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from grocer.analysis.substitutions.frame import s_stem
from grocer.normalize.brand import looks_like_licensee
from grocer.normalize.text import words

# Words of a legal entity's name that say what kind of company it is, or where.
MAKER_WORDS = frozenset(
    {
        "pty", "ltd", "limited", "inc", "incorporated", "llc", "gmbh", "plc", "corp",
        "corporation", "company", "co", "holdings", "industries", "enterprises", "operations",
        "manufacturing", "group", "the", "aust", "australia", "australian", "australasia",
        "nz", "international", "trading", "products", "brands", "licensee", "sa", "spa", "srl",
    }
)  # fmt: skip
# A brand field saying no brand.
PLACEHOLDER_WORDS = frozenset({"withheld", "privacy", "unbranded", "unknown", "generic"})


def identity_brand(display: str | None) -> str:
    """The brand key identity compares ("" for none or a placeholder).

    >>> identity_brand("Kellogg (Aust) Pty Ltd"), identity_brand("Kellogg's")
    ('kellogg', 'kellogg')
    >>> identity_brand("Licensee name withheld for privacy reasons"), identity_brand("Arnott's")
    ('', 'arnott')
    >>> identity_brand("The A2 Milk Company"), identity_brand("Smiths")
    ('a2milk', 'smith')
    """
    found = words(display)
    if not found or PLACEHOLDER_WORDS.intersection(found):
        return ""
    if looks_like_licensee(display):
        found = [w for w in found if w not in MAKER_WORDS] or found
    return "".join(s_stem(w) for w in found if w != "and")


def name_brand(name_words: list[str], brand: str) -> bool:
    """True when a name's first words spell ``brand`` (an identity brand): the brand is in
    the name at a retailer whose brand field holds something else.

    >>> name_brand(["kelloggs", "special", "k"], "kellogg"), name_brand(["special"], "kellogg")
    (True, False)
    """
    if not brand:
        return False
    spelled = ""
    for word in name_words[:4]:
        spelled += s_stem(word)
        if spelled == brand:
            return True
        if not brand.startswith(spelled):
            return False
    return False


def brands_agree(a: str, b: str) -> bool:
    """Equal identity brands, or one the start of the other ("a2" and "a2milk").

    >>> brands_agree("a2", "a2milk"), brands_agree("kellogg", "kellogg"), brands_agree("", "x")
    (True, True, False)
    """
    if not a or not b:
        return False
    return a == b or (min(len(a), len(b)) >= 2 and (a.startswith(b) or b.startswith(a)))


def learn_aliases(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Identity brand -> its alias group's key (the smallest), from brand pairs of products
    whose barcodes agree across retailers; brands already agreeing need no alias.

    >>> learn_aliases([("vegemite", "bega"), ("kraft", "bega"), ("lindt", "lindtsprungli")])
    {'bega': 'bega', 'kraft': 'bega', 'vegemite': 'bega'}
    """
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.get(key, key) != key:
            key = parent[key]
        return key

    for a, b in pairs:
        if not a or not b or brands_agree(a, b):
            continue
        ra, rb = root(a), root(b)
        parent.setdefault(ra, ra)
        parent.setdefault(rb, rb)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {key: root(key) for key in sorted(parent)}


def with_aliases(brand: str, aliases: Mapping[str, str]) -> str:
    """``brand`` as its alias group's key."""
    return aliases.get(brand, brand)
