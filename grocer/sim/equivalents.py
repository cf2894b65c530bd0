"""The simulator's own truth of which products are one (build time and ``/_sim/identity``).

Equivalents are listings sharing a barcode (the corpus' barcodes, canonical GTIN; an in-store
code names no product) and the groups of the planted table ``data/identity.json``: listings
that carry no shared barcode but are the same product by a reader's judgement (Aldi's listing
of a barcoded national brand, "Arnott's Tim Tam Original Chocolate Biscuits 200g"; an IGA
listing served without its barcode; one retailer's two SKUs of one product; products sold by
weight under an in-store code).  The table also plants expected substitutes with a level
(Aldi's private labels against a retailer's own: substitutes, never one product) and decoys
(same name, other size; same size, other variety), which must never be joined.  None of it
comes from grocer's identity rules (its matching key): a wrong merge in grocer
fails a simulator test (docs/simulator-bargains.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from grocer.normalize.gtin import clean_gtin
from grocer.unionfind import Groups

TABLE = Path(__file__).parent / "data" / "identity.json"
Member = tuple[str, str]  # (company, sku)


@cache
def planted_table(path: Path = TABLE) -> dict[str, Any]:
    """The planted table: ``equivalents`` (``product``, ``listings``), ``substitutes`` (``a``,
    ``b``, ``level``, ``why``) and ``decoys`` (``a``, ``b``, ``kind``)."""
    return json.loads(path.read_text("utf-8"))


def _member(ref: Mapping[str, Any]) -> Member:
    return (str(ref["company"]), str(ref["sku"]))


def equivalent_groups(
    records: Mapping[str, Iterable[Mapping[str, Any]]],
    table: Mapping[str, Any] | None = None,
) -> list[list[Member]]:
    """Groups of ``(company, sku)`` that are one product, two or more members each: the
    closure over shared canonical barcodes and the table's equivalents.  Deterministic:
    members sorted, groups ordered by their first member.

    Raises:
        KeyError: a table entry names a listing the records do not hold.
    """
    table = planted_table() if table is None else table
    groups = Groups()
    members: set[Member] = set()
    for company, rows in records.items():
        for record in rows:
            member = (company, str(record["sku"]))
            members.add(member)
            gtin = clean_gtin(record.get("gtin"))
            if gtin.is_identity and gtin.code:
                groups.join(member, ("gtin", gtin.code))
    for entry in table.get("equivalents", ()):
        listed = [_member(ref) for ref in entry["listings"]]
        missing = [m for m in listed if m not in members]
        if missing:
            raise KeyError(f"planted equivalent {entry['product']!r}: no listing {missing}")
        for other in listed[1:]:
            groups.join(listed[0], other)
    joined = groups.members(members)
    return sorted((sorted(g) for g in joined if len(g) > 1), key=lambda g: g[0])


def identity_truth(groups: Iterable[Iterable[Member]]) -> dict[str, Any]:
    """``GET /_sim/identity``: the equivalents (``{"company", "sku"}`` lists), the planted
    substitutes (``a``, ``b``, ``level``) and decoys (``a``, ``b``, ``kind``)."""
    table = planted_table()
    return {
        "equivalents": [[{"company": c, "sku": s} for c, s in group] for group in groups],
        "substitutes": [
            {"a": row["a"], "b": row["b"], "level": row["level"]}
            for row in table.get("substitutes", ())
        ],
        "decoys": [
            {"a": row["a"], "b": row["b"], "kind": row["kind"]} for row in table.get("decoys", ())
        ],
    }
