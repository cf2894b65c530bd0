"""IGA endpoints: ``categoryHierarchy``, ``categories/{identifier}/search`` and the salefinder
store locator (JSONP).

Listings need the ``iga-shop.retailerStoreId`` cookie and the ``x-shopping-mode`` header; the
URL carries the retailer (online-shop) store id; ``take``/``skip`` page it and a ``skip``
past the end repeats the last page, as the real API does.
"""

from __future__ import annotations

import html
import json
import uuid
from datetime import date
from typing import Any
from urllib.parse import quote

from aiohttp import web

from grocer.sim.listing_faults import mistype
from grocer.sim.money import display, json_number
from grocer.sim.pricing import Listing, unit_text
from grocer.sim.state import SimState
from grocer.sim.store_registry import Store
from grocer.sim.webutil import (
    STORE_ID,
    TreeIndex,
    dumps,
    int_param,
    json_response,
    state_of,
)

IMAGE = "https://cdn.metcash.media/image/upload/w_1500,h_1500,c_pad,b_auto/igashop/images/%s.jpg"
SALEFINDER_RETAILER = "183"


def _tree(state: SimState) -> list[dict[str, Any]]:
    return [state.catalogue.templates["iga_categories"]]


def _index(state: SimState) -> TreeIndex:
    return state.catalogue.memo(
        "iga_tree", lambda: TreeIndex(_tree(state), "children", "identifier")
    )


def _paths(state: SimState) -> dict[str, list[dict[str, Any]]]:
    return _index(state).paths


def _category_entries(state: SimState, leaf: str) -> list[dict[str, Any]]:
    """``categories`` of a product in ``leaf``; built once per leaf and shared."""
    by_leaf: dict[str, list[dict[str, Any]]] = state.catalogue.memo("iga_leaf_entries", dict)
    cached = by_leaf.get(leaf)
    if cached is not None:
        return cached
    trail = _paths(state).get(leaf, [])[1:]  # below the "retailer-prod-v3" root
    entries = []
    for depth in range(len(trail)):
        names = [node["displayName"] for node in trail[: depth + 1]]
        node = trail[depth]
        entries.append(
            {
                "category": node["displayName"],
                "categoryBreadcrumb": "/".join(names),
                "categoryId": str(uuid.uuid5(uuid.NAMESPACE_URL, "iga:" + node["identifier"])),
                "retailerId": node["identifier"],
            }
        )
    by_leaf[leaf] = entries
    return entries


def item_json(state: SimState, listing: Listing) -> dict[str, Any]:
    """One ``items[]`` entry of the category search."""
    product = listing.product
    categories = _category_entries(state, product.leaf)
    image_url = IMAGE % product.sku if product.extra.get("img") else None
    on_special = listing.was is not None
    uos = product.extra.get("uos") or {
        "abbreviation": "",
        "label": "Each",
        "size": 1,
        "type": "each",
    }
    per_unit = unit_text(listing)
    item: dict[str, Any] = {
        "attributes": {},
        "available": listing.available,
        "barcode": product.gtin,
        "brand": product.brand,
        "categories": categories,
        "defaultCategory": categories[-1:],
        "description": product.extra.get("desc", ""),
        "image": {
            "cell": image_url,
            "default": image_url,
            "details": image_url,
            "template": image_url,
            "zoom": image_url,
        },
        "isFavorite": False,
        "isPastPurchased": False,
        "name": product.name,
        "price": display(listing.price),
        "priceLabel": "",
        "priceNumeric": json_number(listing.price),
        "pricePerUnit": per_unit,
        "priceSource": "special" if on_special else "regular",
        "productId": product.sku,
        "sellBy": product.extra.get("sell_by", "Each"),
        "shoppingRuleMessages": None,
        "sku": product.sku,
        "tprPrice": [{"wholePrice": json_number(listing.price)}] if on_special else [],
        "unitOfMeasure": _unit_of_measure(product.unit),
        "unitOfPrice": {"abbreviation": "", "label": "Each", "size": 1, "type": "each"},
        "unitOfSize": uos,
        "weightIncrement": None,
        "wholePrice": json_number(listing.was if on_special and listing.was else listing.price),
    }
    if per_unit is None:
        del item["pricePerUnit"]  # as captured: items without a unit price lack the key
    if on_special and listing.was is not None:
        item["wasWholePrice"] = json_number(listing.was)
    return item


def _unit_of_measure(unit: tuple[int, str, Any] | None) -> dict[str, Any]:
    labels = {
        "g": ("Gram", "gram"),
        "ml": ("Millilitre", "millilitre"),
        "kg": ("Kilogram", "kilogram"),
        "l": ("Litre", "litre"),
    }
    if unit is None or unit[1] not in labels:
        return {"abbreviation": "", "label": "Each", "size": 1, "type": "each"}
    label, kind = labels[unit[1]]
    return {"abbreviation": unit[1], "label": label, "size": unit[0], "type": kind}


