"""Aldi endpoints: ``/v2/product-category-tree``, ``/v3/product-search``, ``/v2/service-points``.

Prices are cents; the search pages with ``limit``/``offset`` and answers HTTP 400 past the
last page; store targeting is the ``servicePoint`` query parameter.  Listing faults
(``thin``, ``wrong_type``: :mod:`grocer.sim.faults`) shape the search pages.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web

from grocer.sim.listing_faults import mistype
from grocer.sim.money import display
from grocer.sim.pricing import Listing, unit_text
from grocer.sim.state import SimState
from grocer.sim.store_registry import Store
from grocer.sim.webutil import (
    STATE_NAMES,
    STORE_ID,
    TreeIndex,
    dumps,
    int_param,
    json_response,
    state_of,
)

IMAGE = "https://dm.apac.cms.aldi.cx/is/image/aldiprodapac/product/jpg/scaleWidth/{width}/%s/{slug}"
PAGE_LIMIT = 30


def _tree(state: SimState) -> list[dict[str, Any]]:
    return state.catalogue.templates["aldi_categories"]["data"]


def _index(state: SimState) -> TreeIndex:
    return state.catalogue.memo("aldi_tree", lambda: TreeIndex(_tree(state), "children", "key"))


def _paths(state: SimState) -> dict[str, list[dict[str, Any]]]:
    return _index(state).paths


def _leaf_categories(state: SimState, leaf: str) -> list[dict[str, Any]]:
    """``categories`` of a product in ``leaf`` (root first); built once per leaf, shared."""
    by_leaf: dict[str, list[dict[str, Any]]] = state.catalogue.memo("aldi_leaf_categories", dict)
    found = by_leaf.get(leaf)
    if found is None:
        found = [
            {"id": node["key"], "name": node["name"], "urlSlugText": node["urlSlugText"]}
            for node in _paths(state).get(leaf, [])
        ]
        by_leaf[leaf] = found
    return found


def product_json(state: SimState, listing: Listing) -> dict[str, Any]:
    """One ``data[]`` item of ``/v3/product-search``."""
    product = listing.product
    image = product.extra.get("img")
    was = listing.was
    return {
        "sku": product.sku,
        "name": product.name,
        "brandName": product.brand,
        "urlSlugText": product.extra.get("slug") or product.sku,
        "ageRestriction": None,
        "alcohol": None,
        "discontinued": False,
        "notForSale": True,
        "quantityMin": 1,
        "quantityMax": 99,
        "quantityUnit": "ea",
        "weightType": "0",
        "sellingSize": product.size or None,
        "price": {
            "amount": listing.price,
            "amountRelevantDisplay": display(listing.price),
            "bottleDeposit": 0,
            "comparison": listing.unit_cents,
            "comparisonDisplay": unit_text(listing),
            "perUnit": None,
            "perUnitDisplay": None,
            "wasPriceDisplay": display(was) if was is not None else None,
        },
        "categories": _leaf_categories(state, product.leaf),
        "assets": [{"url": IMAGE % image, "maxWidth": 1500, "mimeType": "image/*"}]
        if image
        else [],
        "badges": [],
    }


def search_body(
    state: SimState, store: Store, day: date, category: str, limit: int, offset: int
) -> tuple[int, bytes]:
    """(status, body) of one product-search page; 400 past the last page."""
    leaves = _index(state).subtree_leaves(category)
    if leaves is None:
        return 400, dumps({"errors": [{"code": "INVALID_CATEGORY", "detail": category}]})
    listings = state.category_listings(store, day, leaves)
    total = len(listings)
    if offset >= total and offset > 0:
        return 400, dumps(
            {"errors": [{"code": "OFFSET_OUT_OF_RANGE", "detail": f"offset {offset} > {total}"}]}
        )
    page = listings[offset : offset + limit]
    payload = {
        "meta": {"pagination": {"offset": offset, "limit": limit, "totalCount": total}},
        "data": [
            mistype(state.faults, store, lst.product.sku, product_json(state, lst)) for lst in page
        ],
    }
    return 200, dumps(payload)


async def category_tree(request: web.Request) -> web.Response:
    """GET /aldi/v2/product-category-tree."""
    state = state_of(request)
    body = state.pages.get_or_render(
        ("aldi", "tree"), lambda: dumps(state.catalogue.templates["aldi_categories"])
    )
    return json_response(body)


async def product_search(request: web.Request) -> web.Response:
    """GET /aldi/v3/product-search."""
    state = state_of(request)
    q = request.query
    store = state.stores.get("aldi", q.get("servicePoint"))
    if store is None or not store.crawlable:
        return json_response(
            dumps({"errors": [{"code": "INVALID_SERVICE_POINT", "detail": q.get("servicePoint")}]}),
            status=400,
        )
    request[STORE_ID] = store.store_id
    limit = int_param(q.get("limit"), PAGE_LIMIT, 1, 60)
    offset = int_param(q.get("offset"), 0, 0)
    category = q.get("categoryKey", "")
    day = state.today()
    variant = state.faults.listing_variant("aldi", store.store_id)
    key = ("aldi", store.store_id, day, category, limit, offset, variant)

    def render() -> bytes:
        status, body = search_body(state, store, day, category, limit, offset)
        return body if status == 200 else b"!" + body

    body = state.pages.get_or_render(key, render)
    if body.startswith(b"!"):
        return json_response(body[1:], status=400)
    return json_response(body)


async def service_points(request: web.Request) -> web.Response:
    """GET /aldi/v2/service-points?latitude=..&longitude=..: the nearest stores."""
    state = state_of(request)
    q = request.query
    try:
        lat, lon = float(q.get("latitude", "")), float(q.get("longitude", ""))
    except ValueError as exc:
        raise web.HTTPBadRequest(text="latitude and longitude are required") from exc
    template = state.catalogue.templates["aldi_service_point"]
    data = []
    for distance, store in state.stores.nearest("aldi", lat, lon, 20):
        if distance > 250:
            break
        data.append(
            {
                "name": store.name,
                "alcoholAvailability": list(store.alcohol),
                "publicPhoneNumber": store.phone,
                "facilities": [],
                "address": {
                    "countryName": "Australia",
                    "countryIsoCode": "AU",
                    "regionName": STATE_NAMES.get(store.state, store.state),
                    "regionIsoCode": store.state,
                    "address1": store.address or None,
                    "address2": None,
                    "address3": None,
                    "city": store.suburb or None,
                    "zipCode": store.postcode or None,
                    "district": store.suburb or None,
                    "latitude": f"{store.lat:.14f}",
                    "longitude": f"{store.lon:.14f}",
                },
                "id": store.store_id,
                "availableCustomerServiceTypes": ["pickup", "walk-in"],
                "distance": f"{distance:.1f} km",
                "geofencing": template["geofencing"],
                "isOpenNow": False,
            }
        )
    return json_response(dumps({"data": data}))


def routes() -> list[web.RouteDef]:
    """The Aldi routes (under the ``/aldi`` prefix)."""
    return [
        web.get("/aldi/v2/product-category-tree", category_tree, name="aldi.categories"),
        web.get("/aldi/v3/product-search", product_search, name="aldi.search"),
        web.get("/aldi/v2/service-points", service_points, name="aldi.stores"),
    ]
