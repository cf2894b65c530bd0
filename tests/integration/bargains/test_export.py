"""The price export: every row present at its start exactly once, in one snapshot, however
other writers interleave; filters; resolved zone members; the CLI (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import threading
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import orjson
import pytest
from sqlalchemy import Engine, select, update

from grocer.analysis.export import PriceFilter, export_prices, parse_row, price_pages
from grocer.cli import main
from grocer.db.models import Price
from grocer.db.store_rows import COMPANY_IDS
from tests.integration.bargains.bulk import (
    LAST_SEEN,
    insert_prices,
    make_listings,
    make_stores,
    price_rows,
)
from tests.integration.bargains.factories import DAY0, daily, ingest, store_pk, zone


def all_ids(engine: Engine) -> list[int]:
    with engine.connect() as c:
        return list(c.execute(select(Price.id).order_by(Price.id)).scalars())


@pytest.fixture
def table(engine: Engine) -> tuple[list[int], list[int]]:
    """1,003 rows over 2 stores x 10 listings, equal in every column but the key."""
    stores, listings = make_stores(engine, 2), make_listings(engine, 10)
    insert_prices(engine, price_rows(stores, listings, 1003))
    return stores, listings


def test_every_row_once_in_id_order(engine: Engine, table: object) -> None:
    exported = [row.price_id for row in export_prices(engine, page_size=7)]
    assert exported == all_ids(engine)  # 1,003 rows: no repeat, no gap, however equal


def test_filters(engine: Engine, table: tuple[list[int], list[int]]) -> None:
    stores, _ = table
    with engine.begin() as c:  # every third row was only seen on its first day
        c.execute(update(Price).where(Price.id % 3 == 0).values(last_seen=Price.first_seen))
    coles = make_stores(engine, 1, "coles")
    insert_prices(engine, price_rows(coles, make_listings(engine, 3, "coles"), 5))
    with engine.connect() as c:
        rows = c.execute(select(Price.id, Price.store_id, Price.last_seen)).all()
    since = LAST_SEEN - timedelta(10)

    def ids(where: PriceFilter) -> list[int]:
        return [row.price_id for row in export_prices(engine, where, page_size=50)]

    assert ids(PriceFilter(since=since)) == sorted(r.id for r in rows if r.last_seen >= since)
    assert ids(PriceFilter(store_ids=(stores[1],))) == sorted(
        r.id for r in rows if r.store_id == stores[1]
    )
    assert ids(PriceFilter(company_ids=(COMPANY_IDS["coles"],))) == sorted(
        r.id for r in rows if r.store_id == coles[0]
    )
    assert ids(PriceFilter(since=since, company_ids=(COMPANY_IDS["aldi"],))) == sorted(
        r.id for r in rows if r.last_seen >= since and r.store_id in stores
    )
    assert ids(PriceFilter(store_ids=(), company_ids=None)) == []


def interleave_writes(engine: Engine, stores: list[int], listings: list[int], last: int) -> None:
    """Another connection commits 300 new rows and changes the newest existing row."""
    insert_prices(engine, price_rows(stores, listings, 300, offset=1003))
    with engine.begin() as c:
        c.execute(update(Price).where(Price.id == last).values(price=Decimal("9.99")))


def test_rows_written_during_the_export_are_not_visited(
    engine: Engine, table: tuple[list[int], list[int]]
) -> None:
    before = all_ids(engine)
    rows = export_prices(engine, page_size=50)
    exported = [next(rows)]  # the snapshot is taken; the first page is read
    interleave_writes(engine, *table, last=before[-1])
    exported += list(rows)
    assert [r.price_id for r in exported] == before
    assert exported[-1].price == Decimal("1.00")  # as it was when the export began
    assert len(all_ids(engine)) == 1303


def test_without_the_snapshot_the_same_interleaving_leaks_new_rows(
    engine: Engine, table: tuple[list[int], list[int]]
) -> None:
    # Negative control for the test above: keyset pages on an ordinary connection.
    before = all_ids(engine)
    with engine.connect() as connection:
        pages = price_pages(connection, page_size=50)
        exported = list(next(pages))
        connection.commit()  # a default connection ends its transaction between uses
        interleave_writes(engine, *table, last=before[-1])
        for page in pages:
            exported += page
            connection.commit()
    assert len(exported) == 1303


def test_a_concurrent_writer_thread(engine: Engine, table: tuple[list[int], list[int]]) -> None:
    stores, listings = table
    before = all_ids(engine)
    committed, done = threading.Event(), threading.Event()
    inserted = [0]
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            offset = 1003
            while not done.is_set() and offset < 20_000:
                insert_prices(engine, price_rows(stores, listings, 50, offset=offset))
                offset += 50
                inserted[0] += 50
                committed.set()
        except BaseException as error:  # reported below
            errors.append(error)
            committed.set()

    exported: list[int] = []
    thread = threading.Thread(target=writer)
    rows = export_prices(engine, page_size=40)
    try:
        exported.append(next(rows).price_id)
        thread.start()
        assert committed.wait(30)
        exported += [row.price_id for row in rows]
    finally:
        done.set()
        thread.join(60)
    assert not errors, errors
    assert inserted[0] > 0
    assert exported == before


def test_resolved_export_gives_a_zone_member_its_anchors_rows(
    engine: Engine, tmp_path: Path
) -> None:
    ingest(engine, tmp_path, [
        *daily("aldi", "G102", "a", [("1.00", 3)]),
        *daily("aldi", "G102", "b", [("2.00", 3)]),
        *daily("aldi", "G103", "b", [("2.50", 3)]),  # the member's exception
    ])  # fmt: skip
    anchor, member = store_pk(engine, "aldi", "G102"), store_pk(engine, "aldi", "G103")
    zone(engine, "aldi", anchor, member)

    def view(resolved: bool) -> set[tuple[str, str, str, Decimal]]:
        return {
            (r.store, r.source_store, r.sku, r.price)
            for r in export_prices(engine, resolved=resolved, page_size=2)
        }

    stored = {("G102", "G102", "a", Decimal("1.00")), ("G102", "G102", "b", Decimal("2.00")),
              ("G103", "G103", "b", Decimal("2.50"))}  # fmt: skip
    assert view(False) == stored
    assert view(True) == stored | {("G103", "G102", "a", Decimal("1.00"))}
    since = PriceFilter(since=DAY0 + timedelta(days=5), store_ids=(member,))
    assert list(export_prices(engine, since, resolved=True)) == []


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_the_cli_writes_what_the_reader_reads(
    db_url: str, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], fmt: str,
) -> None:  # fmt: skip
    ingest(engine, tmp_path / "feed", [
        *daily("aldi", "G102", "a", [("1.00", 2), ("1.10", 2)]),
        *daily("woolworths", "1147", "w", [("3.00", 4)], barcode="9300601040322"),
        *daily("coles", "COL:401", "c", [("2.00", 1)]),
    ])  # fmt: skip
    monkeypatch.setenv("GROCER_DATABASE_URL", db_url)
    out = tmp_path / f"prices.{fmt}"
    since = (DAY0 + timedelta(days=1)).isoformat()
    args = ["export", "prices", "--since", since, "--format", fmt, "--out", str(out)]
    stores = ["--store", "1147", "--store", "aldi:g0102", "--store", "COL:401"]
    assert main([*args, "--company", "aldi", "--company", "woolworths", *stores]) == 2
    assert "no store 'COL:401'" in capsys.readouterr().err  # not one of the companies asked
    assert main([*args, "--company", "aldi", "--company", "woolworths", *stores[:4]]) == 0
    assert "exported 3 price rows" in capsys.readouterr().err
    text = out.read_text()
    records = list(csv.DictReader(text.splitlines())) if fmt == "csv" else [
        orjson.loads(line) for line in text.splitlines()
    ]  # fmt: skip
    expected = [
        r for r in export_prices(engine, PriceFilter(since=date.fromisoformat(since)))
        if r.company != "coles"
    ]  # fmt: skip
    assert [parse_row(fmt, r) for r in records] == [  # type: ignore[arg-type]
        {k: getattr(r, k) for k in records[0]} for r in expected
    ]
    assert [(r.sku, r.price) for r in expected] == [
        ("a", Decimal("1.00")), ("a", Decimal("1.10")), ("w", Decimal("3.00")),
    ]  # fmt: skip
    assert main(["export", "prices", "--since", since, "--store", "G999"]) == 2
