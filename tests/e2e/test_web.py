"""The web view in a browser (pytest-playwright, Debian's Chromium) against a real
``grocer serve`` over SQLite: one server, one browser for the module.

The database holds ``grocer/data/samples`` and, written through the writer (the ingest path),
what the simulator served at Coles COL:401 every other day up to the samples' newest day for
the two planted specials' listings, its start date put two weeks before so that day falls in
the planted special week: the illusory special's badge must say illusory, the half-price
week's genuine.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserType, Page, Playwright, expect, sync_playwright
from sqlalchemy import update

from grocer.db.engine import make_engine
from grocer.db.models import Store
from grocer.health.freshness import default_as_of
from grocer.ingest.runner import ingest_files
from grocer.sim.server import SimulatorServer
from tests.conftest import SAMPLES
from tests.integration.bargains.factories import product_pk, store_pk
from tests.integration.bargains.simdata import planted, write_truth
from tests.prerequisites import require_chromium
from tests.serving import serving

pytestmark = [pytest.mark.e2e]

SIM_START = date(2025, 9, 3)  # its planted special week: 2025-09-17 to 2025-09-23
AS_OF = date(2025, 9, 23)  # the samples' newest run (Coles COL:401)
SIM_DAYS = [SIM_START + timedelta(days=n) for n in range(0, (AS_OF - SIM_START).days + 1, 2)]
PLANTED = {"illusory_special": "illusory", "genuine_half_price": "genuine"}
STORE = ("coles", "COL:401")
UNIT = re.compile(r"^\$([\d,]+\.\d+) (per kg|per l|each)$")


@dataclass
class Served:
    url: str
    planted: dict[str, dict[str, Any]]  # kind -> the planted listing and its product id
    busiest: int  # a sample product with prices at several stores, one with several intervals

    def api(self, path: str, **params: Any) -> Any:
        response = httpx.get(f"{self.url}{path}", params=params, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium: ``playwright install`` has no network here."""
    return {**browser_type_launch_args, "executable_path": str(require_chromium())}


# pytest-playwright's playwright, browser and context arguments are session-wide: its event
# loop would stay running on the main thread for every later test of the session (where
# ``asyncio.run`` then fails).  Here they live as long as this module.


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as started:
        yield started


@pytest.fixture(scope="module")
def browser_type(playwright: Playwright, browser_name: str) -> BrowserType:
    return getattr(playwright, browser_name)


@pytest.fixture(scope="module")
def browser(
    browser_type: BrowserType, browser_type_launch_args: dict[str, Any]
) -> Iterator[Browser]:
    launched = browser_type.launch(**browser_type_launch_args)
    yield launched
    launched.close()


@pytest.fixture(scope="module")
def browser_context_args() -> dict[str, Any]:
    """No base URL, device or video: pages are opened by full URL."""
    return {}


BUSIEST = """
SELECT listings.product_id FROM prices JOIN listings ON listings.id = prices.listing_id
GROUP BY listings.product_id HAVING COUNT(DISTINCT prices.store_id) >= 2
ORDER BY COUNT(*) - COUNT(DISTINCT prices.store_id) DESC, listings.product_id LIMIT 1
"""


def build_database(path: Path, folder: Path) -> tuple[dict[str, dict[str, Any]], int]:
    """Samples plus the planted specials' simulator prices, ingested; the planted listings
    and the product of the samples with the most intervals beyond one per store."""
    sim = SimulatorServer(date=SIM_START.isoformat(), seed=0)  # its truth needs no server
    cases = {kind: planted(sim, kind)["listings"][0] for kind in [*PLANTED, "multibuy"]}
    skus = {item["sku"] for item in cases.values()}
    feed = write_truth(sim, [STORE], SIM_DAYS, folder / "truth.jsonl", skus)
    engine = make_engine(f"sqlite:///{path}")
    report = ingest_files(engine, [*sorted(SAMPLES.glob("*.jsonl.gz")), feed])
    assert report.errors == [] and report.rejected_total == 0
    where = sim.state.stores.get(*STORE)
    with engine.begin() as connection:  # the store's place, as its store locator gives it
        connection.execute(
            update(Store)
            .where(Store.id == store_pk(engine, *STORE))
            .values(latitude=where.lat, longitude=where.lon)
        )
    cases["multibuy"]["point"] = (where.lat, where.lon)
    with engine.connect() as connection:
        assert default_as_of(connection) == AS_OF
        busiest = connection.exec_driver_sql(BUSIEST).scalar_one()
    special_week = date.fromisoformat(planted(sim, "illusory_special")["dates"]["special_week"])
    assert special_week <= AS_OF < special_week + timedelta(days=7)
    for item in cases.values():
        item["product_id"] = product_pk(engine, "coles", item["sku"])
    with engine.connect() as connection:  # no WAL beside it for the read-only server
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return cases, busiest


