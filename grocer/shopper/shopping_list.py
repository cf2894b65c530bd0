"""A shopping list: one line per thing to buy, ``WHAT [xN | AMOUNT] [~L]``, ``#`` a comment.

``WHAT`` is a product id, a barcode or words; ``xN`` N packs (default 1); ``AMOUNT`` a
quantity read as :mod:`grocer.normalize.sizes` reads sizes (``3L``, ``750ml``, ``2kg``), served
with whole packs; ``~L`` accepts substitutes of level L or closer (1-4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from grocer.normalize.sizes import scan_sizes

_PACKS = re.compile(r"^x(\d+)$", re.IGNORECASE)
_LEVEL = re.compile(r"^~([1-4])$")
_ANY_LEVEL = re.compile(r"^~\d+$")


class ListError(ValueError):
    """A line that cannot be read: the message names it."""


@dataclass(frozen=True)
class ListLine:
    """One line: what, how many packs or how much (``(unit, value)`` in g or ml), which
    substitutes are acceptable (None: none)."""

    text: str
    what: str
    packs: int = 1
    amount: tuple[str, Decimal] | None = None
    level: int | None = None


def parse_line(text: str) -> ListLine | None:
    """One line read; None for a blank line or a comment.

    >>> parse_line("milk 3L ~3")
    ListLine(text='milk 3L ~3', what='milk', packs=1, amount=('ml', Decimal('3000')), level=3)
    >>> parse_line("9300601040322 x2").packs, parse_line("  # weekly shop")
    (2, None)
    """
    body = text.split("#", 1)[0].strip()
    if not body:
        return None
    words = body.split()
    packs, amount, level = 1, None, None
    while len(words) > 1:
        last = words[-1]
        if (found := _LEVEL.match(last)) and level is None:
            level = int(found.group(1))
        elif (found := _PACKS.match(last)) and amount is None and packs == 1:
            packs = int(found.group(1))
            if packs < 1:
                raise ListError(f"{body!r}: x{packs} is no number of packs")
        elif (quantity := _amount(last)) is not None and amount is None:
            if packs != 1:
                raise ListError(f"{body!r}: give xN or an amount, not both")
            amount = quantity
        elif _PACKS.match(last) and amount is not None:
            raise ListError(f"{body!r}: give xN or an amount, not both")
        elif _ANY_LEVEL.match(last):
            raise ListError(f"{body!r}: a substitute level is ~1 to ~4, not {last}")
        else:
            break
        words.pop()
    if level is not None and words and _LEVEL.match(words[-1]):
        raise ListError(f"{body!r}: two substitute levels")
    return ListLine(text=body, what=" ".join(words), packs=packs, amount=amount, level=level)


def _amount(word: str) -> tuple[str, Decimal] | None:
    scanned = scan_sizes(word)
    if scanned.remainder.strip() or len(scanned.sizes) != 1:
        return None
    [size] = scanned.sizes
    if size.unit not in ("g", "ml") or size.value is None or size.value <= 0:
        return None
    return size.unit, size.value


def parse_list(text: str) -> list[ListLine]:
    """Every line of a list, in order (blank lines and comments left out).

    Raises:
        ListError: a line that cannot be read, or a list with nothing on it.
    """
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        try:
            line = parse_line(raw)
        except ListError as error:
            raise ListError(f"line {number}: {error}") from None
        if line is not None:
            lines.append(line)
    if not lines:
        raise ListError("the list has no lines")
    return lines
