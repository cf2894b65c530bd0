"""Acceptance on the full corpus beside the repository (skipped where it is absent)."""

from __future__ import annotations

import gzip
import json
from itertools import permutations
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from grocer.db.models import Company, Listing, Product, Store
from grocer.ingest.runner import ingest_files
from grocer.normalize.gtin import clean_gtin
from tests.integration.test_ingest import DELETE_ORDER, price_table, row_counts

pytestmark = pytest.mark.slow

COLES_FIRLE = "coles/coles-coles-firle-401-2025-09-23.jsonl.progress.gz"
IGA_WATTLE_PARK = "iga/iga-local-grocer-wattle-park-2025-09-18.jsonl.gz"


def corpus_files(corpus: Path) -> list[Path]:
    return sorted((corpus / "aldi").glob("*.jsonl.gz")) + [
        corpus / COLES_FIRLE,
        corpus / IGA_WATTLE_PARK,
    ]


def barcodes(path: Path) -> dict[str, str]:
    """Valid identity GTIN -> sku in a corpus snapshot."""
    with gzip.open(path, "rt") as handle:
        products = [json.loads(line)["product"] for line in handle]
    return {
        gtin.code: str(p["sku"])
        for p in products
        if (gtin := clean_gtin(p.get("barcode"))).is_identity and gtin.code
    }


def test_corpus_ingest(engine: Engine, corpus: Path) -> None:
    files = corpus_files(corpus)
    report = ingest_files(engine, files)
    assert report.errors == []
    assert report.notes["instore_code_flagged"] == 4  # Coles Firle's in-store codes
    with engine.connect() as connection:
        per_company = dict(
            connection.execute(
                select(Company.slug, func.count(Store.id))
                .join(Store, Store.company_id == Company.id)
                .group_by(Company.slug)
            ).all()
        )
        assert per_company == {"aldi": 8, "coles": 1, "iga": 1}

        # Coles Firle: 2,024 valid GTINs of which 4 are in-store codes -> 2,020 barcodes
        coles_codes = barcodes(corpus / COLES_FIRLE)
        assert len(coles_codes) == 2020
        landed = dict(
            connection.execute(
                select(Product.barcode, Listing.sku)
                .join(Listing, Listing.product_id == Product.id)
                .where(Listing.company_id == 1, Product.barcode.in_(list(coles_codes)))
            ).all()
        )
        assert landed == coles_codes
        flagged = connection.execute(
            select(func.count()).select_from(Listing).where(Listing.instore_code.is_not(None))
        ).scalar_one()
        assert flagged == 4

        # 166 barcodes shared by Coles Firle and IGA Wattle Park: one product, two listings
        iga_codes = barcodes(corpus / IGA_WATTLE_PARK)
        shared = set(coles_codes) & set(iga_codes)
        assert len(shared) == 166
        rows = connection.execute(
            select(Product.barcode, Listing.company_id, Listing.sku)
            .join(Listing, Listing.product_id == Product.id)
            .where(Product.barcode.in_(list(shared)))
        ).all()
        by_code: dict[str, list[tuple[int, str]]] = {}
        for code, company_id, sku in rows:
            by_code.setdefault(code, []).append((company_id, sku))
        assert len(by_code) == 166
        for code, listings in by_code.items():
            coles_and_iga = sorted(x for x in listings if x[0] in (1, 4))
            assert coles_and_iga == [(1, coles_codes[code]), (4, iga_codes[code])]
        # Aldi has no barcodes: its listings join by matching key, e.g. the same cereal
        cereal = {(c, sku) for c, sku in by_code["9300605132863"]}
        assert (3, "000000000445467002") in cereal

    # re-ingesting any file adds no rows
    before = row_counts(engine)
    prices = price_table(engine)
    for path in (files[0], corpus / COLES_FIRLE):
        ingest_files(engine, [path])
        assert row_counts(engine) == before
    assert price_table(engine) == prices


def test_carindale_in_all_six_orders(engine: Engine, corpus: Path) -> None:
    paths = sorted((corpus / "aldi").glob("aldi-carindale-g102-*.jsonl.gz"))
    assert len(paths) == 3
    tables = []
    for order in permutations(paths):
        with engine.begin() as connection:
            for table in DELETE_ORDER:
                connection.execute(text(f"DELETE FROM {table}"))
        ingest_files(engine, list(order))
        tables.append(price_table(engine))
    assert all(t == tables[0] for t in tables[1:])
    intervals_per_sku: dict[str, int] = {}
    for _store, sku, *_rest in tables[0]:
        intervals_per_sku[sku] = intervals_per_sku.get(sku, 0) + 1
    assert max(intervals_per_sku.values()) <= 3
    assert sum(1 for n in intervals_per_sku.values() if n > 1) >= 90  # prices did change
