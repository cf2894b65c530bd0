"""Build the simulator's shipped catalogue (``grocer/sim/data``) from the shared corpus.

Run ``python -m grocer.sim.build_catalogue [--corpus PATH]``; the server only reads the output.
"""

from __future__ import annotations

import argparse
import collections
import glob
import gzip
import html
import json
import math
import re
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from grocer.constants import PROMOTIONAL_ROOTS
from grocer.normalize.brand import coles_display_brand
from grocer.sim.identity import product_groups
from grocer.sim.money import scale_cents, shelf_round, to_cents
from grocer.sim.rng import mix, text_seed

DATA_DIR = Path(__file__).parent / "data"
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus"

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
UNIT_WORDS = {
    "g": "g", "gram": "g", "kg": "kg", "ml": "ml", "l": "l", "litre": "l", "ea": "ea",
    "each": "ea", "sheets": "sheets", "m": "m",
}  # fmt: skip
STOP = {"and", "the", "with", "of", "in", "a", "&", "pack", "x", "woolworths", "coles", "iga"}


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _capture_json(path: Path) -> Any:
    """The JSON body of a browser "copy request" capture (the last top-level JSON value)."""
    text = gzip.open(path, "rt", encoding="utf-8").read()
    decoder = json.JSONDecoder()
    found: Any = None
    offset = 0
    for line in text.split("\n"):
        if line.startswith("{") or line.startswith("["):
            try:
                found, _ = decoder.raw_decode(text, offset)
            except json.JSONDecodeError:
                pass
        offset += len(line) + 1
    if found is None:
        raise ValueError(f"no JSON body in {path}")
    return found


def _words(text: str | None) -> list[str]:
    return re.findall(r"[a-z0-9]+", html.unescape(text or "").lower())


def _unit_basis(text: str | None, price_cents: int, unit_value: object) -> list[Any] | None:
    """``[basis quantity, basis unit, factor]`` with unit price = price * factor."""
    if not text or unit_value in (None, 0) or price_cents <= 0:
        return None
    cleaned = text.replace(",", "")
    match = re.search(r"(?:per|/)\s*(\d*\.?\d*)\s*([a-zA-Z]+)", cleaned)
    if not match:
        match2 = re.search(r"\$[\d.]+\s+(each)", cleaned)
        if not match2:
            return None
        qty, unit_word = "1", "each"
    else:
        qty, unit_word = match.group(1) or "1", match.group(2)
    unit = UNIT_WORDS.get(unit_word.lower())
    if unit is None:
        return None
    unit_cents = to_cents(unit_value)
    if unit_cents <= 0:
        return None
    factor = (Decimal(unit_cents) / Decimal(price_cents)).quantize(Decimal("0.00000001"))
    return [int(Decimal(qty)), unit, str(factor)]


def _gtin_ok(code: str | None) -> bool:
    if not code or not code.isdigit() or len(code) not in (8, 12, 13, 14):
        return False
    digits = [int(c) for c in code]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits[:-1])))
    return (10 - total % 10) % 10 == digits[-1]


# ---------------------------------------------------------------------------------- Coles


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
    rows = _read_jsonl(corpus / "coles" / "coles-coles-firle-401-2025-09-23.jsonl.progress.gz")
    out = []
    for row in rows:
        p = row["product"]
        if p.get("price_current") in (None, 0) or not p.get("name"):
            continue
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
        barcode = p.get("barcode") if _gtin_ok(p.get("barcode")) else None
        unit = _unit_basis(p.get("per_unit_price_string"), price, p.get("per_unit_price_value"))
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


# ---------------------------------------------------------------------------------- IGA


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


IGA_UNITS = {
    "g": ("g", "Gram", "gram"),
    "kg": ("kg", "Kilogram", "kilogram"),
    "ml": ("ml", "Millilitre", "millilitre"),
    "l": ("l", "Litre", "litre"),
}


def build_iga(corpus: Path, tree: dict[str, Any]) -> list[dict[str, Any]]:
    """IGA products from the Wattle Park snapshot (barcodes and was-prices kept)."""
    leaves = _iga_leaves(tree)
    rows = _read_jsonl(corpus / "iga" / "iga-local-grocer-wattle-park-2025-09-18.jsonl.gz")
    out = []
    for row in rows:
        p = row["product"]
        if p.get("price_current") in (None, 0) or not p.get("name"):
            continue
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
        unit = _unit_basis(p.get("per_unit_price_string"), price, _first_number(p))
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


