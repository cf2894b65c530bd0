"""Tests for grocer.retailers.aldi: category tree, product search (cents), service points."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from grocer.constants import PROMOTIONAL_ROOTS
from grocer.retailers import aldi
from grocer.retailers.common import Category, ListingPage, MalformedPayload

SKU = "000000000000200998"


def search(payload: Any, offset: int = 0) -> ListingPage:
    return aldi.parse_search(payload, store_id="G102", offset=offset, page_key="k")


def test_category_leaves(fixture_json: Callable[[str], Any]) -> None:
    categories = aldi.parse_categories(fixture_json("aldi/category_tree.json"))
    assert [c.slug for c in categories] == [
        "lower-prices",  # a root without children is a leaf; not in PROMOTIONAL_ROOTS
        "fruits-vegetables/fresh-fruits",
        "fruits-vegetables/fresh-vegetables",
        "fruits-vegetables/salads",
        "fruits-vegetables/prepared-vegetables",
        "fruits-vegetables/fresh-herbs",
        "bakery/muffins-cakes-other",
        "bakery/sliced-breads",
        "bakery/speciality-breads-rolls",
    ]  # "Limited Time Only" and "Front of Store" roots are skipped
    assert categories[1] == Category(
        "1111111152", "fruits-vegetables/fresh-fruits", ("Fruits & Vegetables", "Fresh Fruits")
    )


def test_category_corpus(capture: Callable[[str], Any]) -> None:
    categories = aldi.parse_categories(capture("aldi_categories_api.txt.gz"))
    assert len(categories) == 105
    assert not {c.path[0].lower() for c in categories} & PROMOTIONAL_ROOTS


def test_category_tree_without_data_is_malformed() -> None:
    with pytest.raises(MalformedPayload):
        aldi.parse_categories({"errors": []})


@pytest.mark.parametrize(
    ("sku", "field", "expected"),
    [
        (SKU, "name", "Chocolate Chip Brioche Milk Rolls 8 Pack 280g"),
        (SKU, "brand", "BON APPETIT"),
        (SKU, "size", "280 g"),
        (SKU, "price", Decimal("4.69")),  # price.amount 469 cents
        (SKU, "unit_price_value", Decimal("1.68")),  # comparison 168 cents
        (SKU, "unit_price_text", "$1.68 per 100 g"),
        (SKU, "unit_price_measure", None),
        (SKU, "was_price", None),
        (SKU, "is_available", None),  # notForSale is true for every walk-in product
        (
            SKU,
            "url",
            f"https://www.aldi.com.au/product/bon-appetit-chocolate-chip-brioche-milk-rolls-8-pack-280g-{SKU}",
        ),
        (SKU, "category_path", ["Bakery", "Speciality Breads & Rolls"]),
        (SKU, "barcode", None),
        ("000000000000286123", "price", Decimal("3.79")),
        ("000000000000286123", "unit_price_value", Decimal("34.45")),
        ("000000000000286123", "was_price", Decimal("4.29")),
        ("000000000000286123", "category_path", ["Dairy, Eggs & Fridge", "Cheese"]),
    ],
)
def test_product_fields(
    fixture_json: Callable[[str], Any], sku: str, field: str, expected: Any
) -> None:
    item = next(i for i in search(fixture_json("aldi/product_search.json")).items if i.sku == sku)
    assert getattr(item, field) == expected
    assert (item.company, item.store_id, item.page) == ("aldi", "G102", "k")


def test_web_base_is_separate_from_api_base(fixture_json: Callable[[str], Any]) -> None:
    payload = fixture_json("aldi/product_search.json")
    parsed = aldi.parse_search(
        payload, store_id="g102", offset=0, web_base="http://127.0.0.1:8411/aldi/"
    )
    assert parsed.items[0].store_id == "G102"
    assert (
        parsed.items[0].url
        == f"http://127.0.0.1:8411/aldi/product/bon-appetit-chocolate-chip-brioche-milk-rolls-8-pack-280g-{SKU}"
    )


def test_pagination(fixture_json: Callable[[str], Any]) -> None:
    assert search(fixture_json("aldi/product_search.json"), offset=60).next_page == 90
    assert search(fixture_json("aldi/product_search_empty.json"), offset=90).next_page is None
    assert search({"data": None}).next_page is None


def test_the_listing_length_is_kept_but_never_ends_a_listing(
    fixture_json: Callable[[str], Any],
) -> None:
    payload = fixture_json("aldi/product_search.json")
    assert search(payload).total is None  # not every answer says it
    payload["meta"] = {"pagination": {"offset": 60, "limit": 30, "totalCount": 61}}
    page = search(payload, offset=60)
    assert (page.total, page.next_page) == (61, 90)  # 400 or empty data still ends it
    payload["meta"]["pagination"]["totalCount"] = "many"
    assert search(payload, offset=60).total is None


@pytest.mark.parametrize(
    ("status", "payload", "ended"),
    [
        (400, None, True),  # Aldi answers 400 past the last page
        (400, {"errors": [{"code": "offset"}]}, True),
        (200, {"data": []}, True),
        (200, {"data": [{"sku": "1"}]}, False),
        (503, None, False),  # a server error is retried, not an end
    ],
)
def test_is_end_of_listing(status: int, payload: Any, ended: bool) -> None:
    assert aldi.is_end_of_listing(status, payload) is ended


def test_junk_products(fixture_json: Callable[[str], Any]) -> None:
    payload = {"data": [{"sku": "000000000000000001", "price": {"amount": "n/a"}}, None]}
    parsed = search(payload)
    item = parsed.items[0]
    assert (item.sku, item.name, item.price, item.url, item.category_path) == (
        "000000000000000001",
        None,
        "n/a",  # no number: passed through, for validation to reject (bad_type:price)
        None,
        [],
    )
    assert parsed.skipped == {"not_an_object": 1}
    with pytest.raises(MalformedPayload):
        search({"data": "x"})


def test_requests() -> None:
    leaf = Category(
        "1111111152", "fruits-vegetables/fresh-fruits", ("Fruits & Vegetables", "Fresh Fruits")
    )
    spec = aldi.search_request("https://api.aldi.com.au", leaf, 30, store_id="g102")
    assert spec.url == (
        "https://api.aldi.com.au/v3/product-search?currency=AUD&serviceType=walk-in"
        "&categoryKey=1111111152&limit=30&offset=30&sort=relevance&testVariant=A&servicePoint=G102"
    )
    tree = aldi.categories_request("http://127.0.0.1:8411/aldi", store_id="G452")
    assert (
        tree.url
        == "http://127.0.0.1:8411/aldi/v2/product-category-tree?serviceType=walk-in&servicePoint=G452"
    )


def test_service_points(fixture_json: Callable[[str], Any]) -> None:
    stores = aldi.parse_stores(fixture_json("aldi/service_points.json"))
    assert [s.store_id for s in stores] == ["G231", "G565", "G495"]
    merimbula = stores[1]
    assert (merimbula.name, merimbula.banner, merimbula.address, merimbula.suburb) == (
        "Merimbula",
        "Aldi",
        "107 Main St",
        "Merimbula",
    )
    assert (merimbula.state, merimbula.postcode, merimbula.latitude) == ("NSW", "2548", -36.886379)
