"""Woolworths endpoints: ``PiesCategoriesWithSpecials``, POST ``/apis/ui/browse/category``,
``/apis/ui/StoreLocator/Stores``.

The browse body's ``storeId`` selects the store (unknown stores fall back to a default store,
whose id then shows in every tile's ``FulfilmentStoreId``), ``pageNumber``/``pageSize`` page
it, and a ``SoldBy`` filter hides marketplace products; past the end ``Bundles`` is empty.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from aiohttp import web

from grocer.sim.money import json_number
from grocer.sim.pricing import Listing, unit_text
from grocer.sim.state import SimState
from grocer.sim.stores import Store
from grocer.sim.webutil import (
    STORE_ID,
    WRONG_STORE,
    dumps,
    int_param,
    json_response,
    state_of,
    subtree_leaves,
    tree_paths,
)

DEFAULT_PAGE_SIZE = 36
MAX_PAGE_SIZE = 48
CUP_UNITS = {"g": "G", "kg": "KG", "ml": "ML", "l": "L", "ea": "EA", "sheets": "EA", "m": "M"}


def _tree(state: SimState) -> list[dict[str, Any]]:
    return state.catalogue.templates["woolworths_categories"]["Categories"]


def _paths(state: SimState) -> dict[str, list[dict[str, Any]]]:
    cached = state.catalogue.templates.get("_woolworths_paths")
    if cached is None:
        cached = tree_paths(_tree(state), "Children", "NodeId")
        state.catalogue.templates["_woolworths_paths"] = cached
    return cached


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def tile(state: SimState, listing: Listing, store_no: int, day: date) -> dict[str, Any]:
    """One product tile (the ~115-field object of ``Bundles[].Products[]``)."""
    product = listing.product
    template = state.catalogue.templates["woolworths_tile"]
    out = dict(template)  # shallow: nested values are either replaced below or never mutated
    stockcode = int(product.sku)
    price = json_number(listing.price)
    was = json_number(listing.was if listing.was is not None else listing.price)
    saving = json_number(listing.was - listing.price) if listing.was is not None else 0
    cup_cents = listing.unit_cents
    cup = json_number(cup_cents) if cup_cents is not None else None
    measure = (
        f"{product.unit[0]}{CUP_UNITS.get(product.unit[1], product.unit[1].upper())}"
        if product.unit
        else None
    )
    cup_text = unit_text(listing)
    size = product.size or "each"
    name = product.name
    trail = _paths(state).get(product.leaf, [])
    department = [trail[0]["Description"]] if trail else []
    categories = [n["Description"] for n in trail[1:]]
    images = f"https://cdn1.woolworths.media/content/wowproductimages/%s/{stockcode}.jpg"
    market = bool(product.extra.get("marketplace"))
    out.update(
        {
            "TileID": 0,
            "Stockcode": stockcode,
            "Barcode": product.gtin,
            "GtinFormat": len(product.gtin) if product.gtin else 0,
            "CupPrice": cup,
            "InstoreCupPrice": cup,
            "CupMeasure": measure,
            "CupString": cup_text,
            "InstoreCupString": cup_text,
            "HasCupPrice": cup is not None,
            "InstoreHasCupPrice": cup is not None,
            "Price": price,
            "InstorePrice": price,
            "Name": name,
            "DisplayName": f"{name} {size}",
            "UrlFriendlyName": _slug(name),
            "Description": f" {name}<br> {size}",
            "SmallImageFile": images % "small",
            "MediumImageFile": images % "medium",
            "LargeImageFile": images % "large",
            "IsHalfPrice": listing.was is not None and listing.price * 2 <= listing.was,
            "IsOnSpecial": listing.was is not None,
            "InstoreIsOnSpecial": listing.was is not None,
            "SavingsAmount": saving,
            "InstoreSavingsAmount": saving,
            "WasPrice": was,
            "InstoreWasPrice": was,
            "Unit": "Each",
            "Source": "ProductBrowse",
            "SupplyLimit": 36,
            "ProductLimit": 36,
            "MaxSupplyLimitMessage": "36 item(s) left",
            "IsInStock": listing.available,
            "PackageSize": size,
            "CentreTag": _empty_tag(out["CentreTag"]),
            "IsCentreTag": False,
            "ImageTag": _empty_tag(out["ImageTag"]),
            "SupplyLimitMessage": f"'{name}' has a supply limit of 36.",
            "SmallFormatDescription": f"{name} ",
            "FullDescription": f"{name} ",
            "IsAvailable": listing.available,
            "InstoreIsAvailable": listing.available,
            "IsPurchasable": listing.available,
            "InstoreIsPurchasable": listing.available,
            "RichDescription": f"{name} {size}",
            "Brand": product.brand or None,
            "DetailsImagePaths": [images % "large"],
            "IsMarketProduct": market,
            "Vendor": {"VendorName": "Marketplace Seller"} if market else None,
            "Tags": [],
            "NextAvailabilityDate": f"{(day + timedelta(days=1)).isoformat()}T00:00:00.0000000Z",
            "FulfilmentStoreId": store_no,
        }
    )
    attrs = dict(template["AdditionalAttributes"])
    out["AdditionalAttributes"] = attrs
    attrs.update(
        {
            "brand": (product.brand or "").lower() or None,
            "description": f"{name} {size}",
            "productimages": f"{stockcode}.jpg",
            "productimagecount": "1",
            "piesdepartmentnamesjson": json.dumps(department),
            "piescategorynamesjson": json.dumps(categories[:1]),
            "piessubcategorynamesjson": json.dumps(categories[1:]),
            "PiesProductDepartmentNodeId": trail[0]["NodeId"] if trail else None,
            "PiesProductDepartmentsjson": json.dumps(
                [{"Id": trail[0]["NodeId"], "Description": trail[0]["Description"]}]
            )
            if trail
            else "[]",
            "healthstarrating": None,
            "sapdepartmentname": department[0].upper() if department else None,
            "sapcategoryname": categories[0].upper() if categories else None,
            "sapsubcategoryname": categories[-1].upper() if categories else None,
            "sapsegmentname": categories[-1].upper() if categories else None,
            "storageinstructions": None,
        }
    )
    return out


def _empty_tag(template: dict[str, Any]) -> dict[str, Any]:
    return {
        key: (False if key == "IsRegisteredRewardCardPromotion" else None) for key in template
    } | {
        "TagType": "None",
        "PromotionType": "NOT_SET",
    }


def browse_body(
    state: SimState,
    store: Store,
    day: date,
    category: str,
    page: int,
    size: int,
    sold_by_woolworths: bool,
    fulfilment_id: int,
) -> bytes:
    """The JSON body of one browse page."""
    leaves = subtree_leaves(_tree(state), "Children", "NodeId", category)
    listings = state.category_listings(store, day, leaves or [])
    if sold_by_woolworths:
        listings = [lst for lst in listings if not lst.product.extra.get("marketplace")]
    start = (page - 1) * size
    chunk = listings[start : start + size]
    bundles = [{"Products": [tile(state, lst, fulfilment_id, day)]} for lst in chunk]
    return dumps({"Bundles": bundles, "TotalRecordCount": len(listings)})


def _sold_by_woolworths(filters: Any) -> bool:
    if not isinstance(filters, list):
        return False
    for item in filters:
        if isinstance(item, dict) and item.get("Key") == "SoldBy":
            terms = [t.get("Term") for t in item.get("Items") or [] if isinstance(t, dict)]
            if "Woolworths" in terms:
                return True
    return False


def default_store(state: SimState) -> Store:
    """The store a request without a valid ``storeId`` is served from."""
    return state.stores.crawlable("woolworths")[0]


async def browse(request: web.Request) -> web.Response:
    """POST /woolworths/apis/ui/browse/category."""
    state = state_of(request)
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise web.HTTPBadRequest(text="request body must be JSON") from exc
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="request body must be a JSON object")
    store = state.stores.get("woolworths", body.get("storeId"))
    if store is None or not store.crawlable:
        store = default_store(state)
    served = store
    if request.get(WRONG_STORE):
        served = _other_store(state, store)
    request[STORE_ID] = store.store_id
    page = int_param(str(body.get("pageNumber", 1)), 1, 1)
    size = int_param(
        str(body.get("pageSize", DEFAULT_PAGE_SIZE)), DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE
    )
    category = str(body.get("categoryId", ""))
    sold_by = _sold_by_woolworths(body.get("filters"))
    day = state.today()
    key = ("woolworths", served.store_id, day, category, page, size, sold_by)
    rendered = state.pages.get_or_render(
        key,
        lambda: browse_body(
            state, served, day, category, page, size, sold_by, int(served.store_id)
        ),
    )
    return json_response(rendered)


def _other_store(state: SimState, store: Store) -> Store:
    stores = state.stores.crawlable("woolworths")
    index = stores.index(store) if store in stores else 0
    return stores[(index + 1) % len(stores)]


async def categories(request: web.Request) -> web.Response:
    """GET /woolworths/apis/ui/PiesCategoriesWithSpecials."""
    state = state_of(request)
    body = state.pages.get_or_render(
        ("woolworths", "tree"),
        lambda: dumps(state.catalogue.templates["woolworths_categories"]),
    )
    return json_response(body)


def store_json(store: Store, distance: float) -> dict[str, Any]:
    """One ``Stores[]`` entry of the store locator."""
    return {
        "Division": store.banner,
        "StoreNo": store.store_id,
        "Name": store.name,
        "AddressLine1": store.address or None,
        "AddressLine2": None,
        "Suburb": store.suburb,
        "State": store.state,
        "Postcode": store.postcode,
        "Latitude": f"{store.lat:.6f}",
        "Longitude": f"{store.lon:.6f}",
        "GeoLevel": "0",
        "Distance": f"{Decimal(str(distance)).quantize(Decimal('0.01'))}",
        "Phone": store.phone,
        "GMTZone": "10:0",
        "IsOpen": False,
        "PartnerUrl": None,
        "TradingHours": [
            {
                "Day": day,
                "OpenHour": "7:00 AM - 10:00 PM",
                "TradingHourForDisplay": f"{day[:3]}: 0700-2200",
            }
            for day in ("Today", "Tomorrow", "Monday", "Tuesday", "Wednesday", "Thursday")
        ],
        "Facilities": [],
        "CategorisedFacilities": [],
        "NearbyPartners": None,
    }


async def store_locator(request: web.Request) -> web.Response:
    """GET /woolworths/apis/ui/StoreLocator/Stores."""
    state = state_of(request)
    q = request.query
    try:
        lat, lon = float(q.get("latitude", "")), float(q.get("longitude", ""))
    except ValueError as exc:
        raise web.HTTPBadRequest(text="latitude and longitude are required") from exc
    limit = int_param(q.get("Max"), 30, 1, 10_000)
    divisions = {d.strip().upper() for d in (q.get("Division") or "").split(",") if d.strip()}
    found = state.stores.nearest("woolworths", lat, lon, limit, divisions or None)
    return json_response(dumps({"Stores": [store_json(s, d) for d, s in found]}))


def routes() -> list[web.RouteDef]:
    """The Woolworths routes (under the ``/woolworths`` prefix)."""
    return [
        web.get(
            "/woolworths/apis/ui/PiesCategoriesWithSpecials",
            categories,
            name="woolworths.categories",
        ),
        web.post("/woolworths/apis/ui/browse/category", browse, name="woolworths.browse"),
        web.get("/woolworths/apis/ui/StoreLocator/Stores", store_locator, name="woolworths.stores"),
    ]
