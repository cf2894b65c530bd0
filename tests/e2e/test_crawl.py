"""Real crawls through the Scrapy engine against the simulator, checked against its truth."""

from __future__ import annotations

import signal
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, text

from grocer.db.migrate import upgrade
from grocer.db.models import CrawlPage, Price, Store
from grocer.ingest.runner import ingest_files
from grocer.sim.server import SimulatorServer
from grocer.spiders.aldi_stores import AldiStoresSpider
from grocer.spiders.coles_stores import ColesStoresSpider
from grocer.spiders.locator import StoreLocatorSpider, grid
from grocer.spiders.woolworths_stores import WoolworthsStoresSpider
from tests.e2e.conftest import (
    START_DATE,
    Crawler,
    assert_checks_passed,
    current_prices,
    run_checks,
    runs,
    stop,
    wait_until,
)
from tests.prerequisites import require_chromium

pytestmark = pytest.mark.e2e

STORES = [("aldi", "G102"), ("woolworths", "1147"), ("iga", "14850")]
LISTING = {"aldi": "aldi.search", "woolworths": "woolworths.browse", "iga": "iga.search"}
GRID_SPIDERS: dict[str, type[StoreLocatorSpider]] = {
    "aldi": AldiStoresSpider, "coles": ColesStoresSpider, "woolworths": WoolworthsStoresSpider,
}  # fmt: skip


def served(sim: SimulatorServer, company: str, store: str, day: date | str) -> dict[str, Any]:
    """The ground truth of what the store's listings served, by sku (marketplace excluded:
    the spiders ask for products sold by the retailer)."""
    truth = sim.truth(company, store, day)["products"]
    return {p["sku"]: p for p in truth if not p["marketplace"]}


def assert_matches_truth(crawler: Crawler, company: str, store: str, day: str) -> None:
    truth = served(crawler.sim, company, store, day)
    prices = current_prices(crawler.engine(), company, store)
    assert set(prices) == set(truth), {
        "missing": sorted(set(truth) - set(prices))[:10],
        "extra": sorted(set(prices) - set(truth))[:10],
    }
    standardised = offers = 0
    for sku, expected in truth.items():
        got = prices[sku]
        assert got["price"] == Decimal(expected["price"]), sku
        was = Decimal(expected["was_price"]) if expected["was_price"] else None
        assert got["was_price"] == was, sku
        assert got["is_special"] == (was is not None and was > got["price"]), sku
        assert got["unit_text"] == expected["unit_price_text"], sku
        standardised += got["unit_price"] is not None
        if expected["barcode"]:  # Woolworths and IGA listings carry barcodes
            assert expected["barcode"] in (got["barcode"], got["instore_code"]), sku
        assert got["last_seen"] == date.fromisoformat(day), sku
        offer = expected["multibuy"]
        offered = (offer["quantity"], Decimal(offer["price"])) if offer else (None, None)
        assert (got["multibuy_qty"], got["multibuy_price"]) == offered, sku
        offers += offer is not None
    if company in ("coles", "woolworths"):
        assert offers > 0  # the simulator's multi-buy offers come through the crawl
    with_text = sum(1 for p in truth.values() if p["unit_price_text"])
    assert standardised >= 0.95 * with_text  # unit prices read as per kg / l / each


def prepare_store(crawler: Crawler, company: str) -> None:
    """IGA URLs need the store's online-shop id: the IGA store locator provides it."""
    if company == "iga":
        crawler.run("iga_stores", step="5")


@pytest.mark.parametrize(("company", "store"), STORES)
def test_a_store_crawl_equals_the_ground_truth(crawler: Crawler, company: str, store: str) -> None:
    prepare_store(crawler, company)
    crawler.run(company, store=store)
    assert_matches_truth(crawler, company, store, START_DATE)
    run = runs(crawler.engine())[-1]
    assert run["spider"] == company and run["status"] == "complete"
    assert run["finish_reason"] == "finished"
    assert_checks_passed(crawler.engine(), run, "full", company)
    assert run["observed_on"] == date.fromisoformat(START_DATE)
    with crawler.engine().connect() as connection:
        crawled = connection.execute(
            select(Store.last_crawled_at).where(Store.retailer_store_id == store)
        ).scalar_one()
    assert crawled is not None
    assert not (crawler.data_dir / "jobs" / str(run["id"])).exists()  # removed when done