def search_body(
    state: SimState, store: Store, day: date, identifier: str, take: int, skip: int
) -> tuple[int, bytes]:
    """(status, body) of one search page; past the end the last page repeats."""
    leaves = _index(state).subtree_leaves(identifier)
    if leaves is None:
        return 404, dumps({"message": f"Category '{identifier}' not found"})
    listings = state.category_listings(store, day, leaves)
    total = len(listings)
    if total and skip >= total:
        skip = ((total - 1) // take) * take
    page = listings[skip : skip + take]
    base = f"/api/stores/{store.tag}/categories/{quote(identifier)}/search"
    links = {
        "current": {"href": f"{base}?take={take}&skip={skip}", "method": "GET", "rel": "self"},
        "last": {
            "href": f"{base}?take={take}&skip={max(0, ((total - 1) // take) * take)}",
            "method": "GET",
            "rel": "self",
        },
    }
    payload = {
        "_links": {
            "self": {
                "href": f"https://storefrontgateway.igashop.com.au{base}",
                "method": "GET",
                "queryPart": None,
                "rel": "SearchProduct/SearchProductsByCategoryRoute",
            }
        },
        "citrusAd": {"memoryToken": None},
        "count": len(page),
        "facetHeaders": None,
        "facets": {"Additional Filters": [], "Brand": [], "Category": []},
        "items": [
            mistype(state.faults, store, lst.product.sku, item_json(state, lst)) for lst in page
        ],
        "pagination": {"_links": links},
        "sorting": {"_links": {}},
        "suggestions": None,
        "took": 12,
        "total": total,
    }
    return 200, dumps(payload)


def _check_session(request: web.Request, tag: str) -> web.Response | None:
    cookie = request.cookies.get("iga-shop.retailerStoreId")
    if not request.headers.get("x-shopping-mode"):
        return json_response(dumps({"message": "Missing x-shopping-mode header"}), status=400)
    if cookie is None or cookie.strip() != tag:
        return json_response(
            dumps({"message": "Cookie iga-shop.retailerStoreId does not match the store"}),
            status=400,
        )
    return None


def _store_for(request: web.Request) -> Store:
    state = state_of(request)
    store = state.stores.iga_by_tag(request.match_info["store"])
    if store is None or not store.crawlable:
        raise web.HTTPNotFound(
            text='{"message":"Store not found"}', content_type="application/json"
        )
    return store


async def category_hierarchy(request: web.Request) -> web.Response:
    """GET /iga/api/storefront/stores/{store}/categoryHierarchy."""
    state = state_of(request)
    _store_for(request)
    body = state.pages.get_or_render(
        ("iga", "tree"), lambda: dumps(state.catalogue.templates["iga_categories"])
    )
    return json_response(body)


async def search(request: web.Request) -> web.Response:
    """GET /iga/api/storefront/stores/{store}/categories/{identifier}/search."""
    state = state_of(request)
    store = _store_for(request)
    request[STORE_ID] = store.store_id
    refused = _check_session(request, store.tag or "")
    if refused is not None:
        return refused
    take = int_param(request.query.get("take"), 20, 1, 100)
    skip = int_param(request.query.get("skip"), 0, 0)
    identifier = request.match_info["identifier"]
    day = state.today()
    variant = state.faults.listing_variant("iga", store.store_id)
    key = ("iga", store.store_id, day, identifier, take, skip, variant)

    def render() -> bytes:
        status, body = search_body(state, store, day, identifier, take, skip)
        return body if status == 200 else b"!" + body

    body = state.pages.get_or_render(key, render)
    if body.startswith(b"!"):
        return json_response(body[1:], status=404)
    return json_response(body)


def store_data(store: Store, distance: float) -> dict[str, Any]:
    """The ``data-storedata`` object of one salefinder store."""
    return {
        "storeId": int(store.store_id) if store.store_id.isdigit() else store.store_id,
        "tag": store.tag or "",
        "storeName": store.name,
        "address": store.address,
        "suburb": store.suburb,
        "state": store.state,
        "postcode": store.postcode,
        "latitude": f"{store.lat:.6f}",
        "longitude": f"{store.lon:.6f}",
        "phone": None,
        "email": None,
        "hours": None,
        "onlineShopUrl": f"https://www.igashop.com.au/stores/{store.tag}" if store.tag else "",
        "distance": round(distance, 2),
    }


async def salefinder(request: web.Request) -> web.Response:
    """GET /iga/location/storelocator/183/?format=json&limit=..&locationId=..: JSONP.

    ``locationId`` n picks the n-th store's position (1-based, wrapping) as the search
    centre; the response wraps ``{"content": "<html with data-storedata attributes>"}``
    in the ``callback`` name (default ``callback``).
    """
    state = state_of(request)
    q = request.query
    stores = [s for s in state.stores.stores["iga"] if s.lat or s.lon]
    n = int_param(q.get("locationId"), 1, 1)
    limit = int_param(q.get("limit"), 1500, 1, 5000)
    centre = stores[(n - 1) % len(stores)]
    parts = []
    for distance, store in state.stores.nearest("iga", centre.lat, centre.lon, limit):
        data = html.escape(json.dumps(store_data(store, distance)), quote=True)
        parts.append(
            f'<div class="sf-storeitem" data-storedata="{data}">'
            f"<span>{html.escape(store.name)}</span></div>"
        )
    content = '<div class="sf-storelist">' + "".join(parts) + "</div>"
    callback = q.get("callback") or "callback"
    body = f"{callback}({json.dumps({'content': content, 'count': len(parts)})})"
    response = web.Response(text=body, content_type="application/javascript")
    return response


def routes() -> list[web.RouteDef]:
    """The IGA routes (under the ``/iga`` prefix)."""
    base = "/iga/api/storefront/stores/{store}"
    return [
        web.get(f"{base}/categoryHierarchy", category_hierarchy, name="iga.categories"),
        web.get(f"{base}/categories/{{identifier}}/search", search, name="iga.search"),
        web.get(
            f"/iga/location/storelocator/{SALEFINDER_RETAILER}/", salefinder, name="iga.stores"
        ),
    ]
