"""Tests for grocer.retailers.coles on real Coles payloads (browse tiles, menu, product, stores)."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from grocer.constants import NOT_CRAWLABLE_LIQUOR
from grocer.retailers import coles
from grocer.retailers.common import (
    BlockedPage,
    Category,
    ListingPage,
    MalformedPayload,
    StoreMismatch,
)
from grocer.retailers.nextjs import extract_next_data
from grocer.retailers.store_records import classify_store

BASE = "https://www.coles.com.au"
PAGE1 = "coles/browse_fruit_vegetables_page1.html"


def browse(html: str, page: int = 1, store_id: str = "COL:401") -> ListingPage:
    return coles.parse_browse_page(html, store_id=store_id, page=page, base_url=BASE, page_key="p")


@pytest.fixture
def page1(fixture_text: Callable[[str], str]) -> ListingPage:
    return browse(fixture_text(PAGE1))


@pytest.fixture
def page1_data(fixture_text: Callable[[str], str]) -> dict[str, Any]:
    return extract_next_data(fixture_text(PAGE1))


@pytest.mark.parametrize(
    ("sku", "field", "expected"),
    [
        ("3048820", "name", "Organic Broccoli"),
        ("3048820", "brand", "Coles"),
        ("3048820", "size", "500g"),
        ("3048820", "price", Decimal("7.5")),
        ("3048820", "was_price", None),  # pricing.was == 0 means "no was price"
        ("3048820", "unit_price_value", Decimal("15")),
        ("3048820", "unit_price_measure", "kg"),
        ("3048820", "unit_price_text", "$15.00 per 1kg"),
        ("3048820", "promo_text", "SPECIAL"),
        (
            "3048820",
            "category_path",
            ["Fruit & Vegetables", "Vegetables", "Broccoli & Cauliflower"],
        ),
        ("3048820", "url", f"{BASE}/product/coles-organic-broccoli-500g-3048820"),
        ("3048820", "is_available", True),
        ("3048820", "barcode", None),
        ("3048820", "observed_on", None),
        ("3048820", "page", "p"),
        ("6979376", "promo_text", "Buy 4 for $6"),  # offerDescription beats promotionType
        ("6979376", "unit_price_measure", "ea"),
        ("6140385", "price", Decimal("5")),
        ("6140385", "was_price", Decimal("5.5")),
        ("6140385", "promo_text", "DOWNDOWN"),
        ("3294724", "was_price", Decimal("6.5")),
        ("8382567", "unit_price_value", None),  # no unit price, empty comparable
        ("8382567", "unit_price_text", None),
        ("8382567", "promo_text", None),
        ("6105715", "size", "approx. 60g each"),
        ("6105715", "url", f"{BASE}/product/coles-garlic-loose-approx.-60g-each-6105715"),
        ("6391046", "url", f"{BASE}/product/fresh-organic-washed-potatoes-1kg-1-each-6391046"),
    ],
)
def test_browse_tile_fields(page1: ListingPage, sku: str, field: str, expected: Any) -> None:
    item = next(i for i in page1.items if i.sku == sku)
    assert getattr(item, field) == expected
    assert (item.company, item.store_id) == ("coles", "COL:401")


def test_browse_page_skips_single_tiles_and_paginates(page1: ListingPage) -> None:
    assert len(page1.items) == 11
    assert page1.skipped == {"not_a_product": 3}
    assert page1.total == 576
    assert page1.next_page == 2
    assert "3048820" in page1.skus


def test_last_page_ends_listing(fixture_text: Callable[[str], str]) -> None:
    last = browse(fixture_text("coles/browse_fruit_vegetables_page12.html"), page=12)
    assert last.next_page is None
    assert [i.sku for i in last.items][-1] == "9989810"


@pytest.mark.parametrize(
    ("page", "no_of_results", "page_size", "next_page"),
    [
        (1, 576, 48, 2),
        (11, 576, 48, 12),
        (12, 576, 48, None),  # page == ceil(576 / 48): last page
        (13, 576, 48, None),  # never loop past the last page
        (1, 48, 48, None),  # a single page: no request for page 2
        (1, 49, 48, 2),
        (1, 0, 48, None),
        (1, None, 48, None),  # unknown total: stop rather than loop
        (1, 100, 0, 2),  # junk pageSize falls back to 48
    ],
)
def test_pagination_end_conditions(
    page1_data: dict[str, Any], page: int, no_of_results: Any, page_size: Any, next_page: int | None
) -> None:
    results = page1_data["props"]["pageProps"]["searchResults"]
    results["noOfResults"], results["pageSize"] = no_of_results, page_size
    parsed = coles.parse_browse_data(page1_data, store_id="COL:401", page=page, base_url=BASE)
    assert parsed.next_page == next_page


def test_empty_results_end_listing(page1_data: dict[str, Any]) -> None:
    page1_data["props"]["pageProps"]["searchResults"]["results"] = []
    parsed = coles.parse_browse_data(page1_data, store_id="COL:401", page=3, base_url=BASE)
    assert (parsed.items, parsed.next_page) == ([], None)


def test_next_data_endpoint_shape(page1_data: dict[str, Any]) -> None:
    top_level = {"pageProps": page1_data["props"]["pageProps"]}
    parsed = coles.parse_browse_data(top_level, store_id="COL:401", page=1, base_url=BASE)
    assert len(parsed.items) == 11


def test_block_page_raises(fixture_text: Callable[[str], str]) -> None:
    with pytest.raises(BlockedPage):
        browse(fixture_text("coles/blocked.html"))


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_page_is_malformed_not_blocked(
    fixture_text: Callable[[str], str], cut: float
) -> None:
    html = fixture_text(PAGE1)
    with pytest.raises(MalformedPayload):
        browse(html[: int(len(html) * cut)])


def test_next_data_without_search_results_is_malformed(page1_data: dict[str, Any]) -> None:
    del page1_data["props"]["pageProps"]["searchResults"]
    with pytest.raises(MalformedPayload):
        coles.parse_browse_data(page1_data, store_id="COL:401", page=1, base_url=BASE)


@pytest.mark.parametrize(
    ("store_id", "init_store_id", "mismatch"),
    [
        ("COL:401", "0401", False),  # the site zero-pads
        ("col:0401", 401, False),
        ("COL:401", "0314", True),
        ("COL:314", "0401", True),
        ("COL:401", None, True),  # unverifiable: never write its prices
    ],
)
def test_store_verification(
    page1_data: dict[str, Any], store_id: str, init_store_id: Any, mismatch: bool
) -> None:
    page1_data["props"]["pageProps"]["initStoreId"] = init_store_id
    if mismatch:
        with pytest.raises(StoreMismatch):
            coles.parse_browse_data(page1_data, store_id=store_id, page=1, base_url=BASE)
    else:
        parsed = coles.parse_browse_data(page1_data, store_id=store_id, page=1, base_url=BASE)
        assert len(parsed.items) == 11
        assert {i.store_id for i in parsed.items} == {"COL:401"}  # canonical, whatever the input


def test_junk_tiles_yield_none_values_or_are_counted(page1_data: dict[str, Any]) -> None:
    page1_data["props"]["pageProps"]["searchResults"]["results"] = [
        {"_type": "PRODUCT"},
        {"_type": "PRODUCT", "id": 1, "name": "X", "pricing": {"now": "abc", "was": None}},
        None,
        "tile",
    ]
    parsed = coles.parse_browse_data(page1_data, store_id="COL:401", page=1, base_url=BASE)
    bare, junk_price = parsed.items
    assert (bare.sku, bare.name, bare.price, bare.url, bare.category_path) == (
        "",
        None,
        None,
        None,
        [],
    )
    # a price text that is no number is passed through, for validation to reject
    assert (junk_price.sku, junk_price.price, junk_price.was_price) == ("1", "abc", None)
    assert parsed.skipped == {"not_an_object": 2}


def test_category_path_skips_promotional_heirs() -> None:
    tile = {
        "onlineHeirs": [
            {"aisle": "Coffee & Tea", "category": "Beverages", "subCategory": "Down Down"},
            {"aisle": "Black", "category": "Tea", "subCategory": "Pantry"},
        ]
    }
    assert coles.tile_category_path(tile) == ["Pantry", "Tea", "Black"]
    assert coles.tile_category_path({}, ["fruit & vegetables"]) == ["Fruit & Vegetables"]


def test_menu_gives_the_fifteen_departments(fixture_json: Callable[[str], Any]) -> None:
    categories = coles.parse_menu(fixture_json("coles/menu_items.json"))
    assert [c.slug for c in categories] == list(coles.DEPARTMENTS)
    assert categories[0] == Category(key="7238", slug="meat-seafood", path=("Meat & Seafood",))
    assert [c.slug for c in coles.default_categories()] == list(coles.DEPARTMENTS)


def test_menu_skips_empty_departments(fixture_json: Callable[[str], Any]) -> None:
    payload = fixture_json("coles/menu_items.json")
    for node in payload["data"]["menuItems"]["items"]:
        if node["seoToken"] == "bakery":
            node["productCount"] = 0
    assert "bakery" not in [c.slug for c in coles.parse_menu(payload)]
    with pytest.raises(MalformedPayload):
        coles.parse_menu({"data": {"menuItems": None}})


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("coles/product_page.html", "9310631635078"),  # ld+json gtin13
        ("coles/product_page_mpn_only.html", "9310631635078"),  # never mpn: __NEXT_DATA__ gtin
        ("coles/product_next_data.json", "9310631635078"),  # /_next/data top-level pageProps
    ],
)
def test_product_gtin(fixture_text: Callable[[str], str], name: str, expected: str) -> None:
    assert coles.parse_product_gtin(fixture_text(name)) == expected


def test_product_gtin_absent_and_blocked(fixture_text: Callable[[str], str]) -> None:
    html = fixture_text("coles/product_page_mpn_only.html").replace(
        '"gtin": "9310631635078"', '"gtin": null'
    )
    assert coles.parse_product_gtin(html) is None
    with pytest.raises(BlockedPage):
        coles.parse_product_gtin(fixture_text("coles/blocked.html"))


def test_product_url_matches_the_site_slug(fixture_json: Callable[[str], Any]) -> None:
    product = fixture_json("coles/product_next_data.json")["pageProps"]["product"]
    slug = "queen-victoria-english-breakfast-extra-strong-tea-bags-100-pack-3984766"
    assert coles.product_url(BASE, product) == f"{BASE}/product/{slug}"


def test_requests_target_the_store() -> None:
    spec = coles.browse_request(
        "http://127.0.0.1:8411/coles/", "fruit-vegetables", 3, store_id="col:0401"
    )
    assert spec.url == "http://127.0.0.1:8411/coles/browse/fruit-vegetables?page=3"
    assert spec.cookies["fulfillmentStoreId"] == "401"
    menu = coles.menu_request(BASE, store_id="COL:401")
    assert (menu.method, menu.url, menu.body["operationName"]) == (
        "POST",
        f"{BASE}/api/graphql",
        "menuItems",
    )
    stores = coles.stores_request(BASE, -34.5, 138.5)
    assert stores.body["variables"] == {
        "brandIds": ["COL", "LQR", "VIN"],
        "latitude": -34.5,
        "longitude": 138.5,
    }


def test_store_locator(fixture_json: Callable[[str], Any]) -> None:
    stores = {s.store_id: s for s in coles.parse_stores(fixture_json("coles/stores_graphql.json"))}
    assert list(stores) == ["COL:481", "LQR:2475", "LQR:2301", "VIN:2846"]
    raine = stores["COL:481"]
    assert (raine.name, raine.banner, raine.suburb, raine.state, raine.postcode) == (
        "Coles Central Raine Square",
        "Coles",
        "Perth",
        "WA",
        "6000",
    )
    assert (raine.latitude, raine.longitude) == (-31.951885, 115.857375)
    assert classify_store(stores["LQR:2475"])[1:] == (False, NOT_CRAWLABLE_LIQUOR)
    assert stores["VIN:2846"].banner == "Vintage Cellars"


def test_store_locator_fills_na_names(fixture_json: Callable[[str], Any]) -> None:
    payload = fixture_json("coles/stores_graphql.json")
    payload["data"]["stores"]["results"][1]["store"]["name"] = "N/A"
    payload["data"]["stores"]["results"].append({"store": {"id": "junk"}})
    stores = coles.parse_stores(payload)
    assert stores[1].name == "Liquorland Perth"
    assert len(stores) == 4


def test_all_raw_corpus_pages(corpus: Path) -> None:
    tiles = 0
    items = []
    for path in sorted((corpus / "coles_raw_search").glob("coles_fruit-vegetables_page-*.json.gz")):
        results = json.loads(gzip.decompress(path.read_bytes()))
        tiles += sum(1 for r in results if r.get("_type") == "PRODUCT")
        data = {
            "props": {
                "pageProps": {
                    "initStoreId": "0401",
                    "searchResults": {"noOfResults": 576, "pageSize": 48, "results": results},
                }
            }
        }
        items += coles.parse_browse_data(data, store_id="COL:401", page=1, base_url=BASE).items
    assert tiles == len(items) == 576
    assert all(isinstance(i.price, Decimal) and i.price > 0 for i in items)
    assert sum(i.was_price is not None for i in items) == 8 + 6  # DOWNDOWN and save-statement tiles
    assert all(i.was_price is None or i.was_price > i.price for i in items)


def test_product_capture_gtin(capture: Callable[[str], Any]) -> None:
    body = capture("coles_individual_product_api.txt.gz")
    assert coles.parse_product_gtin(json.dumps(body)) == "9310631635078"
    assert coles.product_url(BASE, body["pageProps"]["product"]).endswith(
        "queen-victoria-english-breakfast-extra-strong-tea-bags-100-pack-3984766"
    )


def test_store_locator_corpus(corpus_text: Callable[[str], str]) -> None:
    stores: dict[str, str | None] = {}
    for line in corpus_text("store_locator_raw/coles_graphql_raw_output.jsonl.gz").splitlines():
        for store in coles.parse_stores(json.loads(line)):
            stores[store.store_id] = store.banner
    assert len(stores) == 203  # 108 responses x 50 results, overlapping
    assert Counter(stores.values()) == {"Liquorland": 103, "Coles": 99, "Vintage Cellars": 1}


@pytest.mark.parametrize(
    ("sku", "promo", "quantity", "price"),
    [
        (6979376, "Buy 4 for $6", 4, Decimal("6.00")),
        (4425883, "Buy 5 for $4", 5, Decimal("4.00")),
        (5318302, "Buy 4 for $5", 4, Decimal("5.00")),
        (4575321, "Pick any 2 for $5.80", 2, Decimal("5.80")),  # per product, never across
        (5415852, "Buy 3 for $4", 3, Decimal("4.00")),  # the text's $4, not 3 x 1.33
    ],
)
def test_multibuy_tiles(
    fixture_json: Callable[[str], Any], sku: int, promo: str, quantity: int, price: Decimal
) -> None:
    tile = next(t for t in fixture_json("coles/multibuy_tiles.json") if t["id"] == sku)
    item = coles.parse_tile(tile, store_id="COL:401", base_url=BASE)
    assert (item.promo_text, item.multibuy_qty, item.multibuy_price) == (promo, quantity, price)
    assert item.was_price is None  # a multi-buy keeps the shelf price as "now"


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("Buy 3 for $4", (3, Decimal("4.00"))),
        ("Buy 2 for $4", (3, Decimal("3.99"))),  # the text names another quantity: the reward
        (None, (3, Decimal("3.99"))),
        ("Save 20%", (3, Decimal("3.99"))),
    ],
)
def test_multibuy_price_falls_back_to_the_reward(
    description: str | None, expected: tuple[int, Decimal]
) -> None:
    promotion = {"type": "MultibuySingleSku", "minQuantity": 3, "reward": 1.33}
    found = coles.multibuy({"offerDescription": description, "multiBuyPromotion": promotion})
    assert found is not None and (found.quantity, found.price) == expected


@pytest.mark.parametrize(
    "promotion", [None, {"minQuantity": 1, "reward": 2}, {"reward": 1.5}, "Buy 2 for $3"]
)
def test_no_multibuy_without_a_readable_offer(promotion: Any) -> None:
    assert (
        coles.multibuy({"offerDescription": "Buy 2 for $3", "multiBuyPromotion": promotion}) is None
    )
