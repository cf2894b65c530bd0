"""Pack sizes: extraction from product texts and their canonical ``(value, unit)`` form.

Canonical units: ``g`` (kg converted), ``ml`` (l and cl converted), ``pk`` (pack counts),
``ea`` (sold each, no quantity), ``perkg`` (sold by weight) and ``mg``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from grocer.normalize.text import ascii_fold

_UNIT_WORDS: dict[str, tuple[str, Decimal]] = {}
for _unit, _factor, _spellings in (
    ("g", Decimal(1), "g gm gms gr gram grams gramme grammes"),
    ("g", Decimal(1000), "kg kgs kilo kilos kilogram kilograms kilogramme"),
    ("mg", Decimal(1), "mg"),
    ("ml", Decimal(1), "ml mls millilitre millilitres milliliter milliliters"),
    ("ml", Decimal(10), "cl"),
    ("ml", Decimal(1000), "l lt ltr ltrs litre litres liter liters"),
    ("pk", Decimal(1), "pk pks pack packs"),
):
    for _spelling in _spellings.split():
        _UNIT_WORDS[_spelling] = (_unit, _factor)

_UNIT = "|".join(sorted(_UNIT_WORDS, key=len, reverse=True))
_NUM = r"\d+(?:\.\d+)?"
_RANGE = re.compile(rf"(?<![\w.])({_NUM})\s*-\s*({_NUM})\s*({_UNIT})\b")
_MULTI_COUNT_FIRST = re.compile(rf"(?<![\w.])(\d+)\s*x\s*({_NUM})\s*({_UNIT})\b")
_MULTI_COUNT_LAST = re.compile(rf"(?<![\w.])({_NUM})\s*({_UNIT})\s*x\s*(\d+)\b")
_AMOUNT = re.compile(rf"(?<![\w.])({_NUM})\s*/?\s*({_UNIT})\b")
_COUNT_EACH = re.compile(r"(?<![\w.])(\d+)\s*(?:each|ea)\b")
_EACH = re.compile(r"\b(?:each|ea)\b")
_PER_KG = re.compile(r"\bper\s+(?:kg|kilo|kilogram)\b|/\s*kg\b")
_DIGIT = re.compile(r"\d")
_PREFIX = re.compile(r"^\s*(?:approx\.?|approximately|around|about|avg\.?|average)\s+")


@dataclass(frozen=True)
class Size:
    """A canonical pack size: ``Size(Decimal(1500), "ml")`` prints as ``1500ml``."""

    value: Decimal | None
    unit: str

    def __str__(self) -> str:
        if self.value is None:
            return self.unit
        return f"{_plain(self.value)}{self.unit}"


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def _size(number: str, unit_word: str) -> Size:
    unit, factor = _UNIT_WORDS[unit_word]
    return Size(Decimal(number) * factor, unit)


@dataclass(frozen=True)
class SizeScan:
    """What a text says about size: the sizes found and the text with them removed."""

    sizes: frozenset[Size]
    remainder: str


@lru_cache(maxsize=65536)
def scan_sizes(text: str | None) -> SizeScan:
    """Find every size in ``text`` and return them with the text that is left.

    >>> sorted(str(s) for s in scan_sizes("Coke Can 6 x 375mL").sizes)
    ['375ml', '6pk']
    >>> scan_sizes("Juice 1.5 L").remainder
    'juice'
    """
    if not text:
        return SizeScan(frozenset(), "")
    work = _PREFIX.sub("", ascii_fold(text).lower().replace(",", ""))
    found: set[Size] = set()

    def take_range(m: re.Match[str]) -> str:
        found.add(_size(m.group(1), m.group(3)))
        found.add(_size(m.group(2), m.group(3)))
        return " "

    def take_count_first(m: re.Match[str]) -> str:
        found.add(Size(Decimal(m.group(1)), "pk"))
        found.add(_size(m.group(2), m.group(3)))
        return " "

    def take_count_last(m: re.Match[str]) -> str:
        found.add(_size(m.group(1), m.group(2)))
        found.add(Size(Decimal(m.group(3)), "pk"))
        return " "

    def take_amount(m: re.Match[str]) -> str:
        found.add(_size(m.group(1), m.group(2)))
        return " "

    def take_per_kg(m: re.Match[str]) -> str:
        found.add(Size(None, "perkg"))
        return " "

    def take_each(m: re.Match[str]) -> str:
        found.add(Size(None, "ea"))
        return " "

    def take_count_each(m: re.Match[str]) -> str:
        count = int(m.group(1))
        found.add(Size(None, "ea") if count == 1 else Size(Decimal(count), "pk"))
        return " "

    if _DIGIT.search(work):  # every quantity pattern needs a number
        work = _RANGE.sub(take_range, work)
        work = _MULTI_COUNT_FIRST.sub(take_count_first, work)
        work = _MULTI_COUNT_LAST.sub(take_count_last, work)
        work = _AMOUNT.sub(take_amount, work)
        work = _COUNT_EACH.sub(take_count_each, work)
    work = _PER_KG.sub(take_per_kg, work)
    work = _EACH.sub(take_each, work)
    found = {s for s in found if s.value != 0}
    return SizeScan(frozenset(found), " ".join(work.split()))


def extract_sizes(*texts: str | None) -> tuple[Size, ...]:
    """The sorted, de-duplicated canonical sizes found in any of ``texts``.

    >>> [str(s) for s in extract_sizes("Sausages 500-600g")]
    ['500g', '600g']
    >>> [str(s) for s in extract_sizes("approx. 1.6kg each")]
    ['ea', '1600g']
    """
    found: set[Size] = set()
    for text in texts:
        found |= scan_sizes(text).sizes
    return tuple(sorted(found, key=_sort_key))


def _sort_key(size: Size) -> tuple[str, Decimal]:
    return (size.unit, size.value if size.value is not None else Decimal(-1))


def format_sizes(sizes: tuple[Size, ...]) -> str:
    """Space-joined canonical sizes, e.g. ``"375ml 6pk"``."""
    return " ".join(str(s) for s in sizes)


def parse_size(text: str) -> Size | None:
    """Parse one canonical size string back (``"1500ml"`` -> ``Size(1500, "ml")``)."""
    if text in ("ea", "perkg"):
        return Size(None, text)
    m = re.fullmatch(rf"({_NUM})({_UNIT})", text.strip().lower())
    return _size(m.group(1), m.group(2)) if m else None


def pack_content(sizes: str) -> tuple[str, float] | None:
    """What one pack holds, from canonical sizes (``Product.sizes``): its g or ml size (the
    smaller of a range) times its pack count when it has one; None without a g or ml size.

    >>> pack_content("375ml 6pk"), pack_content("500g 600g"), pack_content("ea 3pk")
    (('ml', 2250.0), ('g', 500.0), None)
    """
    amounts: dict[str, Decimal] = {}
    count = Decimal(1)
    for text in sizes.split():
        size = parse_size(text)
        if size is None or size.value is None:
            continue
        if size.unit in ("g", "ml"):
            amounts[size.unit] = min(amounts.get(size.unit, size.value), size.value)
        elif size.unit == "pk":
            count = size.value
    for unit in ("g", "ml"):
        if unit in amounts:
            return unit, float(amounts[unit] * count)
    return None
