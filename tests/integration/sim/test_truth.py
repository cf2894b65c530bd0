"""Ground truth equals what a full crawl of a store's listing endpoints is served."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from grocer.sim.server import SimulatorServer
from tests.integration.sim.sim_helpers import coles_session, fetch, next_data

IGA_HEADERS = {"x-shopping-mode": "11111111-1111-1111-1111-111111111111"}


def _money(value: Any) -> str | None:
    return None if value is None else str(Decimal(str(value)).quantize(Decimal("0.01")))


def _leaves(nodes: list[dict[str, Any]], children: str, key: str) -> list[str]:
    out: list[str] = []
    for node in nodes:
        kids = node.get(children) or []
        out.extend(_leaves(kids, children, key) if kids else [str(node[key])])
    return out


def _truth_rows(sim: SimulatorServer, company: str, store: str) -> dict[str, tuple]:
    truth = sim.truth(company, store)
    return {
        p["sku"]: (p["price"], p["was_price"], p["unit_price_text"], p["barcode"], p["available"])
        for p in truth["products"]
        if not p["marketplace"]
    }


def test_aldi_store_crawl_equals_truth(sim: SimulatorServer) -> None:
    tree = fetch(f"{sim.url}/aldi/v2/product-category-tree?servicePoint=G102").json()["data"]
    served: dict[str, tuple] = {}
    for key in _leaves(tree, "children", "key"):
        offset = 0
        while True:
            reply = fetch(
                f"{sim.url}/aldi/v3/product-search?categoryKey={key}&limit=30&offset={offset}"
                "&servicePoint=G102"
            )
            if reply.status == 400:
                break
            data = reply.json()["data"]
            if not data:
                break
            for item in data:
                price = item["price"]
                was = price["wasPriceDisplay"]
                served[item["sku"]] = (
                    _money(Decimal(price["amount"]) / 100),
                    _money(was.lstrip("$")) if was else None,
                    price["comparisonDisplay"],
                    None,
                    not item["notForSale"],
                )
            offset += 30
    assert served == _truth_rows(sim, "aldi", "G102")
    assert len(served) > 2000


def test_woolworths_store_crawl_equals_truth(sim: SimulatorServer) -> None:
    tree = fetch(f"{sim.url}/woolworths/apis/ui/PiesCategoriesWithSpecials").json()["Categories"]
    wanted = {p.leaf for p in sim.state.catalogue.products["woolworths"]}
    served: dict[str, tuple] = {}
    for leaf in _leaves(tree, "Children", "NodeId"):
        if leaf not in wanted:
            continue  # empty leaves answer an empty page; skip them to keep the test fast
        page = 1
        while True:
            body = {
                "categoryId": leaf,
                "pageNumber": page,
                "pageSize": 36,
                "storeId": "1147",
                "filters": [{"Key": "SoldBy", "Items": [{"Term": "Woolworths"}]}],
            }
            bundles = fetch(f"{sim.url}/woolworths/apis/ui/browse/category", data=body).json()[
                "Bundles"
            ]
            if not bundles:
                break
            for bundle in bundles:
                for tile in bundle["Products"]:
                    assert tile["FulfilmentStoreId"] == 1147
                    was = None if tile["WasPrice"] == tile["Price"] else _money(tile["WasPrice"])
                    served[str(tile["Stockcode"])] = (
                        _money(tile["Price"]),
                        was,
                        tile["CupString"],
                        tile["Barcode"],
                        tile["IsAvailable"],
                    )
            page += 1
    assert served == _truth_rows(sim, "woolworths", "1147")


def test_iga_store_crawl_equals_truth(sim: SimulatorServer) -> None:
    store = next(s for s in sim.state.stores.crawlable("iga") if s.store_id == "14850")
    headers = {**IGA_HEADERS, "Cookie": f"iga-shop.retailerStoreId={store.tag}"}
    base = f"{sim.url}/iga/api/storefront/stores/{store.tag}"
    tree = fetch(f"{base}/categoryHierarchy").json()
    served: dict[str, tuple] = {}
    for identifier in _leaves([tree], "children", "identifier"):
        skip, previous = 0, None
        while True:
            items = fetch(
                f"{base}/categories/{identifier}/search?take=36&skip={skip}", headers=headers
            ).json()["items"]
            skus = [i["sku"] for i in items]
            if not items or skus == previous:
                break
            for item in items:
                was = item.get("wasWholePrice")
                price = item["tprPrice"][0]["wholePrice"] if was else item["wholePrice"]
                served[item["sku"]] = (
                    _money(price),
                    _money(was),
                    item.get("pricePerUnit"),
                    item["barcode"],
                    item["available"],
                )
            previous, skip = skus, skip + 36
    assert served == _truth_rows(sim, "iga", "14850")


def test_coles_store_crawl_equals_truth(sim: SimulatorServer) -> None:
    cookie = coles_session(sim.url, "401")
    served: dict[str, tuple] = {}
    slugs = ("meat-seafood", "fruit-vegetables", "dairy-eggs-fridge", "bakery", "deli", "pantry",
             "dietary-world-foods", "chips-chocolates-snacks", "drinks", "frozen", "household",
             "health-beauty", "baby", "pet", "liquorland")  # fmt: skip
    for slug in slugs:
        page, pages = 1, 1
        while page <= pages:
            html = fetch(f"{sim.url}/coles/browse/{slug}?page={page}", headers={"Cookie": cookie})
            data = next_data(html.text)
            assert data is not None, "session expired mid-crawl"
            props = data["props"]["pageProps"]
            assert props["initStoreId"] == "0401"
            results = props["searchResults"]
            pages = -(-results["noOfResults"] // results["pageSize"])
            for tile in results["results"]:
                if tile["_type"] != "PRODUCT":
                    continue
                pricing = tile["pricing"]
                served[str(tile["id"])] = (
                    _money(pricing["now"]),
                    _money(pricing["was"]) if pricing["was"] else None,
                    pricing["comparable"] or None,
                    None,
                    tile["availability"],
                )
            page += 1
    assert served == _truth_rows(sim, "coles", "COL:401")
    requests = sim.requests()["endpoints"]
    assert requests["coles.browse"] >= len(slugs)
