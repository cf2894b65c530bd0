"""Ingest through validate -> normalise -> writer, on SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
import json
from itertools import permutations
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from grocer.db.models import CrawlRun, Listing, Price, Product, Store
from grocer.ingest.runner import ingest_files
from grocer.normalize.gtin import clean_gtin
from tests.conftest import SAMPLES

CARINDALE = [f"aldi-carindale-g102-2025-09-{d}.jsonl.gz" for d in ("09", "12", "23")]
TABLES = ("stores", "products", "listings", "prices", "brands", "categories", "crawl_runs")
DELETE_ORDER = (
    "prices",
    "crawl_pages",
    "crawl_runs",
    "listings",
    "products",
    "categories",
    "brands",
    "stores",
)


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            t: connection.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in TABLES
        }


def price_table(engine: Engine) -> set[tuple[object, ...]]:
    """Price rows by their meaning (store, sku, interval, state), ignoring row ids."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                Store.retailer_store_id, Listing.sku, Price.first_seen, Price.last_seen,
                Price.price, Price.was_price, Price.unit_price, Price.price_hash,
            )
            .join(Store, Store.id == Price.store_id)
            .join(Listing, Listing.id == Price.listing_id)
        )  # fmt: skip
        return {tuple(r) for r in rows}


def snapshot_prices(path: Path) -> dict[str, object]:
    with gzip.open(path, "rt") as handle:
        return {(p := json.loads(line)["product"])["sku"]: p["price_current"] for line in handle}


def test_sample_ingest_creates_stores_and_prices(engine: Engine) -> None:
    report = ingest_files(engine, sorted(SAMPLES.glob("*.jsonl.gz")))
    assert report.errors == []
    assert report.rejected == {}
    assert report.notes["missing_price"] == 5  # 5 sample lines list no price: no price row
    assert report.notes["instore_code_flagged"] == 4
    assert report.records == report.written
    with engine.connect() as connection:
        stores = connection.execute(select(Store.retailer_store_id, Store.state)).all()
        assert sorted(stores) == [
            ("14850", "SA"), ("COL:401", "SA"), ("G102", "QLD"), ("G120", "QLD"),
            ("G391", "NSW"), ("G467", "NSW"),
        ]  # fmt: skip
        runs = connection.execute(select(func.count()).select_from(CrawlRun)).scalar_one()
        assert runs == len(list(SAMPLES.glob("*.jsonl.gz")))


def test_reingesting_adds_no_rows(engine: Engine) -> None:
    files = sorted(SAMPLES.glob("*.jsonl.gz"))
    ingest_files(engine, files)
    before = row_counts(engine)
    prices_before = price_table(engine)
    ingest_files(engine, files[::-1])
    assert row_counts(engine) == before
    assert price_table(engine) == prices_before


def test_carindale_intervals_follow_the_price_changes(engine: Engine) -> None:
    paths = [SAMPLES / name for name in CARINDALE]
    ingest_files(engine, paths)
    observed = [snapshot_prices(p) for p in paths]
    days = ["2025-09-09", "2025-09-12", "2025-09-23"]
    with engine.connect() as connection:
        rows = connection.execute(
            select(Listing.sku, Price.first_seen, Price.last_seen, Price.price)
            .join(Listing, Listing.id == Price.listing_id)
            .order_by(Listing.sku, Price.first_seen)
        ).all()
    by_sku: dict[str, list[tuple[str, str, float]]] = {}
    for sku, first, last, price in rows:
        by_sku.setdefault(sku, []).append((first.isoformat(), last.isoformat(), float(price)))
    changed = unchanged = 0
    for sku, spans in by_sku.items():
        prices = [float(o[sku]) for o in observed]  # type: ignore[arg-type]
        expected: list[tuple[str, str, float]] = []
        for when, price in zip(days, prices, strict=True):
            if expected and expected[-1][2] == price:
                expected[-1] = (expected[-1][0], when, price)
            else:
                expected.append((when, when, price))
        assert spans == expected, sku
        if len(expected) == 1:
            unchanged += 1
        else:
            changed += 1
    assert changed >= 20 and unchanged >= 100  # the sample holds both kinds