# ---------------------------------------------------------------------------------- Aldi


def _aldi_nodes(tree: dict[str, Any]) -> dict[tuple[str, ...], dict[str, Any]]:
    nodes: dict[tuple[str, ...], dict[str, Any]] = {}

    def walk(node: dict[str, Any], path: tuple[str, ...]) -> None:
        here = (*path, node["name"].lower())
        nodes[here] = node
        for child in node.get("children") or []:
            walk(child, here)

    for root in tree["data"]:
        walk(root, ())
    return nodes


def build_aldi(corpus: Path, tree: dict[str, Any]) -> list[dict[str, Any]]:
    """Aldi products from the snapshots of the 2025-09-17 price week, priced per state."""
    nodes = _aldi_nodes(tree)
    by_sku: dict[str, dict[str, Any]] = {}
    brands: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for path in sorted(glob.glob(str(corpus / "aldi" / "aldi-*.jsonl.gz"))):
        rows = _read_jsonl(Path(path))
        if len(rows) < 1000 or not rows:
            continue  # G700 is a partial snapshot
        meta = rows[0]["metadata"]
        if not ("2025-09-17" <= meta["scraped_date"] <= "2025-09-23"):
            continue
        state = meta["state"].upper()
        for row in rows:
            p = row["product"]
            if p.get("price_current") in (None, 0):
                continue
            cat = [c.lower() for c in p.get("category_path") or []]
            node = nodes.get(tuple(cat)) or nodes.get(tuple(cat[:1]))
            if node is None or node.get("children"):
                continue
            entry = by_sku.setdefault(
                p["sku"],
                {
                    "sku": p["sku"],
                    "name": p["name"],
                    "size": p.get("size") or "",
                    "cat": p.get("category_path"),
                    "leaf": node["key"],
                    "slug": _aldi_slug(p.get("url"), p["sku"]),
                    "img": _aldi_image(p.get("image_url")),
                    "zp": {},
                    "unit": None,
                },
            )
            brands[p["sku"]][p.get("brand") or ""] += 1
            price = to_cents(p["price_current"])
            entry["zp"][state] = price
            if entry["unit"] is None:
                entry["unit"] = _unit_basis(
                    p.get("per_unit_price_string"), price, p.get("per_unit_price_value")
                )
    out = []
    for sku in sorted(by_sku):
        entry = by_sku[sku]
        entry["brand"] = brands[sku].most_common(1)[0][0]
        if not entry["brand"] or re.search(r"[\u4e00-\u9fff]", entry["brand"]):
            entry["brand"] = _slug_brand(entry["slug"], entry["name"])
        zp = entry.pop("zp")
        entry["price"] = zp.get("NSW", zp.get("QLD"))
        entry["qld"] = zp.get("QLD") if "NSW" in zp and zp.get("QLD") != zp["NSW"] else None
        entry["only"] = None if len(zp) == 2 else next(iter(zp))
        out.append(entry)
    _aldi_merchandise_homes(out, tree)
    return out


# Promotional root (urlSlugText) -> the merchandise leaf (urlSlugText) its products also sit
# in when no similar product points elsewhere: bags, tokens and flowers are household goods.
ALDI_PROMO_HOMES = {"front-of-store": "cleaning-household/home-essentials"}
ALDI_DEFAULT_HOME = "cleaning-household/home-essentials"
ALDI_HOUSE_BRAND = "aldi"


def _aldi_promotional(root: dict[str, Any]) -> bool:
    names = {str(root.get("name", "")).strip().lower(), str(root.get("urlSlugText", "")).lower()}
    return bool(names & PROMOTIONAL_ROOTS)


