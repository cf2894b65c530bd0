"""The shipped catalogue: size, real data, cross-retailer barcodes, scaling."""

from __future__ import annotations

import re
from pathlib import Path

from grocer.sim.catalogue import DATA_DIR, gtin_check_digit, load_catalogue
from grocer.sim.stores import load_stores


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
