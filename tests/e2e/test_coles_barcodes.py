"""End to end: ``scrapy crawl coles_barcodes`` after a Coles crawl, against the simulator.

The Coles crawl of the store is done once per module into a template database; each test
copies it.  Listings keep the URL of the simulator that served them; the spider asks the
current simulator, so any simulator instance (same seed, same catalogue) can serve the pages.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from grocer.db.migrate import upgrade
from grocer.db.models import Listing, Product
from grocer.db.store_rows import COMPANY_IDS, StoreRow, upsert_stores
from grocer.normalize.gtin import clean_gtin
from grocer.sim.server import SimulatorServer
from tests.e2e.conftest import assert_checks_passed
from tests.e2e.test_coles import (
    DAY,
    STORE,
    alive,
    crawl,
    database,
    descendants,
    runs,
    served,
    start_crawl,
)

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("chromium")]
DB_FILE = "grocer-dev.sqlite3"
WOOLWORTHS_STORE = "1304"
IGA_STORE = "14317"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A database holding one Coles crawl of the store (no barcode yet)."""
    path = tmp_path_factory.mktemp("coles-crawled")
    with SimulatorServer(date=DAY) as sim:
        crawl(sim, path, "coles", STORE)
    with sqlite3.connect(path / DB_FILE) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    yield path