def test_a_later_crawl_extends_unchanged_prices_and_opens_changed_ones(crawler: Crawler) -> None:
    sim = crawler.sim
    crawler.run("aldi", store="G102")
    first = served(sim, "aldi", "G102", START_DATE)
    later = (date.fromisoformat(START_DATE) + timedelta(days=7)).isoformat()
    sim.set_date(later)
    crawler.run("aldi", store="G102")
    second = served(sim, "aldi", "G102", later)
    assert_matches_truth(crawler, "aldi", "G102", later)

    with crawler.engine().connect() as connection:
        intervals: dict[str, list[tuple[date, date, Decimal]]] = {}
        for sku, first_seen, last_seen, price in connection.execute(
            text(
                "SELECT l.sku, p.first_seen, p.last_seen, p.price FROM prices p "
                "JOIN listings l ON l.id = p.listing_id ORDER BY p.first_seen"
            )
        ):
            intervals.setdefault(sku, []).append((first_seen, last_seen, price))
    changed = unchanged = 0
    for sku in set(first) & set(second):
        a, b = first[sku], second[sku]
        same = (a["price"], a["was_price"], a["unit_price_text"]) == (
            b["price"], b["was_price"], b["unit_price_text"],
        )  # fmt: skip
        spans = intervals[sku]
        if same:
            unchanged += 1
            assert len(spans) == 1 and str(spans[0][0]) == START_DATE and str(spans[0][1]) == later
        else:
            changed += 1
            assert len(spans) == 2, sku
            assert [str(s[0]) for s in spans] == [START_DATE, later]
    assert changed > 0 and unchanged > changed


def test_faults_are_retried_and_counted_and_the_crawl_completes(crawler: Crawler) -> None:
    crawler.sim.set_faults(
        "aldi:429=0.05,aldi:503=0.05,aldi:drop=0.03,aldi:malformed=0.04,aldi:truncated=0.04,retry_after=1"
    )
    crawler.run("aldi", "-s", "GROCER_RETRY_BACKOFF=0.05", "-s", "RETRY_TIMES=6", store="G102")
    crawler.sim.set_faults(None)
    assert_matches_truth(crawler, "aldi", "G102", START_DATE)
    run = runs(crawler.engine())[-1]
    assert run["status"] == "complete"
    stats = run["stats"]
    assert stats.get("grocer/retry/status_429", 0) > 0
    assert stats.get("grocer/retry/status_503", 0) > 0
    assert stats.get("grocer/listing/malformed_retried", 0) > 0
    outcomes = crawler.sim.requests()["outcomes"]
    served_429 = sum(int(o.get("fault:429", 0)) for o in outcomes.values())
    assert served_429 == stats["grocer/retry/status_429"]  # every 429 was counted and retried


