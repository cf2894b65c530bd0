"""Coles products for the shipped catalogue, from the corpus's Firle snapshot (build time)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from grocer.normalize.brand import coles_display_brand
from grocer.sim.corpus_files import priced_products
from grocer.sim.corpus_text import gtin_ok, unit_basis
from grocer.sim.money import to_cents
from grocer.sim.rng import text_seed

# Coles department name (first element of a Firle category path) -> browse slug.
COLES_DEPARTMENTS = {
    "Meat & Seafood": "meat-seafood",
    "Fruit & Vegetables": "fruit-vegetables",
    "Dairy, Eggs & Fridge": "dairy-eggs-fridge",
    "Bakery": "bakery",
    "Deli": "deli",
    "Pantry": "pantry",
    "Dietary & World Foods": "dietary-world-foods",
    "Chips, Chocolates & Snacks": "chips-chocolates-snacks",
    "Drinks": "drinks",
    "Frozen": "frozen",
    "Household": "household",
    "Health & Beauty": "health-beauty",
    "Baby": "baby",
    "Pet": "pet",
    "Liquorland": "liquorland",
}


def build_coles(corpus: Path, menu: dict[str, Any]) -> list[dict[str, Any]]:
    """Coles products from the Firle snapshot (brand as Coles shows it, GTIN for pages)."""
    ids: dict[tuple[str, ...], str] = {}

    def walk(node: dict[str, Any], path: tuple[str, ...]) -> None:
        here = (*path, node["name"])
        ids[here] = node["id"]
        for child in node.get("childItems") or []:
            walk(child, here)

    for item in menu["data"]["menuItems"]["items"]:
        walk(item, ())
    out = []
    for p in priced_products(
        corpus / "coles" / "coles-coles-firle-401-2025-09-23.jsonl.progress.gz"
    ):
        path = p.get("category_path") or []
        dept = COLES_DEPARTMENTS.get(path[0] if path else "", "pantry")
        if path and path[0] not in COLES_DEPARTMENTS:
            path = ["Pantry", *path[1:]]
        price = to_cents(p["price_current"])
        was = to_cents(p["price_was"]) if p.get("price_was") else None
        regular = was if was and was > price else price
        heir_ids = [
            ids.get(tuple(path[:1]), str(text_seed(path[0]) % 9_000_000 + 1_000_000)),
            ids.get(tuple(path[:2]), str(text_seed("/".join(path[:2])) % 9_000_000 + 1_000_000)),
            ids.get(tuple(path[:3]), str(text_seed("/".join(path[:3])) % 9_000_000 + 1_000_000)),
        ]
        barcode = p.get("barcode") if gtin_ok(p.get("barcode")) else None
        unit = unit_basis(p.get("per_unit_price_string"), price, p.get("per_unit_price_value"))
        out.append(
            {
                "sku": str(p["sku"]),
                "name": html.unescape(p["name"]),
                "brand": coles_display_brand(p.get("brand"), p.get("description"), p.get("name"))
                or "",
                "desc": p.get("description") or "",
                "size": p.get("size") or "",
                "cat": path,
                "cat_ids": heir_ids,
                "leaf": dept,
                "price": regular,
                "gtin": barcode,
                "unit": unit,
                "measure": p.get("per_unit_price_measure"),
            }
        )
    return out