def _aldi_merchandise_homes(products: list[dict[str, Any]], tree: dict[str, Any]) -> None:
    """Give every product listed only under a promotional root a merchandise leaf too.

    Real Aldi lists its "Limited Time Only" and "Front of Store" products in a department as
    well, and crawlers skip the promotional roots (DESIGN section 3).  A moved product's
    ``leaf`` (and ``cat``) becomes the merchandise leaf, chosen by a vote of its five most
    similar merchandise products (IDF-weighted name and brand words, sizes ignored), else by
    :data:`ALDI_PROMO_HOMES`; its promotional leaf is kept in ``also``.
    """
    paths: dict[str, list[dict[str, Any]]] = {}
    promotional: dict[str, str] = {}  # leaf key -> its promotional root's urlSlugText

    def walk(node: dict[str, Any], trail: list[dict[str, Any]], root: str | None) -> None:
        here = [*trail, node]
        paths[node["key"]] = here
        if root is not None and not node.get("children"):
            promotional[node["key"]] = root
        for child in node.get("children") or []:
            walk(child, here, root)

    for root in tree["data"]:
        walk(root, [], root["urlSlugText"] if _aldi_promotional(root) else None)
    by_slug = {trail[-1]["urlSlugText"]: key for key, trail in paths.items()}

    def words(p: dict[str, Any]) -> set[str]:
        brand = "" if p["brand"].strip().lower() == ALDI_HOUSE_BRAND else p["brand"]
        found = set(_words(f"{p['name']} {brand}")) - STOP
        return {w for w in found if not any(c.isdigit() for c in w)}

    merchandise = [p for p in products if p["leaf"] not in promotional]
    index: dict[str, list[int]] = collections.defaultdict(list)
    for i, p in enumerate(merchandise):
        for w in words(p):
            index[w].append(i)
    idf = {w: math.log(len(merchandise) / len(ix)) for w, ix in index.items()}
    for p in products:
        root = promotional.get(p["leaf"])
        if root is None:
            continue
        home = by_slug[ALDI_PROMO_HOMES.get(root, ALDI_DEFAULT_HOME)]
        if root not in ALDI_PROMO_HOMES:
            scores: dict[int, float] = collections.defaultdict(float)
            for w in words(p):
                for i in index.get(w, ()):
                    scores[i] += idf[w]
            top = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
            votes: collections.Counter[str] = collections.Counter()
            for i, score in top:
                votes[merchandise[i]["leaf"]] += score
            if votes:
                home = max(votes.items(), key=lambda kv: (kv[1], kv[0]))[0]
        p["also"] = [p["leaf"]]
        p["leaf"] = home
        p["cat"] = [node["name"] for node in paths[home]]
    stranded = [p["sku"] for p in products if p["leaf"] in promotional]
    if stranded:
        raise ValueError(f"aldi products only under promotional roots: {stranded[:5]}")


def _slug_brand(slug: str, name: str) -> str:
    """The brand words of an Aldi URL slug (the slug is brand + name)."""
    name_slug = "-".join(_words(name))
    prefix = slug[: slug.find(name_slug)].strip("-") if name_slug and name_slug in slug else ""
    return prefix.replace("-", " ").upper()


def _aldi_slug(url: str | None, sku: str) -> str:
    if not url:
        return sku
    slug = url.rsplit("/", 1)[-1]
    return slug[: -len(sku) - 1] if slug.endswith(sku) else slug


def _aldi_image(url: str | None) -> str | None:
    match = re.search(r"/([0-9a-f-]{36})/", url or "")
    return match.group(1) if match else None


# ---------------------------------------------------------------------------------- Woolworths


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


def _parse_woolworths_list(path: Path) -> list[dict[str, str]]:
    text = gzip.open(path, "rt", encoding="utf-8").read()
    records = []
    for block in text.split("-" * 50):
        fields: dict[str, str] = {}
        for line in block.strip().splitlines():
            if ": " in line:
                key, value = line.split(": ", 1)
                fields[key.strip()] = value.strip()
        if "Name" in fields:
            records.append(fields)
    return records


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
            for w in set(_words(p["name"])) - STOP:
                self.index[w].append(i)
        n = len(products)
        self.idf = {w: math.log(n / len(ix)) for w, ix in self.index.items()}

    def best(self, name: str) -> dict[str, Any] | None:
        scores: dict[int, float] = collections.defaultdict(float)
        for w in set(_words(name)) - STOP:
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
        key=lambda leaf: (len(wanted & set(_words(" ".join(leaf[1][1:])))), -options.index(leaf)),
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
    for rec in _parse_woolworths_list(
        corpus / "barcodes_and_matching" / "woolworths_products.txt.gz"
    ):
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
        size = p["size"] if "uos" not in p else _iga_size(p)
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


