"""Woolworths products for the shipped catalogue (build time): the corpus's Woolworths-brand
barcode list priced like the nearest Coles/IGA product, plus national brands shared with Coles
and IGA by barcode."""

from __future__ import annotations

import collections
import html
import math
import re
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from grocer.sim.corpus_files import read_record_blocks
from grocer.sim.corpus_iga import iga_size
from grocer.sim.corpus_text import STOP, text_words
from grocer.sim.rng import mix, text_seed

# Department (Coles or IGA naming, lower-cased) -> Woolworths root slug.
WOOLWORTHS_ROOTS = {
    "meat & seafood": "poultry-meat-seafood",
    "meat, seafood and deli": "poultry-meat-seafood",
    "fruit & vegetables": "fruit-veg",
    "fruit and vegetable": "fruit-veg",
    "dairy, eggs & fridge": "dairy-eggs-fridge",
    "dairy, eggs and fridge": "dairy-eggs-fridge",
    "bakery": "bakery",
    "deli": "deli",
    "pantry": "pantry",
    "other": "pantry",
    "dietary & world foods": "international-foods",
    "chips, chocolates & snacks": "snacks-confectionery",
    "drinks": "drinks",
    "frozen": "freezer",
    "household": "cleaning-maintenance",
    "health & beauty": "personal-care",
    "health and beauty": "personal-care",
    "baby": "baby",
    "pet": "pet",
    "liquor": "beer-wine-spirits",
    "liquorland": "beer-wine-spirits",
}
HOUSE_BRANDS = {"coles", "woolworths", "iga", "community co", "black & gold", "black and gold"}


def _woolworths_leaves(tree: dict[str, Any]) -> dict[str, list[tuple[str, list[str]]]]:
    """Root slug -> leaves ``(NodeId, path descriptions)``, specials nodes skipped."""
    leaves: dict[str, list[tuple[str, list[str]]]] = collections.defaultdict(list)

    def walk(node: dict[str, Any], root: str, path: list[str]) -> None:
        if node["NodeId"].endswith("_SPECIALS") or node["UrlFriendlyName"].endswith("-specials"):
            return
        here = [*path, node["Description"]]
        children = node.get("Children") or []
        if not children:
            leaves[root].append((node["NodeId"], here))
        for child in children:
            walk(child, root, here)

    for root in tree["Categories"]:
        walk(root, root["UrlFriendlyName"], [])
    return leaves


def _size_from_normalized(name: str, normalized: str) -> str:
    rest = normalized
    for number in sorted(re.findall(r"\b\d+\b", name)):
        if rest.startswith(number):
            rest = rest[len(number) :]
    match = re.match(r"^(\d+)(kg|g|ml|l|pk)", rest)
    if not match:
        return "each" if "ea" in normalized else ""
    value, unit = int(match.group(1)), match.group(2)
    if unit in ("kg", "l") and value >= 10:
        return f"{value / 10:g}{unit}"  # the old key dropped the decimal point: 15kg = 1.5kg
    if unit == "pk":
        return f"{value} pack"
    return f"{value}{unit}"


def _grams(size: str) -> Decimal | None:
    match = re.search(r"(\d+(?:\.\d+)?)\s*(kg|g|ml|l)\b", size.lower())
    if not match:
        return None
    value = Decimal(match.group(1))
    return value * 1000 if match.group(2) in ("kg", "l") else value


class _NearestPriced:
    """Token-overlap nearest neighbour over priced products (IDF weighted)."""

    def __init__(self, products: list[dict[str, Any]]) -> None:
        self.products = products
        self.index: dict[str, list[int]] = collections.defaultdict(list)
        for i, p in enumerate(products):
            for w in set(text_words(p["name"])) - STOP:
                self.index[w].append(i)
        n = len(products)
        self.idf = {w: math.log(n / len(ix)) for w, ix in self.index.items()}

    def best(self, name: str) -> dict[str, Any] | None:
        scores: dict[int, float] = collections.defaultdict(float)
        for w in set(text_words(name)) - STOP:
            for i in self.index.get(w, ()):
                scores[i] += self.idf[w]
        if not scores:
            return None
        best = max(scores.items(), key=lambda kv: (kv[1], -kv[0]))[0]
        return self.products[best]


