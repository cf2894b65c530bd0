"""The web view's pages over the samples, without a browser: answers, errors as HTML pages
naming the parameter, nothing from another host, left out of the OpenAPI schema.  (In a
browser: tests/e2e/test_web.py.)"""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from grocer.api.catalogue import Catalogue
from grocer.web import web_router
from grocer.web.chart import price_chart
from grocer.web.format import special_reason, unit_price

LEMON = 26  # Aldi's "Lemon Each": prices at four stores, two intervals at one of them
PAGES = ["/", "/?q=milk&company=coles&sort=price", f"/products/{LEMON}", "/stores", "/bargains",
         "/status"]  # fmt: skip


@pytest.mark.parametrize("path", PAGES)
def test_every_page_answers_accessible_html_from_this_host_only(
    client: TestClient, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    html = response.text
    assert '<html lang="en">' in html and html.count("<h1") == 1
    assert '<a class="skip-link" href="#main">' in html and '<main id="main"' in html
    loaded = re.sub(r'<a href="[^"]*" rel="external noreferrer">', "", html)  # retailers' pages
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", loaded)
    inputs = re.findall(r"<(?:input|select)[^>]*\bid=\"([^\"]+)\"", html)
    assert all(f'<label for="{name}">' in html for name in inputs)
    assert "<th>" not in html  # every header cell has its scope


def test_search_results_link_to_products_and_page_on(client: TestClient) -> None:
    html = client.get("/", params={"sort": "unit_price"}).text
    ids = re.findall(r'<tr data-product-id="(\d+)">', html)
    expected = client.get("/v1/products", params={"sort": "unit_price"}).json()
    assert [int(i) for i in ids] == [item["id"] for item in expected["items"]]
    assert f'href="/products/{ids[0]}"' in html
    (link,) = re.findall(r'<a href="(/\?[^"]+)" rel="next">Next page</a>', html)
    assert "sort=unit_price" in link and "cursor=" in link
    following = client.get(link.replace("&amp;", "&"))
    assert following.status_code == 200
    assert re.findall(r'<tr data-product-id="(\d+)">', following.text)[0] not in ids


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/?sort=cheapest", "sort"),
        ("/?company=costco", "company"),
        ("/?cursor=nonsense", "cursor"),
        ("/products/abc", "product_id"),
        ("/products/0", "product_id"),
        (f"/products/{LEMON}?as_of=yesterday", "as_of"),
        ("/stores?lat=95&lon=1", "lat"),
        ("/stores?lat=-35", "lon"),
        ("/stores?radius_km=5", "radius_km"),
        ("/stores?limit=0", "limit"),
    ],
)
def test_a_bad_parameter_is_a_422_page_naming_it(client: TestClient, path: str, name: str) -> None:
    response = client.get(path)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert f"<h1>Bad parameter: {name}</h1>" in response.text


def test_an_unknown_product_is_a_404_page(client: TestClient) -> None:
    response = client.get("/products/999999")
    assert response.status_code == 404
    assert "<h1>Product not found</h1>" in response.text


def test_the_pages_are_not_in_the_openapi_schema_and_the_stylesheet_is_served(
    client: TestClient, read_only: Engine
) -> None:
    router = web_router(read_only, {}, Catalogue(read_only, {}))
    pages = {getattr(route, "path", None) for route in router.routes}
    assert pages == {"/", "/products/{product_id}", "/stores", "/basket", "/bargains", "/status"}
    alone = FastAPI()
    alone.include_router(router)
    assert alone.openapi()["paths"] == {}
    assert client.get("/static/style.css").headers["content-type"].startswith("text/css")


def test_the_product_page_charts_each_store(client: TestClient) -> None:
    html = client.get(f"/products/{LEMON}").text
    items = client.get(f"/v1/products/{LEMON}/prices").json()["items"]
    charts = re.findall(r'<svg class="price-chart" data-store-id="(\d+)" role="img"', html)
    assert sorted(int(store) for store in charts) == sorted({i["store_id"] for i in items})
    assert html.count("data-interval=") == len(items) == 5


def test_a_chart_draws_one_step_per_interval_left_to_right() -> None:
    intervals = [
        {"price": 2.0, "was_price": None, "is_special": False,
         "first_seen": "2025-09-01", "last_seen": "2025-09-04"},
        {"price": 1.5, "was_price": 2.0, "is_special": True,
         "first_seen": "2025-09-08", "last_seen": "2025-09-10"},
    ]  # fmt: skip
    chart = price_chart(7, "Aldi Carindale", intervals)
    first, second = chart.steps
    assert first.x1 == chart.left and second.x2 == chart.right
    assert first.x2 < second.x1 and first.y < second.y  # a gap, then a lower price
    assert [line.kind for line in chart.lines] == ["gap", "riser"]
    assert "2 price intervals" in chart.description and "$1.50 on 10 Sep 2025" in chart.description


def test_the_reasons_of_the_verdicts() -> None:
    illusory = {"verdict": "illusory", "claimed_discount": 0.2, "real_discount": 0.0,
                "most_common": 3.25, "lowest": 3.25, "history_days": 20}  # fmt: skip
    assert special_reason(illusory, 3.25, 4.05) == (
        "Was $4.05, but $3.25 was charged on most of the last 30 days (20 with a known price): "
        "really 0% off, not the claimed 20%."
    )
    unknown = {"verdict": "unknown", "claimed_discount": 0.3182, "real_discount": None,
               "most_common": None, "lowest": None, "history_days": 0}  # fmt: skip
    assert special_reason(unknown, 4.5, 6.6).startswith("Only 0 of the last 30 days")
    assert unit_price(0.065, "ea") == "$0.065 each"
    assert unit_price(12.5, "kg") == "$12.50 per kg"
    assert unit_price(None, None) == "—"


def test_the_product_page_shows_the_command_that_watches_it(client: TestClient) -> None:
    html = client.get(f"/products/{LEMON}").text
    assert f'<pre class="command">grocer watch add {LEMON}</pre>' in html
