"""The shipped catalogue: size, real data, cross-retailer barcodes, scaling."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from grocer.retailers import aldi, coles, iga, woolworths
from grocer.sim.build_catalogue import DEFAULT_CORPUS, build
from grocer.sim.catalogue import DATA_DIR, gtin_check_digit, load_catalogue
from grocer.sim.store_registry import load_stores
from grocer.sim.webutil import TreeIndex
from tests.prerequisites import missing


def test_shipped_files_are_small() -> None:
    total = sum(p.stat().st_size for p in Path(DATA_DIR).glob("*.json.gz"))
    assert 0 < total < 3 * 1024 * 1024


def test_catalogue_contents() -> None:
    catalogue = load_catalogue()
    sizes = {c: len(ps) for c, ps in catalogue.products.items()}
    assert sizes["coles"] > 3000 and sizes["aldi"] > 2500 and sizes["iga"] > 2000
    assert sizes["woolworths"] > 3000
    coles = catalogue.products["coles"]
    licensee = re.compile(r"\b(pty|ltd|limited)\b|withheld|&#", re.I)  # GS1 licensee texts
    assert not any(licensee.search(p.brand) for p in coles)
    assert any(p.brand == "Coles" for p in coles)
    assert any(p.gtin for p in coles) and any(not p.gtin for p in coles)
    assert not any(p.gtin for p in catalogue.products["aldi"])
    woolworths = {p.gtin for p in catalogue.products["woolworths"]}
    assert len(woolworths & {p.gtin for p in coles}) > 300
    assert len(woolworths & {p.gtin for p in catalogue.products["iga"]}) > 300
    assert all(len(p.sku) == 18 for p in catalogue.products["aldi"])


def test_scaled_catalogue_has_unique_skus_and_valid_barcodes() -> None:
    catalogue = load_catalogue(scale=30_000)
    for company, products in catalogue.products.items():
        assert len(products) >= 30_000
        assert len({p.sku for p in products}) == len(products), company
        synthetic = [p.gtin for p in products if p.variant_of and p.gtin]
        assert len(set(synthetic)) == len(synthetic)
        assert all(g[-1] == gtin_check_digit(g[:-1]) for g in synthetic)


def test_stores_and_crawlability() -> None:
    stores = load_stores()
    assert stores.get("coles", "col:0401").name == "Coles Firle"
    assert stores.coles_by_number("0401").store_id == "COL:401"
    assert stores.get("aldi", "g102").zone == "QLD"
    banners = {s.banner: s.crawlable for s in stores.stores["coles"]}
    assert banners == {"COL": True, "LQR": False, "VIN": False}
    assert {s.banner for s in stores.stores["woolworths"] if not s.crawlable} == {"AMPOL", "EG"}
    iga = stores.stores["iga"]
    assert any(not s.crawlable for s in iga) and all(bool(s.tag) == s.crawlable for s in iga)


def _reachable_leaves(templates: dict[str, Any]) -> dict[str, set[str]]:
    """Per retailer, the listing categories a crawler reaches: the leaves (Coles: the
    departments) the real parsers return for the category payloads the simulator serves."""
    tree_index = {
        "aldi": TreeIndex(templates["aldi_categories"]["data"], "children", "key"),
        "woolworths": TreeIndex(
            templates["woolworths_categories"]["Categories"], "Children", "NodeId"
        ),
        "iga": TreeIndex([templates["iga_categories"]], "children", "identifier"),
    }
    keys = {
        "aldi": [c.key for c in aldi.parse_categories(templates["aldi_categories"])],
        "woolworths": [
            c.key for c in woolworths.parse_categories(templates["woolworths_categories"])
        ],
        "iga": [c.key for c in iga.parse_categories(templates["iga_categories"])],
    }
    reachable = {
        company: {leaf for key in keys[company] for leaf in tree_index[company].leaves[key]}
        for company in keys
    }
    reachable["coles"] = {c.slug for c in coles.parse_menu(templates["coles_menu"])}
    return reachable


def test_every_product_sits_in_a_leaf_the_parsers_crawl() -> None:
    """Promotional roots are skipped by crawlers (DESIGN section 3), so no product may be
    listed only under one; with ``scale`` the variants inherit their source's leaves."""
    for catalogue in (load_catalogue(), load_catalogue(scale=5_000)):
        reachable = _reachable_leaves(catalogue.templates)
        for company, products in catalogue.products.items():
            stranded = [p.sku for p in products if p.leaf not in reachable[company]]
            assert not stranded, f"{company}: {len(stranded)} products, e.g. {stranded[:3]}"


def test_aldi_promotional_products_keep_their_promotional_leaf() -> None:
    catalogue = load_catalogue()
    paths = TreeIndex(catalogue.templates["aldi_categories"]["data"], "children", "key").paths
    moved = {p.name: p for p in catalogue.products["aldi"] if p.extra.get("also")}
    roots = {paths[leaf][0]["name"] for p in moved.values() for leaf in p.extra["also"]}
    assert roots == {"Limited Time Only", "Front of Store"}
    meal_kit = moved["Sweet & Sour Pork Meal Kit 800g"]
    assert meal_kit.cat == ["Dairy, Eggs & Fridge", "Meal Kits"]
    assert meal_kit.leaves == [meal_kit.leaf, *meal_kit.extra["also"]]
    assert [n["name"] for n in paths[moved["Le Bag Recyclé"].leaf]] == [
        "Cleaning & Household",
        "Home Essentials",
    ]


@pytest.mark.slow
def test_build_reproduces_the_shipped_catalogue(tmp_path: Path) -> None:
    """The shipped data is exactly what ``python -m grocer.sim.build_catalogue`` writes."""
    if not DEFAULT_CORPUS.is_dir():
        missing("../shared/corpus is not present")
    build(DEFAULT_CORPUS, tmp_path)
    for name in ("catalogue.json.gz", "templates.json.gz", "stores.json.gz"):
        assert (tmp_path / name).read_bytes() == (Path(DATA_DIR) / name).read_bytes(), name


def test_tree_index_paths_and_subtree_leaves() -> None:
    tree = [
        {"id": "a", "kids": [{"id": "a1", "kids": []}, {"id": "a2", "kids": [{"id": "x"}]}]},
        {"id": "b"},
    ]
    index = TreeIndex(tree, "kids", "id")
    assert index.subtree_leaves("a") == ["a1", "x"]
    assert index.subtree_leaves("b") == ["b"]
    assert index.subtree_leaves("nope") is None
    assert [n["id"] for n in index.paths["x"]] == ["a", "a2", "x"]
