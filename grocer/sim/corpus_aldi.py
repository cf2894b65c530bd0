"""Aldi products for the shipped catalogue, from the corpus's snapshots of one price week,
each product given a merchandise leaf (build time)."""

from __future__ import annotations

import collections
import glob
import math
import re
from pathlib import Path
from typing import Any

from grocer.constants import PROMOTIONAL_ROOTS
from grocer.sim.corpus_files import read_jsonl
from grocer.sim.corpus_text import STOP, text_words, unit_basis
from grocer.sim.money import to_cents

# Promotional root (urlSlugText) -> the merchandise leaf (urlSlugText) its products also sit
# in when no similar product points elsewhere: bags, tokens and flowers are household goods.
ALDI_PROMO_HOMES = {"front-of-store": "cleaning-household/home-essentials"}
ALDI_DEFAULT_HOME = "cleaning-household/home-essentials"
ALDI_HOUSE_BRAND = "aldi"


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
        rows = read_jsonl(Path(path))
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
                entry["unit"] = unit_basis(
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
        found = set(text_words(f"{p['name']} {brand}")) - STOP
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
    name_slug = "-".join(text_words(name))
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