@pytest.fixture(scope="module")
def served(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``grocer serve`` on a free port over the database."""
    require_chromium()  # before the database is built: skip (or fail under CI) at once
    folder = tmp_path_factory.mktemp("web")
    database = folder / "grocer.sqlite3"
    shutil.copy(sqlite_template, database)
    cases, busiest = build_database(database, folder)
    with serving(database, timeout=20) as url:
        yield Served(url, cases, busiest)


def unit_key(text: str) -> tuple[int, Decimal]:
    """The shown unit price's sort key: per kg or l by the number, then each, then none."""
    if text == "—":
        return (2, Decimal(0))
    found = UNIT.match(text)
    assert found, text
    amount = Decimal(found.group(1).replace(",", ""))
    return (1 if found.group(2) == "each" else 0, amount)


def shown_rows(page: Page) -> list[tuple[int, str]]:
    return page.locator("table.results tbody tr").evaluate_all(
        "rows => rows.map(r => [Number(r.dataset.productId),"
        " r.querySelector('.unit-price').textContent.trim()])"
    )


def test_search_sorted_by_unit_price_through_the_form(page: Page, served: Served) -> None:
    page.goto(f"{served.url}/")
    expect(page.locator("h1")).to_have_count(1)
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")  # to the main content: its first field is the search box
    page.keyboard.press("Tab")
    expect(page.get_by_label("Search", exact=True)).to_be_focused()
    page.keyboard.type("pack")
    page.keyboard.press("Tab")  # company: any
    page.keyboard.press("Tab")
    sort = page.get_by_label("Sort by")
    expect(sort).to_be_focused()
    page.keyboard.press("ArrowDown")  # name -> price -> unit price
    page.keyboard.press("ArrowDown")
    expect(sort).to_have_value("unit_price")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Search")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "sort=unit_price" in page.url and "q=pack" in page.url

    shown, pages = shown_rows(page), 1
    next_page = page.get_by_role("link", name="Next page")
    while next_page.count():
        next_page.focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        shown += shown_rows(page)
        pages += 1
    expected, cursor = [], None
    while True:
        params = {"q": "pack", "sort": "unit_price", **({"cursor": cursor} if cursor else {})}
        body = served.api("/v1/products", **params)
        expected += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages > 1  # the form's page size cuts the list: the "Next page" links were followed
    assert [product for product, _ in shown] == [item["id"] for item in expected]
    keys = [unit_key(text) for _, text in shown]
    assert keys == sorted(keys)
    assert {key[0] for key in keys} == {0, 1, 2}  # per kg or l, each, and none all shown
    for key, item in zip(keys, expected, strict=True):
        unit = {"kg": 0, "l": 0, "ea": 1, None: 2}[item["unit"]]
        assert key[0] == unit
        if item["unit_price"] is not None:
            assert abs(key[1] - Decimal(str(item["unit_price"]))) <= Decimal("0.005"), item


def check_charts(page: Page, served: Served, product: int) -> int:
    """Each chart of the product page: a step per interval ``?store=`` returns, the same
    days and prices; a chart per store with prices.  Returns how many charts."""
    page.goto(f"{served.url}/products/{product}")
    charts = page.locator("svg[data-store-id]")
    everything = served.api(f"/v1/products/{product}/prices")["items"]
    stores = [int(store) for store in charts.evaluate_all("s => s.map(c => c.dataset.storeId)")]
    assert sorted(stores) == sorted({item["store_id"] for item in everything})
    for store in stores:
        chart = page.locator(f"svg[data-store-id='{store}']")
        expect(chart).to_have_attribute("role", "img")
        assert "Price history at" in (chart.get_attribute("aria-label") or "")
        steps = chart.locator("[data-interval]").evaluate_all(
            "s => s.map(e => [e.dataset.firstSeen, e.dataset.lastSeen, Number(e.dataset.price)])"
        )
        items = served.api(f"/v1/products/{product}/prices", store=store)["items"]
        assert len(steps) == len(items) > 0
        assert steps == [[i["first_seen"], i["last_seen"], i["price"]] for i in items]
    return len(stores)


def test_a_chart_per_store_with_a_step_per_interval(page: Page, served: Served) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    assert check_charts(page, served, served.busiest) >= 2
    planted_product = served.planted["illusory_special"]["product_id"]
    assert check_charts(page, served, planted_product) == 1
    steps = page.locator("[data-interval]")
    expect(steps).to_have_count(3)  # the regular price, the raised week, the "special"
    assert requested and all(url.startswith(f"{served.url}/") for url in requested)
    assert f"{served.url}/static/style.css" in requested


def test_the_planted_specials_badges(page: Page, served: Served) -> None:
    for kind, verdict in PLANTED.items():
        item = served.planted[kind]
        page.goto(f"{served.url}/products/{item['product_id']}")
        row = page.locator(f"tr[data-company='coles'][data-sku='{item['sku']}']")
        expect(row).to_have_count(1)
        badge = row.locator(".badge")
        expect(badge).to_have_text(verdict)
        expect(badge).to_have_class(re.compile(rf"\bverdict-{verdict}\b"))
        why = row.locator(".why")
        if verdict == "illusory":  # was the raised price, charged briefly: no real discount
            expect(why).to_contain_text(f"Was ${item['raised_price']}, but ${item['price']}")
            expect(why).to_contain_text("really 0% off")
        else:
            expect(why).to_contain_text(f"Was ${item['price']}, and ${item['price']}")
            expect(why).to_contain_text(f"${item['special_price']} is a real 50% off")


def test_a_basket_planned_through_the_form(page: Page, served: Served) -> None:
    offer = served.planted["multibuy"]
    lat, lon = offer["point"]
    page.goto(f"{served.url}/basket")
    page.get_by_label("Shopping list").fill(f"{offer['barcode']} x3\nunicorn steak")
    page.get_by_label("Latitude").fill(str(lat))
    page.get_by_label("Longitude").fill(str(lon))
    page.get_by_label("Shops at most").select_option("1")
    page.get_by_role("button", name="Plan").click()
    expect(page).to_have_url(re.compile(r"/basket\?lines="))
    expect(page.locator("#plan-heading")).to_have_text(f"The plan: ${offer['offer_price']}")
    row = page.locator("table.basket tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(offer["name"])
    expect(row).to_contain_text(f"3 for ${offer['offer_price']}")
    expect(page.locator("ul.unavailable")).to_contain_text("unicorn steak")
    expect(page.get_by_label("Shopping list")).to_have_value(
        f"{offer['barcode']} x3\nunicorn steak"
    )