@pytest.mark.slow
def test_any_file_order_gives_identical_price_tables(engine: Engine, db_url: str) -> None:
    paths = [SAMPLES / name for name in CARINDALE]
    tables = []
    for order in permutations(paths):
        with engine.begin() as connection:
            for table in (
                "prices",
                "crawl_runs",
                "listings",
                "products",
                "categories",
                "brands",
                "stores",
            ):
                connection.execute(text(f"DELETE FROM {table}"))
        ingest_files(engine, list(order))
        tables.append(price_table(engine))
    assert len(tables) == 6
    assert all(t == tables[0] for t in tables[1:])
    assert len(tables[0]) > 150


def test_shared_barcodes_make_one_product_with_two_listings(engine: Engine) -> None:
    coles = SAMPLES / "coles-firle-401-2025-09-23.jsonl.gz"
    iga = SAMPLES / "iga-wattle-park-14850-2025-09-18.jsonl.gz"
    ingest_files(engine, [coles, iga])

    def codes(path: Path) -> dict[str, str]:
        with gzip.open(path, "rt") as handle:
            products = [json.loads(line)["product"] for line in handle]
        return {
            g.code: str(p["sku"])
            for p in products
            if (g := clean_gtin(p.get("barcode"))).is_identity and g.code
        }

    coles_codes, iga_codes = codes(coles), codes(iga)
    shared = set(coles_codes) & set(iga_codes)
    assert len(shared) == 40
    with engine.connect() as connection:
        for code in shared:
            listings = connection.execute(
                select(Listing.company_id, Listing.sku)
                .join(Product, Product.id == Listing.product_id)
                .where(Product.barcode == code)
            ).all()
            assert sorted(listings) == [(1, coles_codes[code]), (4, iga_codes[code])]