def _iga_size(p: dict[str, Any]) -> str:
    uos = p["uos"]
    if uos["type"] == "each":
        return "each"
    return f"{uos['size']}{uos['abbreviation']}"


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
    words = _words(name) + [w for part in ref["cat"] for w in _words(part)]
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


# ---------------------------------------------------------------------------------- shared

# A grouped product's regular price starts within this factor of its group's reference price;
# the price model then holds every served price within ``catalogue.SHARED_SPREAD`` of it.
SHARED_CORE = Decimal("1.08")


def link_shared(products: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    """Group the products grocer would identify as one (:mod:`grocer.sim.identity`) and keep
    their prices close (docs/simulator-bargains.md).

    Every member of a group of two or more gets ``grp`` (the group's number) and ``ref``, the
    group's reference price (the median of its members' regular prices, in whole cents).
    Nearly all groups span two or more retailers; the few within one retailer (two SKUs that
    grocer merges by barcode or matching key) are held together too.  A member whose
    corpus-derived price (or Aldi QLD price) lies outside ``[ref / SHARED_CORE, ref *
    SHARED_CORE]`` is re-priced to ``ref`` times a per-product factor of 0.97 to 1.03.
    Returns figures for the build log.
    """
    records = {(c, r["sku"]): r for c, rows in products.items() for r in rows}
    figures = {"groups": 0, "shared_groups": 0, "grouped_products": 0, "repriced": 0}
    for number, group in enumerate(product_groups(products)):
        members = [records[m] for m in group]
        figures["groups"] += 1
        for record in members:
            record["grp"] = number
        figures["shared_groups"] += len({company for company, _ in group}) > 1
        figures["grouped_products"] += len(group)
        prices = sorted(record["price"] for record in members)
        ref = (prices[(len(prices) - 1) // 2] + prices[len(prices) // 2]) // 2
        for (company, sku), record in zip(group, members, strict=True):
            record["ref"] = ref
            for key in ("price", "qld"):
                value = record.get(key)
                if value and not ref / SHARED_CORE <= value <= ref * SHARED_CORE:
                    percent = 97 + mix(text_seed(f"{company}:{sku}:{key}"), 31) % 7
                    record[key] = shelf_round(scale_cents(ref, Decimal(percent) / 100))
                    figures["repriced"] += 1
            if record.get("qld") == record["price"]:
                record["qld"] = None
    return figures


# ---------------------------------------------------------------------------------- stores


def build_stores(corpus: Path) -> dict[str, list[dict[str, Any]]]:
    """Real stores per company from the store master, with locator-only details."""
    master = json.load(gzip.open(corpus / "stores" / "companies.store.json.gz", "rt"))
    aldi_extra: dict[str, dict[str, Any]] = {}
    for path in glob.glob(str(corpus / "stores" / "aldi" / "*.json.gz")):
        data = json.load(gzip.open(path, "rt"))
        for store in data.get("stores", []) if isinstance(data, dict) else []:
            aldi_extra[store["id"]] = store
    coles_extra: dict[str, dict[str, Any]] = {}
    with gzip.open(corpus / "store_locator_raw" / "coles_graphql_raw_output.jsonl.gz", "rt") as fh:
        for line in fh:
            for result in json.loads(line)["data"]["stores"]["results"]:
                coles_extra[result["store"]["id"]] = result["store"]
    out: dict[str, list[dict[str, Any]]] = {"aldi": [], "coles": [], "iga": [], "woolworths": []}
    company_names = {1: "aldi", 2: "coles", 3: "iga", 4: "woolworths"}
    for record in master:
        f = record["fields"]
        company = company_names[f["company"]]
        lat, lon = Decimal(f["latitude"] or "0"), Decimal(f["longitude"] or "0")
        base = {
            "id": f["store_id"],
            "name": (f["store_name"] or "").strip(),
            "address": (f["address_line_1"] or "").replace("\r\n", ", ").strip(", "),
            "suburb": f["suburb"] or "",
            "state": f["state"] or "",
            "postcode": f["postcode"] or "",
            "lat": str(lat),
            "lon": str(lon),
        }
        if company == "coles":
            prefix = f["store_id"].split(":")[0]
            if prefix not in ("COL", "LQR", "VIN"):
                continue
            extra = coles_extra.get(f["store_id"], {})
            base["brand"] = prefix
            base["phone"] = extra.get("phone")
        elif company == "woolworths":
            base["division"] = {5: "AMPOL", 6: "SUPERMARKETS", 7: "EG"}.get(f["division"], "EG")
        elif company == "iga":
            base["tag"] = f["retailer_store_id"]
        elif company == "aldi":
            extra = aldi_extra.get(f["store_id"], {})
            base["phone"] = extra.get("publicPhoneNumber")
            base["alcohol"] = extra.get("alcoholAvailability", [])
        out[company].append(base)
    for stores in out.values():
        stores.sort(key=lambda s: s["id"])
    return out


# ---------------------------------------------------------------------------------- main


def build(corpus: Path, out_dir: Path = DATA_DIR) -> dict[str, int]:
    """Build every shipped file; returns product/store counts."""
    captures = corpus / "api_captures"
    coles_menu = _capture_json(captures / "coles_category_api.txt.gz")
    woolworths_tree = _capture_json(captures / "woolworths_categories_api.txt.gz")
    aldi_tree = _capture_json(captures / "aldi_categories_api.txt.gz")
    iga_tree = _capture_json(captures / "iga_categories_api.txt.gz")
    coles_tiles = json.load(
        gzip.open(
            corpus
            / "coles_raw_search"
            / "coles_fruit-vegetables_page-1_2025-07-30_14-12-47.json.gz"
        )
    )
    woolworths_tile = _capture_json(captures / "woolworths_subsitutes_api.txt.gz")["Result"][0][
        "SubstituteProductList"
    ][0]["Product"]
    product_page = _capture_json(captures / "coles_individual_product_api.txt.gz")["pageProps"]
    coles = build_coles(corpus, coles_menu)
    iga = build_iga(corpus, iga_tree)
    aldi = build_aldi(corpus, aldi_tree)
    woolworths = build_woolworths(corpus, woolworths_tree, coles, iga)
    shared = link_shared({"coles": coles, "woolworths": woolworths, "aldi": aldi, "iga": iga})
    stores = build_stores(corpus)
    aldi_points: list[dict[str, Any]] = []
    nsw = json.load(gzip.open(corpus / "stores" / "aldi" / "nsw.json.gz", "rt"))
    aldi_points = nsw["stores"][:1]
    catalogue = {
        "version": 1,
        "price_week": "2025-09-17",
        "coles": coles,
        "woolworths": woolworths,
        "aldi": aldi,
        "iga": iga,
    }
    templates = {
        "coles_menu": coles_menu,
        "coles_single_tiles": [t for t in coles_tiles if t["_type"] == "SINGLE_TILE"],
        "coles_product_tile": next(t for t in coles_tiles if t["_type"] == "PRODUCT"),
        "coles_product_page": product_page,
        "woolworths_categories": woolworths_tree,
        "woolworths_tile": woolworths_tile,
        "aldi_categories": aldi_tree,
        "aldi_service_point": aldi_points[0],
        "iga_categories": iga_tree,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, payload in (("catalogue", catalogue), ("templates", templates), ("stores", stores)):
        raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        with gzip.GzipFile(out_dir / f"{name}.json.gz", "wb", compresslevel=9, mtime=0) as fh:
            fh.write(raw)
    counts = {
        company: len(catalogue[company]) for company in ("coles", "woolworths", "aldi", "iga")
    }
    counts.update({f"stores_{c}": len(s) for c, s in stores.items()})
    counts.update(shared)
    return counts


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--out", type=Path, default=DATA_DIR)
    args = parser.parse_args(argv)
    counts = build(args.corpus, args.out)
    for key, value in counts.items():
        print(f"{key}: {value}")
    for path in sorted(args.out.glob("*.json.gz")):
        print(f"{path.name}: {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
