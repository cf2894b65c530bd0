"""A simulator product's fields as grocer's parsers read its listing (name, brand, size,
barcode): IGA's size from ``unitOfSize``, Woolworths' "each" default, no Aldi barcodes.

Tests write the simulator's truth as feed records with these fields, so an ingested truth is
what a crawl would store.  Which products are one is not decided here but by the simulator's
own truth (:mod:`grocer.sim.equivalents`).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any


def _text(value: Any) -> str | None:
    """What ``grocer.retailers.common.clean_text`` makes of a served value."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | Decimal):
        return str(value)
    return value if isinstance(value, str) and value.strip() else None


def iga_size(uos: Mapping[str, Any] | None) -> str | None:
    """The size the IGA parser reads from the ``unitOfSize`` the simulator serves."""
    uos = uos or {"abbreviation": "", "label": "Each", "size": 1, "type": "each"}
    size, abbreviation = uos.get("size"), _text(uos.get("abbreviation"))
    if size is not None and abbreviation:
        return f"{size}{abbreviation.strip()}"
    kind = _text(uos.get("type")) or _text(uos.get("label"))
    if size is not None and kind and kind.strip().lower() == "each":
        return "each" if Decimal(str(size)) == 1 else f"{size} each"
    return None


def served_fields(
    company: str, record: Mapping[str, Any]
) -> tuple[str | None, str | None, str | None, str | None]:
    """``(name, brand, size, barcode)`` as grocer's parsers read a catalogue record's listing.

    ``record`` is a catalogue record (``name``, ``brand``, ``size``, ``gtin``, IGA ``uos``).
    Coles listings carry no barcode, but its product pages do (``coles_barcodes``).
    """
    name, brand, size = record.get("name"), record.get("brand") or None, record.get("size")
    if company == "woolworths":
        size = size or "each"
    elif company == "aldi":
        size = size or None
    elif company == "iga":
        size = iga_size(record.get("uos"))
    barcode = None if company == "aldi" else record.get("gtin")
    return _text(name), _text(brand), _text(size), _text(barcode)


def listing_fields(product: Any) -> tuple[str | None, str | None, str | None, str | None]:
    """:func:`served_fields` of a loaded :class:`~grocer.sim.catalogue.Product`."""
    record = {
        "name": product.name,
        "brand": product.brand,
        "size": product.size,
        "gtin": product.gtin,
        "uos": product.extra.get("uos"),
    }
    return served_fields(product.company, record)
