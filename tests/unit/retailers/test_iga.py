"""Tests for grocer.retailers.iga: category hierarchy, search pages, prices, store locator."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from grocer.constants import NOT_CRAWLABLE_NO_SHOP
from grocer.retailers import iga
from grocer.retailers.common import Category, ListingPage, MalformedPayload
from grocer.retailers.store_records import classify_store

FRUIT = "iga/search_fruit.json"


def search(
    payload: Any, skip: int = 0, previous: frozenset[str] = frozenset(), take: int = 20
) -> ListingPage:
    return iga.parse_search(
        payload, store_id="14573", skip=skip, previous_skus=previous, take=take, page_key="k"
    )


def test_category_leaves(fixture_json: Callable[[str], Any]) -> None:
    categories = iga.parse_categories(fixture_json("iga/category_hierarchy.json"))
    assert [c.key for c in categories] == [
        "Apples_Pears_and_Bananas",
        "Citrus_Fruit",
        "Onions_Potatoes_and_Pumpkin",
        "Carrots_and_Other_Root_Vegetables",
        "Flour",
        "Sugars_and_Sweeteners",
        "Breakfast_Cereals",
        "Breakfast_Snacks_and_Drinks",
        "Beef_Pork_and_Lamb",
        "Chicken_and_Other_Poultry",
        "Fish",
        "Shellfish",
    ]
    assert categories[0].path == (
        "Grocery",
        "Fruit And Vegetable",
        "Fruit",
        "Apples, Pears And Bananas",
    )


def test_category_corpus(capture: Callable[[str], Any]) -> None:
    categories = iga.parse_categories(capture("iga_categories_api.txt.gz"))
    assert len(categories) == 412  # RETAILERS §6.2: the captured store had 412 leaves
    beef = next(c for c in categories if c.key == "Beef_Pork_and_Lamb")
    assert beef.path == ("Grocery", "Meat, Seafood And Deli", "Meat", "Beef, Pork And Lamb")
    assert categories[-1] == Category(
        "Essentials", "Essentials", ("Grocery", "Other", "Essentials")
    )


@pytest.mark.parametrize(
    ("sku", "field", "expected"),
    [
        ("180000002203", "name", "Almond Medjool Date Rolls"),
        ("180000002203", "brand", None),  # "" means no brand
        ("180000002203", "barcode", "7500464254443"),
        ("180000002203", "price", Decimal("7.99")),
        ("180000002203", "was_price", None),
        ("180000002203", "size", "227g"),  # no " Each" sell-by word
        ("180000002203", "unit_price_text", "$3.52/100g"),
        ("180000002203", "promo_text", None),
        ("180000002203", "is_available", True),
        ("180000002203", "url", None),
        (
            "180000002203",
            "category_path",
            [
                "Grocery",
                "Fruit And Vegetable",
                "Fruit",
                "Pineapples, Kiwi Fruit And Tropical Fruit",
            ],
        ),
        ("80060017", "price", Decimal("5.99")),  # wholePrice (per kg), not priceNumeric 1.0782
        ("80060017", "size", "180g"),
        ("80060017", "unit_price_text", "$5.99/kg"),
        ("80050150", "size", "each"),  # unitOfSize {size 1, type each}
        ("80050150", "unit_price_text", None),
    ],
)
def test_product_fields(
    fixture_json: Callable[[str], Any], sku: str, field: str, expected: Any
) -> None:
    item = next(i for i in search(fixture_json(FRUIT)).items if i.sku == sku)
    assert getattr(item, field) == expected
    assert (item.company, item.store_id, item.page) == ("iga", "14573", "k")


def test_special_price(fixture_json: Callable[[str], Any]) -> None:
    item = search(fixture_json("iga/search_special.json")).items[0]
    assert (item.sku, item.price, item.was_price) == ("31218", Decimal("4"), Decimal("6"))
    assert (item.size, item.brand) == ("1l", "Australia's Own")
    assert item.category_path == ["Grocery", "Drinks", "Long Life Milk", "Coconut Milk"]


@pytest.mark.parametrize(
    ("changes", "price", "was"),
    [
        # a special without a TPR price falls back to priceNumeric (4), else nothing
        ({"wasWholePrice": 6, "tprPrice": []}, Decimal("4"), Decimal("6")),
        ({"wasWholePrice": 6, "tprPrice": [], "priceNumeric": None}, None, Decimal("6")),
        (
            {"wasWholePrice": 6, "tprPrice": [], "priceNumeric": 4.5, "wholePrice": None},
            Decimal("4.5"),
            Decimal("6"),
        ),
        ({"wasWholePrice": None, "wholePrice": 3.35}, Decimal("3.35"), None),
        # a wholePrice there but no number is passed through (validation rejects it), no
        # fallback to priceNumeric
        ({"wasWholePrice": 0, "wholePrice": "junk", "priceNumeric": 2}, "junk", None),
        ({"wasWholePrice": 0, "wholePrice": None, "priceNumeric": 2}, Decimal("2"), None),
    ],
)
def test_price_rules(
    fixture_json: Callable[[str], Any], changes: dict[str, Any], price: Any, was: Any
) -> None:
    payload = fixture_json("iga/search_special.json")
    raw = payload["items"][0]
    raw.update(changes)
    if raw.get("wholePrice") is None and "priceNumeric" not in changes:
        raw["priceNumeric"] = None
    item = search(payload).items[0]
    assert (item.price, item.was_price) == (price, was)


@pytest.mark.parametrize(
    ("raw", "size"),
    [
        ({"unitOfSize": {"abbreviation": "ml", "size": 200}, "sellBy": "Each"}, "200ml"),
        ({"unitOfSize": {"abbreviation": "", "label": "Each", "size": 1, "type": "each"}}, "each"),
        (
            {"unitOfSize": {"abbreviation": "", "label": "Each", "size": 6, "type": "each"}},
            "6 each",
        ),
        ({"sellBy": "Each"}, "each"),
        ({"unitOfSize": None, "sellBy": "EachUnit"}, None),
        ({}, None),
    ],
)
def test_item_size(raw: dict[str, Any], size: str | None) -> None:
    assert iga.item_size(raw) == size


def test_pagination_and_repeat_detection(fixture_json: Callable[[str], Any]) -> None:
    first = search(fixture_json(FRUIT), skip=0)
    assert (first.next_page, first.total, len(first.items)) == (20, 34, 4)
    repeat = search(fixture_json(FRUIT), skip=20, previous=first.skus)
    assert (repeat.items, repeat.next_page) == ([], None)  # IGA repeats the last page
    assert repeat.skipped == {"repeated_page": 4}
    assert search(fixture_json(FRUIT), skip=20).next_page is None  # 20 + 20 >= total 34
    no_total = fixture_json(FRUIT)
    del no_total["total"]
    assert search(no_total, skip=20, previous=frozenset({"1"})).next_page == 40
    assert search({"items": []}, skip=40).next_page is None


@pytest.mark.parametrize(
    ("status", "payload", "ended"),
    [
        (404, None, True),
        (200, {"items": []}, True),
        (200, {"items": [{"sku": "1"}]}, False),
        (500, None, False),
    ],
)
def test_is_end_of_listing(status: int, payload: Any, ended: bool) -> None:
    assert iga.is_end_of_listing(status, payload) is ended


def test_junk_items() -> None:
    parsed = search({"items": [{"productId": 31218}, None], "total": 2})
    assert (parsed.items[0].sku, parsed.items[0].name, parsed.items[0].price) == (
        "31218",
        None,
        None,
    )
    assert parsed.skipped == {"not_an_object": 1}
    with pytest.raises(MalformedPayload):
        search({"items": {"a": 1}})


def test_search_request_is_stable_and_targets_the_shop() -> None:
    leaf = Category(
        "Beef_Pork_and_Lamb", "Beef_Pork_and_Lamb", ("Grocery", "Meat", "Beef, Pork And Lamb")
    )
    spec = iga.search_request("https://www.igashop.com.au", leaf, 36, shop_id="053188")
    again = iga.search_request("https://www.igashop.com.au", leaf, 36, shop_id="53188")
    assert spec.url == again.url
    assert spec.url.startswith(
        "https://www.igashop.com.au/api/storefront/stores/53188/categories/Beef_Pork_and_Lamb/search?take=36&skip=36&sessionId="
    )
    assert spec.cookies == {"iga-shop.retailerStoreId": "53188"}
    assert spec.headers["x-shopping-mode"] == "11111111-1111-1111-1111-111111111111"
    odd = iga.search_request("https://x", Category("A/B C", "A/B C", ()), 0, shop_id="1")
    assert "/categories/A%2FB%20C/search?" in odd.url


def test_store_locator_jsonp(fixture_text: Callable[[str], str]) -> None:
    stores = iga.parse_stores(fixture_text("iga/storelocator.jsonp"))
    assert [s.store_id for s in stores] == ["14573", "14796"]  # the broken attribute is left out
    greenslopes, cummins = stores
    assert (greenslopes.name, greenslopes.aux_id, greenslopes.has_online_shop) == (
        "Legends IGA Greenslopes",
        "53188",
        True,
    )
    assert (greenslopes.state, greenslopes.postcode, greenslopes.latitude) == (
        "QLD",
        "4120",
        -27.507777,
    )
    assert classify_store(greenslopes) == ("IGA", True, None)
    assert (cummins.aux_id, cummins.has_online_shop) == (None, False)
    assert classify_store(cummins) == ("IGA", False, NOT_CRAWLABLE_NO_SHOP)


@pytest.mark.parametrize("text", ['jQuery1710({"content": ', 'jQuery1710({"html": 1})', ""])
def test_store_locator_malformed(text: str) -> None:
    with pytest.raises(MalformedPayload):
        iga.parse_stores(text)
