"""The simulator's payloads have the key sets of the corpus captures (or RETAILERS.md refs)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from grocer.sim.server import SimulatorServer
from tests.integration.sim.sim_helpers import (
    LD_JSON,
    coles_session,
    fetch,
    fixture,
    key_paths,
    next_data,
)

ROOT = Path(__file__).resolve().parents[3]
IGA_HEADERS = {
    "x-shopping-mode": "11111111-1111-1111-1111-111111111111",
    "Cookie": "iga-shop.retailerStoreId=14711",
}


def _collapse(paths: set[str]) -> set[str]:
    """Tree payloads nest the same node shape at every depth: fold the repetition."""
    return {re.sub(r"((?:Children|children|childItems)\[\]\.)+", r"\1", p) for p in paths}


def assert_same_keys(served: object, captured: object, allowed_extra: set[str] = frozenset()):
    """Every captured key path is served; served extras must be explicitly allowed."""
    served_paths, captured_paths = _collapse(key_paths(served)), _collapse(key_paths(captured))
    assert captured_paths - served_paths == set()
    assert served_paths - captured_paths - set(allowed_extra) == set()


@pytest.fixture(scope="module")
def coles_cookie(sim: SimulatorServer) -> str:
    return coles_session(sim.url)


def test_coles_browse_page(sim: SimulatorServer, coles_cookie: str) -> None:
    page = fetch(
        f"{sim.url}/coles/browse/fruit-vegetables?page=1", headers={"Cookie": coles_cookie}
    )
    data = next_data(page.text)
    assert data is not None
    ref = fixture("ref_coles_browse_envelope.json")
    props = data["props"]["pageProps"]
    envelope = {
        "props": {
            "pageProps": {**props, "searchResults": {**props["searchResults"], "results": []}}
        }
    }
    assert_same_keys(envelope, ref)
    results = data["props"]["pageProps"]["searchResults"]["results"]
    captured_product, captured_ad = fixture("coles_search_tiles.json")
    products = [t for t in results if t["_type"] == "PRODUCT"]
    ads = [t for t in results if t["_type"] == "SINGLE_TILE"]
    assert len(products) == 48 and len(ads) == 5
    special_keys = {"pricing.saveAmount", "pricing.saveStatement", "pricing.promotionType"}
    captured_offer = json.loads((ROOT / "tests/fixtures/coles/multibuy_tiles.json").read_text())[0]
    offers = 0
    for tile in products:
        pricing = tile["pricing"]
        if "multiBuyPromotion" in pricing:  # a multi-buy tile: the captured multi-buy's pricing
            assert_same_keys(pricing, captured_offer["pricing"], {"saveAmount", "saveStatement"})
            offered = {k: v for k, v in pricing.items() if k not in captured_offer["pricing"]}
            tile = {**tile, "pricing": {**offered, **{k: pricing[k] for k in ("now", "was",
                    "unit", "comparable", "onlineSpecial")}}}  # fmt: skip
            offers += 1
        assert_same_keys(tile, captured_product, special_keys)
        assert "gtin" not in tile and "barcode" not in tile
    assert 0 < offers < len(products) / 4, offers
    for ad in ads:  # some captured ads also carry Adobe Target fields
        assert_same_keys(ad, captured_ad, {"mbox", "displayLoader"})


def test_coles_product_page(sim: SimulatorServer, coles_cookie: str) -> None:
    product = next(p for p in sim.state.catalogue.products["coles"] if p.gtin)
    page = fetch(f"{sim.url}/coles/product/x-{product.sku}", headers={"Cookie": coles_cookie})
    data = next_data(page.text)
    assert data is not None
    captured = fixture("coles_product_next_data.json")["pageProps"]
    props = dict(data["props"]["pageProps"])
    assert props.pop("initialState")
    served_product = dict(props["product"], images=captured["product"]["images"])
    assert_same_keys(dict(props, product=served_product), captured)
    blocks = [json.loads(b) for b in LD_JSON.findall(page.text)]
    ld = next(b for b in blocks if b.get("@type") == "Product")
    ref = fixture("ref_coles_product_ldjson.json")
    assert ref["@type"] == ld["@type"]
    gtin_keys = {"gtin", "gtin13", "gtin14"} & set(ld)
    assert len(gtin_keys) <= 1
    assert data["props"]["pageProps"]["product"]["gtin"] == product.gtin


def test_coles_graphql(sim: SimulatorServer, coles_cookie: str) -> None:
    menu = fetch(
        f"{sim.url}/coles/api/graphql",
        data={"operationName": "menuItems", "variables": {}},
        headers={"Cookie": coles_cookie},
    ).json()
    assert_same_keys(menu, fixture("coles_menu_items.json"))
    stores = fetch(
        f"{sim.url}/coles/api/graphql",
        data={
            "operationName": "GetStores",
            "variables": {"brandIds": ["COL", "LQR", "VIN"], "latitude": -34.9, "longitude": 138.6},
        },
        headers={"Cookie": coles_cookie},
    ).json()
    assert_same_keys(stores, fixture("coles_stores_graphql.json"))
    brands = {r["store"]["brand"]["id"] for r in stores["data"]["stores"]["results"]}
    assert {"COL", "LQR"} <= brands  # liquor stores are listed, to be recognised as such


def test_woolworths(sim: SimulatorServer) -> None:
    tree = fetch(f"{sim.url}/woolworths/apis/ui/PiesCategoriesWithSpecials").json()
    assert_same_keys(tree, fixture("woolworths_categories.json"))
    leaf = sim.state.catalogue.products["woolworths"][0].leaf
    body = {
        "categoryId": leaf,
        "pageNumber": 1,
        "pageSize": 36,
        "storeId": "1147",
        "filters": [{"Key": "SoldBy", "Items": [{"Term": "Woolworths"}]}],
    }
    page = fetch(f"{sim.url}/woolworths/apis/ui/browse/category", data=body).json()
    ref = fixture("ref_woolworths_browse.json")
    assert_same_keys({**page, "Bundles": [{"Products": []}]}, ref)
    captured = fixture("woolworths_tile.json")
    tiles = [p for b in page["Bundles"] for p in b["Products"]]
    assert tiles
    for tile in tiles:
        assert set(tile) == set(captured)
        assert set(tile["AdditionalAttributes"]) == set(captured["AdditionalAttributes"])
        assert tile["FulfilmentStoreId"] == 1147
    stores = fetch(
        f"{sim.url}/woolworths/apis/ui/StoreLocator/Stores?Max=30&Division=SUPERMARKETS,EG,AMPOL"
        "&Facility=&latitude=-33.865143&longitude=151.2099"
    ).json()
    served = {"Stores": stores["Stores"][:1]}
    assert_same_keys(served, fixture("woolworths_stores.json"))
    assert {s["Division"] for s in stores["Stores"]} >= {"SUPERMARKETS", "AMPOL"}


def test_aldi(sim: SimulatorServer) -> None:
    tree = fetch(f"{sim.url}/aldi/v2/product-category-tree?serviceType=walk-in&servicePoint=G102")
    assert_same_keys(tree.json(), fixture("aldi_categories.json"))
    page = fetch(
        f"{sim.url}/aldi/v3/product-search?currency=AUD&serviceType=walk-in&categoryKey=950000000"
        "&limit=30&offset=0&sort=relevance&testVariant=A&servicePoint=G102"
    ).json()
    extras = {
        "meta",
        "meta.pagination",
        "meta.pagination.offset",
        "meta.pagination.limit",
        "meta.pagination.totalCount",
        "data[].assets[].maxWidth",
        "data[].assets[].mimeType",
    }
    assert_same_keys({**page, "data": page["data"][:5]}, fixture("ref_aldi_search.json"), extras)
    item = page["data"][0]
    assert isinstance(item["price"]["amount"], int) and len(item["sku"]) == 18
    points = fetch(
        f"{sim.url}/aldi/v2/service-points?latitude=-33.86&longitude=151.2&serviceType=walk-in"
        "&includeNearbyServicePoints=true"
    ).json()
    assert_same_keys({"data": points["data"][:3]}, fixture("aldi_service_points.json"))


def test_iga(sim: SimulatorServer) -> None:
    tree = fetch(f"{sim.url}/iga/api/storefront/stores/14711/categoryHierarchy").json()
    assert_same_keys(tree, fixture("iga_categories.json"))
    page = fetch(
        f"{sim.url}/iga/api/storefront/stores/14711/categories/Pantry/search?take=36&skip=0",
        headers=IGA_HEADERS,
    ).json()
    captured = fixture("iga_search.json")
    assert set(page) == set(captured)
    item_ref = captured["items"][0]
    special = {"wasWholePrice", "tprPrice[].wholePrice"}
    for item in page["items"]:
        if "pricePerUnit" in item:
            assert_same_keys(item, item_ref, special)


def test_iga_salefinder_jsonp(sim: SimulatorServer) -> None:
    reply = fetch(
        f"{sim.url}/iga/location/storelocator/183/?format=json&saleGroup=0&limit=50&locationId=7"
    )
    text = reply.text
    payload = json.loads(text[text.index("(") + 1 : text.rindex(")")])
    stores = [
        json.loads(html.unescape(m))
        for m in re.findall(r'data-storedata="([^"]*)"', payload["content"])
    ]
    assert len(stores) == 50
    assert {"storeId", "tag", "storeName", "state", "postcode", "latitude", "longitude"} <= set(
        stores[0]
    )
    assert any(not s["tag"] for s in sim_all_iga(sim))


def sim_all_iga(sim: SimulatorServer) -> list[dict[str, str]]:
    """Every IGA store as the salefinder locator would describe its online-shop id."""
    return [{"tag": s.tag or ""} for s in sim.state.stores.stores["iga"]]