def copy_db(template: Path, target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(template / DB_FILE, target / DB_FILE)
    return target


def coles_products(engine: Engine) -> dict[str, tuple[str | None, object, str | None]]:
    """Coles sku -> (product barcode, barcode_checked_at, listing instore_code)."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(Listing.sku, Product.barcode, Product.barcode_checked_at, Listing.instore_code)
            .join(Product, Product.id == Listing.product_id)
            .where(Listing.company_id == COMPANY_IDS["coles"])
        )
        return {sku: (barcode, checked, instore) for sku, barcode, checked, instore in rows}


def checked_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count())
                .select_from(Product)
                .where(Product.barcode_checked_at.is_not(None))
            ).scalar_one()
        )


def wait_for_checked(
    engine: Engine, at_least: int, process: subprocess.Popen[bytes], timeout: float = 120
) -> None:
    deadline = time.monotonic() + timeout
    while checked_count(engine) < at_least:
        assert process.poll() is None, "the crawl ended before the checkpoint"
        assert time.monotonic() < deadline, "no progress"
        time.sleep(0.1)


def identity(raw: str | None) -> str | None:
    gtin = clean_gtin(raw) if raw else None
    return gtin.code if gtin is not None and gtin.is_identity else None


def test_barcodes_written_checked_and_second_run_idle(crawled: Path, tmp_path: Path) -> None:
    data = copy_db(crawled, tmp_path)
    # Sessions expire every 800 requests: the run refreshes mid-way and still completes.
    with SimulatorServer(date=DAY, coles_session_requests=800) as sim:
        crawl(sim, data, "coles_barcodes", STORE)
        engine = database(data)
        truth = {p["sku"]: p["gtin"] for p in sim.truth("coles", STORE, DAY)["products"]}
        found = coles_products(engine)
        assert set(found) == set(truth)
        for sku, raw in truth.items():
            barcode, checked, instore = found[sku]
            assert checked is not None, sku
            gtin = clean_gtin(raw) if raw else None
            if gtin is not None and gtin.is_identity:
                assert barcode == gtin.code and instore is None, sku
            elif gtin is not None and gtin.instore:
                assert barcode is None and instore == gtin.code, sku
            else:
                assert barcode is None and instore is None, sku
        [run] = runs(engine, "coles_barcodes")
        assert run.status == "complete" and run.finish_reason == "finished", run.stats
        assert_checks_passed(engine, {"id": run.id}, "barcodes", "coles")
        assert run.stats["grocer/barcodes/selected"] == len(truth)
        assert run.stats["grocer/barcodes/found"] == sum(1 for r in truth.values() if identity(r))
        assert run.stats["grocer/coles_session/browser_loads"] >= 2
        assert served(sim, "coles.product") >= len(truth)

        sim.reset_requests()
        crawl(sim, data, "coles_barcodes", STORE)
        assert served(sim, "coles.product") == 0
        assert served(sim, "coles.home") == 0  # nothing to do: not even a browser session
        second = runs(engine, "coles_barcodes")[-1]
        assert second.status == "complete" and second.stats["grocer/barcodes/selected"] == 0
        skipped = second.stats["grocer/barcodes/skipped_known"]
        assert skipped + second.stats["grocer/barcodes/skipped_checked"] == len(truth)


def register_iga_store(sim: SimulatorServer, data: Path) -> None:
    """The IGA store with its online-shop id, as ``iga_stores`` would have recorded it."""
    [shop] = [s for s in sim.state.stores.stores["iga"] if s.store_id == IGA_STORE]
    engine = upgrade(f"sqlite:///{data / DB_FILE}")
    with engine.begin() as connection:
        upsert_stores(connection, [StoreRow("iga", IGA_STORE, state=shop.state, aux_id=shop.tag)])
    engine.dispose()


def test_shared_barcodes_merge_across_retailers(tmp_path: Path) -> None:
    with SimulatorServer(date=DAY) as sim:
        register_iga_store(sim, tmp_path)
        crawl(sim, tmp_path, "woolworths", WOOLWORTHS_STORE)
        crawl(sim, tmp_path, "iga", IGA_STORE)
        crawl(sim, tmp_path, "coles", STORE)
        engine = database(tmp_path)
        before = coles_products(engine)
        crawl(sim, tmp_path, "coles_barcodes", STORE)

        # Ground truth: Coles products whose page GTIN is a barcode the other two stores list.
        others: set[str] = set()
        for company, store in (("woolworths", WOOLWORTHS_STORE), ("iga", IGA_STORE)):
            for product in sim.truth(company, store, DAY)["products"]:
                code = identity(product["barcode"])
                if code and not product["marketplace"]:  # SoldBy(Woolworths) leaves those out
                    others.add(code)
        truth = sim.truth("coles", STORE, DAY)["products"]
        coles_codes = {p["sku"]: identity(p["gtin"]) for p in truth}
        shared = {sku for sku, code in coles_codes.items() if code in others}
        assert shared

        # The Coles crawl already joined some to the other retailer's product by matching key
        # (their product has the barcode: skipped as known); the barcode run merges the rest.
        premerged = {sku for sku in shared if before[sku][0] is not None}
        [run] = runs(engine, "coles_barcodes")
        assert run.status == "complete", run.stats
        assert run.stats["grocer/barcodes/merged"] == len(shared) - len(premerged) > 0
        assert run.stats["grocer/barcodes/skipped_known"] == sum(
            1 for value in before.values() if value[0] is not None
        )
        # Every shared barcode ends as one product with a Coles and another listing.
        with engine.connect() as connection:
            rows = connection.execute(
                select(Product.barcode, Listing.company_id)
                .join(Listing, Listing.product_id == Product.id)
                .where(Product.barcode.is_not(None))
            ).all()
        companies: dict[str, set[int]] = {}
        for barcode, company_id in rows:
            companies.setdefault(barcode, set()).add(company_id)
        joined = {
            sku
            for sku, code in coles_codes.items()
            if code
            and len(companies.get(code, ())) >= 2
            and COMPANY_IDS["coles"] in companies[code]
        }
        assert shared <= joined  # joined may also hold products matched by key alone
        after = coles_products(engine)
        assert all(after[sku][0] == coles_codes[sku] for sku in shared)


def test_sigkill_then_restart_requests_each_page_once(crawled: Path, tmp_path: Path) -> None:
    data = copy_db(crawled, tmp_path)
    concurrency = 8
    extra = ("-s", f"CONCURRENT_REQUESTS={concurrency}")
    with SimulatorServer(date=DAY, coles_session_requests=10**6) as sim:
        engine = database(data)
        needing = len(coles_products(engine))
        with start_crawl(sim, data, "coles_barcodes", STORE, *extra) as process:
            wait_for_checked(engine, needing // 3, process)
            family = descendants(process.pid)
            os.killpg(process.pid, signal.SIGKILL)  # kill -9: no clean close of anything
            process.wait(timeout=30)
            deadline = time.monotonic() + 15
            while alive(family) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert not alive(family), "the browser outlived the killed crawl"
        assert process.returncode == -signal.SIGKILL
        partial = checked_count(engine)
        assert partial < needing
        # Pages served but not yet written when the kill came (in flight, or queued for the
        # scraper) are lost and asked again; every page whose outcome was written is not.
        served_before = served(sim, "coles.product")
        crawl(sim, data, "coles_barcodes", STORE, *extra)
        assert all(checked is not None for _, checked, _ in coles_products(engine).values())
        # the restart continued the killed run under its id
        [run] = runs(engine, "coles_barcodes")
        selected = run.stats["grocer/barcodes/selected"]
        assert run.status == "complete" and selected <= needing - partial
        assert served(sim, "coles.product") - served_before == selected  # each page once


def test_blocked_mid_run_stops_and_keeps_what_was_found(crawled: Path, tmp_path: Path) -> None:
    data = copy_db(crawled, tmp_path)
    with SimulatorServer(date=DAY, coles_session_requests=10**6) as sim:
        engine = database(data)
        with start_crawl(sim, data, "coles_barcodes", STORE) as process:
            wait_for_checked(engine, 300, process)
            # From now on every session the site grants is dead on arrival.
            sim.state.guard.requests_per_session = 1
            sim.state.guard.expire_all()
            process.wait(timeout=120)
        [run] = runs(engine, "coles_barcodes")
        assert run.status == "partial" and run.finish_reason == "blocked", run.stats
        products = coles_products(engine)
        done = [v for v in products.values() if v[1] is not None]
        assert 300 <= len(done) < len(products)
        assert any(barcode for barcode, _, _ in done)  # found barcodes are kept
