"""The price state of a listing at a store, declared once.

A price row says what a shelf showed: these fields.  Each is marked whether it feeds the price
hash (an interval is a run of equal hashes) and whether readers get it (exports, the zone
resolver, the API).  The writer stores every field and the hash; :func:`price_hash` hashes the
``hashed`` ones in declaration order; :func:`price_record` builds the readers' record types.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, make_dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any


@dataclass(frozen=True)
class PriceField:
    """One field of the price state.

    Attributes:
        name: the column and attribute name.
        type: the value's Python type, for record types.
        hashed: whether it feeds the price hash.
        read: whether readers (export, resolver) get it.
        places: for money fields, the places its hash text is quantized to.
    """

    name: str
    type: Any
    hashed: bool
    read: bool
    places: str | None = None


PRICE_FIELDS: tuple[PriceField, ...] = (
    PriceField("price", Decimal, hashed=True, read=True, places="0.01"),
    PriceField("was_price", Decimal | None, hashed=True, read=True, places="0.01"),
    PriceField("unit_price", Decimal | None, hashed=True, read=True, places="0.0001"),
    PriceField("unit", str | None, hashed=True, read=True),
    PriceField("unit_text", str | None, hashed=False, read=False),
    PriceField("is_special", bool, hashed=True, read=True),
    PriceField("promo_text", str | None, hashed=True, read=True),
    # A multi-buy offer: promo_text already states it, so it feeds no hash (issue 29).
    PriceField("multibuy_qty", int | None, hashed=False, read=True),
    PriceField("multibuy_price", Decimal | None, hashed=False, read=True, places="0.01"),
)
HASH = "price_hash"
HASHED_FIELDS: tuple[str, ...] = tuple(f.name for f in PRICE_FIELDS if f.hashed)
# What a price row stores of the state, and what readers get of it (both with the hash).
STORED_FIELDS: tuple[str, ...] = (*(f.name for f in PRICE_FIELDS), HASH)
READ_FIELDS: tuple[str, ...] = (*(f.name for f in PRICE_FIELDS if f.read), HASH)
_HASHED = tuple(f for f in PRICE_FIELDS if f.hashed)


def _hash_text(field: PriceField, value: Any) -> str:
    if value is None:
        return ""
    if field.places is not None:
        return str(value.quantize(Decimal(field.places)))
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


@lru_cache(maxsize=65536)
def price_hash(*values: Any) -> str:
    """An md5 hex digest of the price state only (the ``hashed`` fields' values, in declared
    order): never of the date, the store or the product."""
    if len(values) != len(_HASHED):
        raise TypeError(f"price_hash takes {len(_HASHED)} values: {', '.join(HASHED_FIELDS)}")
    state = "|".join(_hash_text(f, v) for f, v in zip(_HASHED, values, strict=True))
    return hashlib.md5(state.encode(), usedforsecurity=False).hexdigest()


def stored_state(source: Any) -> dict[str, Any]:
    """The stored columns of an object carrying the state's attributes and its hash."""
    return {name: getattr(source, name) for name in STORED_FIELDS}


def price_record(
    name: str,
    doc: str,
    *,
    before: Sequence[tuple[str, Any]],
    after: Sequence[tuple[str, Any]] = (("first_seen", date), ("last_seen", date)),
    namespace: dict[str, Any] | None = None,
) -> type:
    """A frozen, slotted record type: ``before`` fields, the read state fields, ``after``.

    Readers' records (an exported row, a resolved price) are built here, so a state field
    added to :data:`PRICE_FIELDS` reaches every one of them.
    """
    state = [(f.name, f.type) for f in PRICE_FIELDS if f.read] + [(HASH, str)]
    return make_dataclass(
        name,
        [*before, *state, *after],
        namespace={"__doc__": doc, **(namespace or {})},
        frozen=True,
        slots=True,
    )
