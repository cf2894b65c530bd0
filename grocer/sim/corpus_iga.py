"""IGA products for the shipped catalogue, from the corpus's Wattle Park snapshot (build time)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from grocer.sim.corpus_files import priced_products
from grocer.sim.corpus_text import unit_basis
from grocer.sim.money import to_cents

IGA_UNITS = {
    "g": ("g", "Gram", "gram"),
    "kg": ("kg", "Kilogram", "kilogram"),
    "ml": ("ml", "Millilitre", "millilitre"),
    "l": ("l", "Litre", "litre"),
}


def _iga_leaves(tree: dict[str, Any]) -> dict[str, str]:
    leaves: dict[str, str] = {}

    def walk(node: dict[str, Any]) -> None:
        children = node.get("children") or []
        if not children:
            leaves.setdefault(node["displayName"].lower(), node["identifier"])
        for child in children:
            walk(child)

    walk(tree)
    return leaves


def build_iga(corpus: Path, tree: dict[str, Any]) -> list[dict[str, Any]]:
    """IGA products from the Wattle Park snapshot (barcodes and was-prices kept)."""
    leaves = _iga_leaves(tree)
    out = []
    for p in priced_products(corpus / "iga" / "iga-local-grocer-wattle-park-2025-09-18.jsonl.gz"):
        path = p.get("category_path") or []
        leaf = leaves.get(path[-1].lower()) if path else None
        if leaf is None:
            continue
        brand = p.get("brand") or ""
        if re.search(r"[\u4e00-\u9fff]", brand):
            brand = ""  # the corpus' wrong Chinese company names on produce
        size_text = (p.get("size") or "").strip()
        match = re.match(r"^([\d.]+)\s*([a-zA-Z]+)\s+(\w+)$", size_text)
        if match and match.group(2).lower() in IGA_UNITS:
            abbr, label, kind = IGA_UNITS[match.group(2).lower()]
            number = Decimal(match.group(1))
            uos = {
                "abbreviation": abbr,
                "label": label,
                "size": int(number) if number == number.to_integral() else float(number),
                "type": kind,
            }
            sell_by = match.group(3)
        else:
            uos = {"abbreviation": "", "label": "Each", "size": 1, "type": "each"}
            sell_by = size_text.split()[-1] if size_text else "Each"
        price = to_cents(p["price_current"])
        was = to_cents(p["price_was"]) if p.get("price_was") else None
        regular = was if was and was > price else price
        unit = unit_basis(p.get("per_unit_price_string"), price, _first_number(p))
        barcode = p.get("barcode") if (p.get("barcode") or "").isdigit() else None
        out.append(
            {
                "sku": str(p["sku"]),
                "name": p["name"],
                "brand": brand,
                "desc": (p.get("description") or "")[:400],
                "size": size_text,
                "uos": uos,
                "sell_by": sell_by,
                "cat": path,
                "leaf": leaf,
                "price": regular,
                "gtin": barcode,
                "unit": unit,
                "img": bool(p.get("image_url")),
            }
        )
    return out


def _first_number(p: dict[str, Any]) -> str | None:
    match = re.search(r"\$([\d.,]+)", p.get("per_unit_price_string") or "")
    return match.group(1).replace(",", "") if match else None


def iga_size(p: dict[str, Any]) -> str:
    """An IGA record's size as other retailers write it (``500g``, ``each``)."""
    uos = p["uos"]
    if uos["type"] == "each":
        return "each"
    return f"{uos['size']}{uos['abbreviation']}"
