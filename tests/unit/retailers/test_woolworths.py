"""Tests for grocer.retailers.woolworths on real Woolworths payloads."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from grocer.constants import NOT_CRAWLABLE_FUEL, PROMOTIONAL_ROOTS
from grocer.retailers import woolworths
from grocer.retailers.common import Category, ListingPage, MalformedPayload, StoreMismatch
from grocer.retailers.store_records import classify_store

BASE = "https://www.woolworths.com.au"
PATH = ["Poultry, Meat & Seafood", "Pork"]


def browse(payload: Any, page: int = 1, store_id: str = "4373") -> ListingPage:
    return woolworths.parse_browse(
        payload, store_id=store_id, page=page, base_url=BASE, category_path=PATH, page_key="k"
    )


def test_categories_are_leaves_with_tree_paths(fixture_json: Callable[[str], Any]) -> None:
    categories = woolworths.parse_categories(fixture_json("woolworths/categories.json"))
    assert categories == [
        Category("1-A90F8053", "organic-fruit", ("Fruit & Veg", "Fruit", "Organic Fruit")),
        Category("1_27C34C9", "apples-pears", ("Fruit & Veg", "Fruit", "Apples & Pears")),
        Category(
            "1_B02ADA6", "organic-vegetables", ("Fruit & Veg", "Vegetables", "Organic Vegetables")
        ),
        Category(
            "1_0663044",
            "prepacked-vegetables",
            ("Fruit & Veg", "Vegetables", "Prepacked Vegetables"),
        ),
    ]  # Specials, Lunch Box, Front of Store and the "_SPECIALS" children are skipped


def test_categories_corpus(capture: Callable[[str], Any]) -> None:
    categories = woolworths.parse_categories(capture("woolworths_categories_api.txt.gz"))
    assert len(categories) == 846
    roots = {c.path[0].lower() for c in categories}
    assert not roots & PROMOTIONAL_ROOTS
    assert not [
        c for c in categories if c.slug.endswith("-specials") or c.key.endswith("_SPECIALS")
    ]
    assert len({c.key for c in categories}) == len(categories)


def test_categories_without_list_is_malformed() -> None:
    with pytest.raises(MalformedPayload):
        woolworths.parse_categories({"Categories": None})


@pytest.mark.parametrize(
    ("sku", "field", "expected"),
    [
        ("680992", "name", "Woolworths Pork Sizzle Steak"),
        ("680992", "brand", "Woolworths"),
        ("680992", "barcode", "9339687039654"),
        ("680992", "size", "400g"),
        ("680992", "price", Decimal("8")),
        ("680992", "was_price", None),  # WasPrice == Price: no was price
        ("680992", "unit_price_value", Decimal("20")),
        ("680992", "unit_price_measure", "1KG"),
        ("680992", "unit_price_text", "$20.00 / 1KG"),
        ("680992", "promo_text", "2 for $15.00 - $18.75/1KG"),
        ("680992", "multibuy_qty", 2),  # CentreTag.MultibuyData
        ("680992", "multibuy_price", Decimal("15")),
        ("675671", "multibuy_qty", None),
        ("675671", "multibuy_price", None),
        ("680992", "is_available", True),
        ("680992", "url", f"{BASE}/shop/productdetails/680992/woolworths-pork-sizzle-steak"),
        ("680992", "category_path", PATH),  # the browsed leaf's path, never the pies* fields
        ("680992", "page", "k"),
        ("675671", "price", Decimal("12.6")),
        ("675671", "size", "250g - 600g"),
        ("675671", "promo_text", None),  # "Item price based on max weight" is not a promotion
    ],
)
def test_browse_product_fields(
    fixture_json: Callable[[str], Any], sku: str, field: str, expected: Any
) -> None:
    item = next(
        i for i in browse(fixture_json("woolworths/browse_page.json")).items if i.sku == sku
    )
    assert getattr(item, field) == expected
    assert (item.company, item.store_id) == ("woolworths", "4373")


def test_was_price_kept_when_on_special(fixture_json: Callable[[str], Any]) -> None:
    payload = fixture_json("woolworths/browse_page.json")
    tile = payload["Bundles"][0]["Products"][0]
    tile.update({"Price": 6, "WasPrice": 8, "IsOnSpecial": True, "CentreTag": None})
    item = browse(payload).items[0]
    assert (item.price, item.was_price, item.promo_text) == (Decimal("6"), Decimal("8"), "Special")


@pytest.mark.parametrize(
    ("name", "page", "total", "next_page"),
    [
        ("browse_page.json", 1, 74, 2),
        ("browse_page.json", 2, 74, 3),
        ("browse_page.json", 3, 74, None),  # 3 * 36 >= 74
        ("browse_page.json", 5, None, 6),  # no total: only an empty page ends
        ("browse_empty.json", 2, 74, None),
        ("browse_empty.json", 1, None, None),
    ],
)
def test_pagination(
    fixture_json: Callable[[str], Any],
    name: str,
    page: int,
    total: int | None,
    next_page: int | None,
) -> None:
    payload = fixture_json(f"woolworths/{name}")
    payload["TotalRecordCount"] = total
    assert browse(payload, page=page).next_page == next_page


def test_null_bundles_and_junk_products(fixture_json: Callable[[str], Any]) -> None:
    payload = fixture_json("woolworths/browse_page.json")
    payload["Bundles"] += [{"Products": None}, {"Products": [None, {"FulfilmentStoreId": 4373}]}]
    parsed = browse(payload)
    assert [i.sku for i in parsed.items] == ["680992", "675671", ""]
    assert (parsed.items[-1].name, parsed.items[-1].price, parsed.items[-1].url) == (
        None,
        None,
        None,
    )
    assert parsed.skipped == {"bundle_without_products": 1, "not_an_object": 1}


@pytest.mark.parametrize(
    ("store_id", "raises"), [("4373", False), ("04373", False), ("1147", True)]
)
def test_fulfilment_store_must_match(
    fixture_json: Callable[[str], Any], store_id: str, raises: bool
) -> None:
    payload = fixture_json("woolworths/browse_page.json")
    if raises:
        with pytest.raises(StoreMismatch):
            browse(payload, store_id=store_id)
    else:
        assert len(browse(payload, store_id=store_id).items) == 2


@pytest.mark.parametrize("payload", [["not", "an", "object"], {"Bundles": "x"}])
def test_malformed_browse(payload: Any) -> None:
    with pytest.raises(MalformedPayload):
        browse(payload)


def test_browse_request_body() -> None:
    leaf = Category("1_27C34C9", "apples-pears", ("Fruit & Veg", "Fruit", "Apples & Pears"))
    spec = woolworths.browse_request("http://127.0.0.1:8411/woolworths", leaf, 2, store_id="01147")
    assert (spec.method, spec.url) == (
        "POST",
        "http://127.0.0.1:8411/woolworths/apis/ui/browse/category",
    )
    body = spec.body
    assert body["storeId"] == "1147"
    assert (body["categoryId"], body["pageNumber"], body["pageSize"]) == ("1_27C34C9", 2, 36)
    assert body["filters"] == [{"Key": "SoldBy", "Items": [{"Term": "Woolworths"}]}]
    assert (
        body["location"]
        == "/shop/browse/apples-pears?pageNumber=2&sortBy=PriceAsc&filter=SoldBy(Woolworths)"
    )
    assert body["formatObject"] == '{"name":"apples-pears"}'


def test_store_locator_banners(fixture_json: Callable[[str], Any]) -> None:
    stores = {
        s.store_id: s for s in woolworths.parse_stores(fixture_json("woolworths/stores.json"))
    }
    metcentre = stores["1550"]
    assert (metcentre.name, metcentre.banner, metcentre.state, metcentre.postcode) == (
        "Sydney Metcentre (Metro)",
        "Woolworths",
        "NSW",
        "2000",
    )
    assert metcentre.latitude == -33.864935
    assert classify_store(metcentre) == ("Woolworths", True, None)
    for store_id, banner in [
        ("22447", "Ampol Foodary"),
        ("22440", "Ampol Foodary"),
        ("91834", "EG"),
    ]:
        assert classify_store(stores[store_id]) == (banner, False, NOT_CRAWLABLE_FUEL)


def test_fulfilment_store_list(fixture_json: Callable[[str], Any]) -> None:
    stores = woolworths.parse_stores(fixture_json("woolworths/fulfilment_stores.json"))
    first = stores[0]
    assert (first.store_id, first.name, first.postcode, first.has_online_shop) == (
        "5676",
        "Coolalinga",
        "0836",
        True,
    )
    assert [s.store_id for s in stores] == ["5676", "5901", "5680"]


def test_fulfilment_store_corpus(corpus_text: Callable[[str], str]) -> None:
    stores = {}
    for line in corpus_text(
        "store_locator_raw/woolworths_no_division_response2.jsonl.gz"
    ).splitlines():
        for store in woolworths.parse_stores(json.loads(line)):
            stores[store.store_id] = store
    assert len(stores) == 640  # the corpus README's 640 unique stores
    assert all(s.postcode and len(s.postcode) == 4 for s in stores.values())
