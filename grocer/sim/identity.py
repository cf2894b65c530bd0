"""Which simulator products grocer would take for one canonical product (build time only).

grocer identifies a product across listings by its barcode, else by its matching key (name,
brand key and canonical sizes, see :mod:`grocer.normalize.product` and docs/ingest.md).  The
catalogue build groups the simulator's products the same way, from the fields the retailer
pages serve and the parsers read, so the price model can keep the prices of one canonical
product close across retailers (docs/simulator-bargains.md).

The grouping over-approximates grocer's: it is the transitive closure over equal canonical
barcodes and equal matching keys, while ingest gives a key to only one product per key.  A
product grocer keeps apart is at worst grouped (and its prices kept close) needlessly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from grocer.normalize.gtin import clean_gtin
from grocer.normalize.product import product_identity


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


def identity_keys(company: str, record: Mapping[str, Any]) -> list[str]:
    """The identities grocer could give a record's listing: ``gtin:`` and ``key:`` strings."""
    name, brand, size, barcode = served_fields(company, record)
    keys = []
    gtin = clean_gtin(barcode)
    if gtin.is_identity:
        keys.append(f"gtin:{gtin.code}")
    if name:
        key = product_identity(company, name, brand, size).matching_key
        if key:
            keys.append(f"key:{key}")
    return keys


def product_groups(
    records: Mapping[str, Iterable[Mapping[str, Any]]],
) -> list[list[tuple[str, str]]]:
    """Groups of ``(company, sku)`` sharing an identity, two or more members each.

    Deterministic: members sorted, groups ordered by their first member.
    """
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        root = node
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[node] != root:
            parent[node], node = root, parent[node]
        return root

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    members: dict[str, tuple[str, str]] = {}
    for company, rows in records.items():
        for record in rows:
            node = f"sku:{company}:{record['sku']}"
            members[node] = (company, str(record["sku"]))
            find(node)
            for key in identity_keys(company, record):
                union(node, key)
    groups: dict[str, list[tuple[str, str]]] = {}
    for node, member in members.items():
        groups.setdefault(find(node), []).append(member)
    return sorted((sorted(g) for g in groups.values() if len(g) > 1), key=lambda g: g[0])


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
