"""Crawl health through the real Scrapy engine: the simulator's thin, wrong-typed and stormy
stores fail the checks that should catch them, and a thin run does not make listings gone."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from itemadapter import ItemAdapter
from scrapy.utils.serialize import ScrapyJSONEncoder
from sqlalchemy import select, text

from grocer.analysis.zones.snapshots import load_store_days
from grocer.db.migrate import upgrade
from grocer.db.models import Store
from grocer.ingest.runner import ingest_files
from grocer.items import ListingPageItem
from grocer.retailers import aldi
from grocer.retailers.common import loads_json
from grocer.scheduler.planner import plan
from grocer.scheduler.state import store_states
from tests.e2e.conftest import START_DATE, Crawler, run_checks, runs

pytestmark = pytest.mark.e2e

FAST_RETRIES = ["-s", "GROCER_RETRY_BACKOFF=0.01", "-s", "GROCER_RETRY_MAX_WAIT=0.05"]


def failed(crawler: Crawler, run_id: int) -> dict[str, object]:
    return {n: c for n, c in run_checks(crawler.engine(), run_id).items() if not c.passed}


def test_a_thin_crawl_fails_item_count_and_its_missing_listings_are_not_gone(
    crawler: Crawler,
) -> None:
    sim, day1 = crawler.sim, date.fromisoformat(START_DATE)
    crawler.run("aldi", store="G102")
    sim.set_date(day1 + timedelta(days=1))
    sim.set_faults("aldi:thin=0.5@G102")
    crawler.run("aldi", store="G102", expect=3)  # partial
    missed = [
        product for product in sim.truth("aldi", "G102", day1)["products"]
        if sim.state.faults.thinned("aldi", "G102", product["sku"])
    ]  # fmt: skip
    sim.set_faults(None)
    healthy, thin = runs(crawler.engine())
    assert (healthy["status"], thin["status"]) == ("complete", "partial")
    [check] = failed(crawler, thin["id"]).values()
    assert check.name == "item_count"
    assert check.value == thin["stats"]["grocer/products"] < 0.6 * healthy["items"]
    assert check.threshold == round(0.75 * healthy["items"])
    assert f"{check.value} products, expected at least {check.threshold}" in check.reason

    engine = crawler.engine()
    with engine.connect() as connection:
        store_pk = connection.execute(
            select(Store.id).where(Store.retailer_store_id == "G102")
        ).scalar_one()
        days = load_store_days(connection, select(Store.id), day1 + timedelta(days=5), 7)
        assert days.window[store_pk] == [day1]  # the thin run's day is no snapshot day
        closed = connection.execute(
            text("SELECT finished_at FROM crawl_runs WHERE id = :id"), {"id": thin["id"]}
        ).scalar_one()
        closed = datetime.fromisoformat(closed) if isinstance(closed, str) else closed
        closed = closed if closed.tzinfo else closed.replace(tzinfo=UTC)
        soon = store_states(connection, now=closed + timedelta(minutes=59))
        later = store_states(connection, now=closed + timedelta(hours=1, seconds=1))
    today = day1 + timedelta(days=5)  # stale by then: only the back-off holds it
    assert [o.store_id for o in plan(soon, today, now=closed + timedelta(minutes=59))] == []
    [order] = plan(later, today, now=closed + timedelta(hours=1, seconds=1))
    assert (order.store_id, order.reason, order.resume_run) == ("G102", "recrawl", None)

    day3 = day1 + timedelta(days=2)
    sim.set_date(day3)
    crawler.run("aldi", store="G102")
    third = runs(crawler.engine())[-1]
    assert third["status"] == "complete"
    assert missed
    with engine.connect() as connection:
        spans = Counter(
            sku for (sku,) in connection.execute(
                text("SELECT l.sku FROM prices p JOIN listings l ON l.id = p.listing_id")
            )
        )  # fmt: skip
        unchanged = [
            p["sku"] for p in missed
            if spans[p["sku"]] == 1
        ]  # fmt: skip
        assert len(unchanged) > 0.9 * len(missed)  # Aldi reprices on Wednesdays only
        first, last = connection.execute(
            text(
                "SELECT p.first_seen, p.last_seen FROM prices p JOIN listings l "
                "ON l.id = p.listing_id WHERE l.sku = :sku"
            ),
            {"sku": unchanged[0]},
        ).one()
    assert (str(first), str(last)) == (str(day1), str(day3))  # one interval across


def page_items(base: str, store: str) -> list[ListingPageItem]:
    """Every listing page of an Aldi store as the spider parses it (what a crawl validates)."""
    with urllib.request.urlopen(aldi.categories_request(base, store_id=store).url) as answer:
        categories = aldi.parse_categories(loads_json(answer.read()))
    pages = []
    for category in categories:
        offset: int | None = 0
        while offset is not None:
            try:
                url = aldi.search_request(base, category, offset, store_id=store).url
                with urllib.request.urlopen(url) as answer:
                    payload = loads_json(answer.read())
            except urllib.error.HTTPError as error:
                if aldi.is_end_of_listing(error.code):
                    break
                raise
            page = aldi.parse_search(payload, store_id=store, offset=offset,
                                     category_path=category.path)  # fmt: skip
            for item in page.items:
                item.observed_on = date.fromisoformat(START_DATE)
            pages.append(ListingPageItem("aldi", store, f"{category.key}#{offset}", page.items))
            offset = page.next_page
    return pages


def test_wrong_types_fail_validation_with_the_reasons_ingest_gives(
    crawler: Crawler, tmp_path: Path
) -> None:
    crawler.sim.set_faults("aldi:wrong_type=0.1")
    crawler.run("aldi", store="G102", expect=3)
    [run] = runs(crawler.engine())
    stats = run["stats"]
    assert run["status"] == "partial"
    assert set(failed(crawler, run["id"])) == {"validation"}
    crawled = {
        k.removeprefix("grocer/validate/rejected/"): v for k, v in stats.items()
        if k.startswith("grocer/validate/rejected/")
    }  # fmt: skip
    assert set(crawled) == {"bad_type:brand", "bad_type:name", "bad_type:price"}
    # a page with a bad product keeps the others: every good product landed
    assert run["items"] == stats["grocer/products"] - sum(crawled.values())
    assert "grocer/run/item_errors" not in stats

    feed = tmp_path / "wrong-types.jsonl"
    encoder = ScrapyJSONEncoder()
    with feed.open("w") as out:
        for page in page_items(f"{crawler.sim.url}/aldi", "G102"):
            out.write(encoder.encode(ItemAdapter(page).asdict()) + "\n")
    report = ingest_files(upgrade(f"sqlite:///{tmp_path / 'ingested.sqlite3'}"), [feed])
    assert dict(report.rejected) == crawled
    assert report.records == stats["grocer/products"]


def test_a_storm_fails_http_errors(crawler: Crawler) -> None:
    crawler.sim.set_faults("aldi:storm=0.7")
    log = crawler.run("aldi", *FAST_RETRIES, store="G102", sample="50", expect=3)
    [run] = runs(crawler.engine())
    assert run["status"] == "partial"
    checks = run_checks(crawler.engine(), run["id"])
    assert not checks["http_errors"].passed
    assert checks["http_errors"].value >= 0.6 and checks["http_errors"].threshold == 0.2
    assert "responses were 403/429/5xx" in checks["http_errors"].reason
    assert "failed check http_errors" in log


def test_thresholds_come_from_the_setting(crawler: Crawler) -> None:
    strict = json.dumps({"coverage:size": {"aldi": 1.0}})
    crawler.run("aldi", "-s", f"GROCER_CHECK_THRESHOLDS={strict}", store="G102", expect=3)
    [run] = runs(crawler.engine())
    [check] = failed(crawler, run["id"]).values()
    assert (check.name, check.threshold) == ("coverage:size", 1.0) and check.value < 1
    assert run["status"] == "partial"


@pytest.mark.usefixtures("chromium")
def test_a_coles_storm_fails_coles_challenges(tmp_path: Path) -> None:
    from grocer.sim.server import SimulatorServer
    from tests.e2e.test_coles import DAY, STORE, crawl, database
    from tests.e2e.test_coles import runs as coles_runs

    with SimulatorServer(date=DAY) as sim:
        sim.set_faults("coles:storm=0.3")
        # the storm meets the browser too: a session that cannot load gives up after 3 s
        crawl(sim, tmp_path, "coles", STORE, "-a", "sample=50",
              "-s", "GROCER_COLES_SESSION_TIMEOUT=3", expect=3)  # fmt: skip
    [run] = coles_runs(database(tmp_path), "coles")
    assert run.status == "partial"
    checks = run_checks(database(tmp_path), run.id)
    challenges = checks["coles_challenges"]
    assert not challenges.passed and challenges.value > 0.2, challenges.reason
    assert "requests met a block page" in challenges.reason


def test_bad_thresholds_refuse_the_crawl_with_a_message(crawler: Crawler) -> None:
    typo = json.dumps({"itemcount": 0.5})
    log = crawler.run("aldi", "-s", f"GROCER_CHECK_THRESHOLDS={typo}", store="G102", expect=1)
    assert "GROCER_CHECK_THRESHOLDS: no check named 'itemcount'" in log
    assert runs(crawler.engine()) == []  # refused before any row