def listing_requests(sim: SimulatorServer, company: str) -> int:
    return int(sim.requests()["endpoints"].get(LISTING[company], 0))


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["sigint", "sigkill"])
def test_an_interrupted_crawl_resumes_without_repeating_pages(
    crawler: Crawler, sim: SimulatorServer, tmp_path: Any, sig: signal.Signals
) -> None:
    concurrency = 4
    settings = ["-s", f"CONCURRENT_REQUESTS={concurrency}"]
    # The stopped attempt keeps no response waiting for the scraper beyond those downloading,
    # so what it loses is bounded by the pages in flight (a 5 MB scraper queue holds dozens).
    in_flight_only = ["-s", "SCRAPER_SLOT_MAX_ACTIVE_SIZE=1"]
    # one full crawl elsewhere measures the listing pages of the store
    reference = Crawler(sim, tmp_path / "reference")
    reference.run("woolworths", *settings, store="1147")
    full = listing_requests(sim, "woolworths")
    sim.reset_requests()

    sim.set_faults("latency=15ms")  # slow enough to stop it part-way
    process = crawler.start("woolworths", *settings, *in_flight_only, store="1147")
    wait_until(lambda: listing_requests(sim, "woolworths") >= full // 3, timeout=120)
    stop(process, sig)
    first_attempt = listing_requests(sim, "woolworths")
    assert first_attempt < full
    [stopped] = runs(crawler.engine())
    with crawler.engine().connect() as connection:
        committed = connection.execute(
            select(func.count())
            .select_from(CrawlPage)
            .where(CrawlPage.run_id == stopped["id"], CrawlPage.page.not_like("%#end"))
        ).scalar_one()
    # what the first attempt fetched but did not commit is what was in flight when it stopped
    assert first_attempt - committed <= 2 * concurrency
    assert stopped["status"] == ("interrupted" if sig == signal.SIGINT else "running")
    jobs = crawler.data_dir / "jobs" / str(stopped["id"])  # one job directory per run
    assert jobs.is_dir()
    assert (jobs / "spider.state").is_file() == (sig == signal.SIGINT)

    sim.set_faults(None)
    crawler.run("woolworths", *settings, store="1147")
    assert_matches_truth(crawler, "woolworths", "1147", START_DATE)
    # the resumed attempt fetches exactly the pages the first did not commit
    assert listing_requests(sim, "woolworths") - first_attempt == full - committed
    assert not jobs.exists()
    history = runs(crawler.engine())
    assert len(history) == 1  # the restart continued the interrupted run
    assert history[0]["status"] == "complete"
    with crawler.engine().connect() as connection:
        duplicates = connection.execute(
            select(func.count())
            .select_from(Price)
            .group_by(Price.store_id, Price.listing_id)
            .having(func.count() > 1)
        ).all()
    assert duplicates == []


def test_a_store_that_is_not_crawlable_is_refused(crawler: Crawler) -> None:
    crawler.run("woolworths_stores", step="5")
    log = crawler.run("woolworths", store="10006", expect=1)  # an Ampol Foodary site
    assert "is not crawlable" in log
    assert listing_requests(crawler.sim, "woolworths") == 0
    # the refused crawl recorded no run: the only one is the locator's
    assert [r["spider"] for r in runs(crawler.engine())] == ["woolworths_stores"]


@pytest.mark.parametrize("company", ["aldi", "woolworths", "iga", "coles"])
def test_store_locators_fill_the_stores_table_once(crawler: Crawler, company: str) -> None:
    if company == "coles":
        require_chromium()  # the Coles browser session
    spider = f"{company}_stores"
    crawler.run(spider)
    expected = {s["store_id"]: s["crawlable"] for s in crawler.sim_stores(company)}
    with crawler.engine().connect() as connection:
        got = dict(connection.execute(select(Store.retailer_store_id, Store.crawlable)).all())
    located = {k: v for k, v in expected.items() if k in got}
    assert len(got) >= 0.99 * len(expected)
    assert got == {k: located[k] for k in got}
    first = runs(crawler.engine())[-1]
    assert_checks_passed(crawler.engine(), first, "locator", company)
    if company in GRID_SPIDERS:  # IGA's points are location ids, not places
        # cells that earlier answers named every store of were not asked
        grid_points = sum(1 for _ in grid(GRID_SPIDERS[company].default_step))
        asked = first["stats"]["downloader/request_count"]
        assert first["stats"]["grocer/stores/points_covered"] > 0
        assert asked < grid_points + 4 * first["stats"].get("grocer/stores/cells_refined", 0)
    crawler.run(spider)
    with crawler.engine().connect() as connection:
        again = connection.execute(select(func.count()).select_from(Store)).scalar_one()
    assert again == len(got)
    second = runs(crawler.engine())[-1]  # judged by the first run's count of stores
    assert run_checks(crawler.engine(), second["id"])["store_count"].threshold == round(
        0.75 * len(got)
    )


def test_a_feed_export_ingests_to_the_same_prices(crawler: Crawler, tmp_path: Any) -> None:
    feed = tmp_path / "aldi-G102.jsonl"
    crawler.run("aldi", "-O", str(feed), store="G102")
    crawled = current_prices(crawler.engine(), "aldi", "G102")
    engine = upgrade(f"sqlite:///{tmp_path / 'ingested.sqlite3'}")
    report = ingest_files(engine, [feed])
    assert report.errors == [] and report.rejected_total == 0
    ingested = current_prices(engine, "aldi", "G102")
    assert ingested == crawled