def _pick_leaf(
    leaves: dict[str, list[tuple[str, list[str]]]], root: str, words: Iterable[str]
) -> str:
    wanted = set(words) - STOP
    options = leaves.get(root) or leaves["pantry"]
    best = max(
        options,
        key=lambda leaf: (
            len(wanted & set(text_words(" ".join(leaf[1][1:])))),
            -options.index(leaf),
        ),
    )
    return best[0]


def build_woolworths(
    corpus: Path, tree: dict[str, Any], coles: list[dict[str, Any]], iga: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Woolworths-brand products plus national brands shared with Coles and IGA by barcode."""
    leaves = _woolworths_leaves(tree)
    reference = [p for p in coles + iga if p.get("unit")]
    nearest = _NearestPriced(reference)
    out: list[dict[str, Any]] = []
    seen_barcodes: set[str] = set()
    for rec in read_record_blocks(corpus / "barcodes_and_matching" / "woolworths_products.txt.gz"):
        barcode = rec.get("Barcode", "")
        if not barcode.isdigit() or barcode in seen_barcodes:
            continue
        seen_barcodes.add(barcode)
        name = html.unescape(rec["Name"])
        size = _size_from_normalized(name, rec.get("Normalized String", ""))
        ref = nearest.best(name)
        if ref is None:
            continue
        price = ref["price"]
        grams, ref_grams = _grams(size), _grams(ref["size"])
        if grams and ref_grams:
            ratio = min(max(grams / ref_grams, Decimal("0.4")), Decimal("2.5"))
            price = int(Decimal(price) * ratio)
        price = max(99, price - price % 10 + (9 if price % 10 >= 5 else 0))
        dept = ref["cat"][1] if ref["cat"] and ref["cat"][0] == "Grocery" else ref["cat"][0]
        root = WOOLWORTHS_ROOTS.get(dept.lower(), "pantry")
        out.append(_woolworths_record(name, "Woolworths", size, barcode, price, ref, leaves, root))
    national = [
        p
        for p in coles + iga
        if p.get("gtin") and p.get("brand") and p["brand"].lower() not in HOUSE_BRANDS
    ]
    for p in national:
        if p["gtin"] in seen_barcodes:
            continue
        seen_barcodes.add(p["gtin"])
        name = (
            p["name"]
            if p["name"].lower().startswith(p["brand"].lower())
            else (f"{p['brand']} {p['name']}")
        )
        size = p["size"] if "uos" not in p else iga_size(p)
        dept = p["cat"][1] if p["cat"][0] == "Grocery" else p["cat"][0]
        root = WOOLWORTHS_ROOTS.get(dept.lower(), "pantry")
        seed = mix(text_seed(p["gtin"]), 7)
        factor = Decimal(94 + seed % 15) / 100  # national brands within about +-7%
        price = max(99, int(Decimal(p["price"]) * factor))
        price = price - price % 10 + (9 if price % 10 >= 5 else 0)
        out.append(_woolworths_record(name, p["brand"], size, p["gtin"], price, p, leaves, root))
    out.sort(key=lambda r: (r["leaf"], r["name"]))
    for i, record in enumerate(out):
        record["sku"] = str(
            100_000 + (mix(text_seed(record["gtin"]), 11) % 800_000) // 1000 * 1000 + i % 1000
        )
    skus = [r["sku"] for r in out]
    if len(set(skus)) != len(skus):
        for i, record in enumerate(out):
            record["sku"] = str(120_000 + i * 37)
    return out


def _woolworths_record(
    name: str,
    brand: str,
    size: str,
    barcode: str,
    price: int,
    ref: dict[str, Any],
    leaves: dict[str, list[tuple[str, list[str]]]],
    root: str,
) -> dict[str, Any]:
    words = text_words(name) + [w for part in ref["cat"] for w in text_words(part)]
    leaf = _pick_leaf(leaves, root, words)
    unit = ref.get("unit")
    grams = _grams(size)
    if grams:
        unit = [100, "g", str((Decimal(100) / grams).quantize(Decimal("0.00000001")))]
        if re.search(r"\d\s*(ml|l)\b", size.lower()):
            unit[1] = "ml"
    elif size in ("each", ""):
        unit = [1, "ea", "1.00000000"]
    return {
        "sku": "",
        "name": name,
        "brand": brand,
        "size": size or "each",
        "leaf": leaf,
        "price": price,
        "gtin": barcode,
        "unit": unit,
        "cat": [],
    }