def test_bad_lines_are_counted_and_good_lines_land(engine: Engine, tmp_path: Path) -> None:
    good = {
        "product": {
            "sku": 1,
            "name": "Milk 2L",
            "brand": "Farmdale",
            "size": "2 l",
            "price_current": 3.1,
        },
        "metadata": {
            "company": "aldi",
            "store_id": "G102",
            "state": "qld",
            "scraped_date": "2025-09-09",
        },
    }

    def variant(sku: int, **product: object) -> str:
        record = json.loads(json.dumps(good))
        record["product"].update(sku=sku, **product)
        return json.dumps(record)

    lines = [
        variant(1),
        "{not json",
        variant(2, name=None),
        variant(3, price_current=None),
        variant(4, price_current=-2),
        variant(5, price_current=0),
        variant(6, price_current=12000),
        variant(7, price_current="abc"),
        variant(8, name="n" * 600),
        variant(9, barcode="9310631635079"),  # bad check digit: dropped, item lands
        variant(10, barcode="9310631635078"),
        json.dumps([1, 2]),
        variant(11, price_current="4.50"),
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n")
    report = ingest_files(engine, [path])
    assert report.rejected == {
        "malformed_json": 1, "missing:name": 1, "out_of_range:price": 3, "bad_type:price": 1,
        "too_long:name": 1, "not_an_object": 1,
    }  # fmt: skip
    assert report.notes == {"bad_barcode_dropped": 1, "missing_price": 1}
    assert (report.records, report.written, report.rejected_total) == (13, 5, 8)
    with engine.connect() as connection:
        priced = connection.execute(
            select(Listing.sku).join(Price, Price.listing_id == Listing.id).order_by(Listing.sku)
        ).scalars()
        assert sorted(priced, key=int) == ["1", "9", "10", "11"]
        barcodes = connection.execute(select(Product.barcode).where(Product.barcode.is_not(None)))
        assert barcodes.scalars().all() == ["9310631635078"]
        runs = connection.execute(
            select(CrawlRun.store_id, CrawlRun.status, CrawlRun.items, CrawlRun.rejected)
            .order_by(CrawlRun.store_id.is_(None))
        ).all()  # fmt: skip
    # the store's records, and the two naming no store (not JSON, not an object)
    assert [tuple(r)[1:] for r in runs] == [("complete", 5, 6), ("complete", 0, 2)]
    assert runs[1].store_id is None


def test_truncated_gzip_reports_an_error_and_keeps_what_was_read(
    engine: Engine, tmp_path: Path
) -> None:
    whole = (SAMPLES / "aldi-nerang-g120-2025-09-19.jsonl.gz").read_bytes()
    cut = tmp_path / "aldi-nerang-cut.jsonl.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    report = ingest_files(engine, [cut])
    assert len(report.errors) == 1 and "unreadable" in report.errors[0]
    assert 20 < report.written < 150
    with engine.connect() as connection:
        assert (
            connection.execute(select(func.count()).select_from(Price)).scalar_one()
            >= report.written - 1
        )
        run = connection.execute(select(CrawlRun.status, CrawlRun.finish_reason)).one()
        assert run.status == "partial" and run.finish_reason == "truncated"


def naan_record(company: str, store: str, sku: int, barcode: str | None) -> str:
    """One product of name, brand and size shared by the records below."""
    product = {
        "sku": sku,
        "name": "True Foods Garlic Naan Bread",
        "brand": "True Foods",
        "size": "250g",
        "price_current": 4.3,
        **({"barcode": barcode} if barcode else {}),
    }
    metadata = {"company": company, "store_id": store, "state": "vic", "scraped_date": "2025-09-09"}
    return json.dumps({"product": product, "metadata": metadata})


@pytest.mark.parametrize("first", ["9334169005004", "9334169005103"])
@pytest.mark.parametrize("one_file", [True, False], ids=["one-batch", "two-batches"])
def test_a_name_two_barcodes_share_joins_neither_to_a_product_without_one(
    engine: Engine, tmp_path: Path, first: str, one_file: bool
) -> None:
    # Woolworths sells two skus of one name and size with different barcodes; a Coles listing
    # of that name (no barcode yet) must not join whichever arrived first.
    second = ({"9334169005004", "9334169005103"} - {first}).pop()
    woolworths = [
        naan_record("woolworths", "1304", 1, first),
        naan_record("woolworths", "1304", 2, second),
    ]
    files = []
    for index, lines in enumerate([woolworths] if one_file else [[w] for w in woolworths]):
        path = tmp_path / f"woolworths-{index}.jsonl"
        path.write_text("\n".join(lines) + "\n")
        files.append(path)
    coles = tmp_path / "coles.jsonl"
    coles.write_text(naan_record("coles", "401", 3, None) + "\n")
    report = ingest_files(engine, [*files, coles])
    assert report.errors == [] and report.written == 3
    with engine.connect() as connection:
        rows = connection.execute(
            select(Listing.sku, Product.id, Product.barcode)
            .join(Product, Product.id == Listing.product_id)
            .order_by(Listing.sku)
        ).all()
    products = {sku: (product_id, barcode) for sku, product_id, barcode in rows}
    assert products["1"][1] == first and products["2"][1] == second
    assert products["3"][1] is None  # its own product, until its barcode is known
    assert len({product_id for product_id, _ in products.values()}) == 3


# Two entries of the earlier project's Woolworths duplicate report (woolworths_duplicate_skus):
# one SKU that stores served under two names, with a barcode at some stores only.
DUPLICATED_SKUS = [
    ("98869", ("Nestle Peppermint Crisp Milk Chocolate Bar", "Nestle", None),
     ("Nestlé Peppermint Crisp", "Nestlé", "93600101")),
    ("98372", ("Cadbury Flake Milk Chocolate Bar Chocolate Bar", "Cadbury", None),
     ("Cadbury Flake Chocolate Bar", "Cadbury", "93617406")),
]  # fmt: skip


def test_a_sku_served_under_two_names_is_one_listing_of_one_product(
    engine: Engine, tmp_path: Path
) -> None:
    # The earlier project split 489 Woolworths SKUs in two this way; a listing here is the
    # retailer's SKU, so each stays one product, and the barcode one store shows is its own.
    files = []
    for store, side in (("1001", 1), ("1002", 2)):
        path = tmp_path / f"woolworths-{store}.jsonl.gz"
        with gzip.open(path, "wt") as handle:
            for sku, *names in DUPLICATED_SKUS:
                name, brand, barcode = names[side - 1]
                product = {"sku": sku, "name": name, "brand": brand, "barcode": barcode,
                           "price_current": 2.5, "size": "35g"}  # fmt: skip
                metadata = {
                    "company": "woolworths",
                    "store_id": store,
                    "scraped_date": "2025-08-28",
                }
                handle.write(json.dumps({"product": product, "metadata": metadata}) + "\n")
        files.append(path)
    assert ingest_files(engine, files).rejected_total == 0
    with engine.connect() as connection:
        rows = connection.execute(
            select(Listing.sku, Product.barcode).join(Product, Product.id == Listing.product_id)
        ).all()
    assert sorted(rows) == [("98372", "0000093617406"), ("98869", "0000093600101")]  # GTIN-13
