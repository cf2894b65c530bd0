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

from grocer.sim.listing_faults import mistype
from grocer.sim.money import json_number
from grocer.sim.multibuy import woolworths_centre_tag
from grocer.sim.pricing import Listing, unit_text
from grocer.sim.state import SimState
from grocer.sim.store_registry import Store
from grocer.sim.webutil import (
    STORE_ID,
    WRONG_STORE,
    TreeIndex,
    dumps,
    int_param,
    json_response,
    state_of,
)

DEFAULT_PAGE_SIZE = 36
MAX_PAGE_SIZE = 48
CUP_UNITS = {"g": "G", "kg": "KG", "ml": "ML", "l": "L", "ea": "EA", "sheets": "EA", "m": "M"}


def _tree(state: SimState) -> list[dict[str, Any]]:
    return state.catalogue.templates["woolworths_categories"]["Categories"]


def _index(state: SimState) -> TreeIndex:
    return state.catalogue.memo(
        "woolworths_tree", lambda: TreeIndex(_tree(state), "Children", "NodeId")
    )


def _paths(state: SimState) -> dict[str, list[dict[str, Any]]]:
    return _index(state).paths


_SLUG = re.compile(r"[^a-z0-9]+")


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")


def _base_tile(state: SimState) -> dict[str, Any]:
    """The captured tile with every field that is the same on all tiles already set."""

    def build() -> dict[str, Any]:
        template = state.catalogue.templates["woolworths_tile"]
        out = dict(template)
        out.update(
            {
                "TileID": 0,
                "Unit": "Each",
                "Source": "ProductBrowse",
                "SupplyLimit": 36,
                "ProductLimit": 36,
                "MaxSupplyLimitMessage": "36 item(s) left",
                "CentreTag": _empty_tag(template["CentreTag"]),
                "IsCentreTag": False,
                "ImageTag": _empty_tag(template["ImageTag"]),
                "Tags": [],
            }
        )
        return out

    return state.catalogue.memo("woolworths_base_tile", build)


def _leaf_attributes(state: SimState, leaf: str) -> dict[str, Any]:
    """``AdditionalAttributes`` of the template with the fields that follow from the leaf
    category (department and category names) set; built once per leaf."""
    by_leaf: dict[str, dict[str, Any]] = state.catalogue.memo("woolworths_leaf_attrs", dict)
    attrs = by_leaf.get(leaf)
    if attrs is not None:
        return attrs
    trail = _paths(state).get(leaf, [])
    department = [trail[0]["Description"]] if trail else []
    categories = [n["Description"] for n in trail[1:]]
    attrs = dict(state.catalogue.templates["woolworths_tile"]["AdditionalAttributes"])
    attrs.update(
        {
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
    by_leaf[leaf] = attrs
    return attrs


def _next_day(day: date) -> str:
    return f"{(day + timedelta(days=1)).isoformat()}T00:00:00.0000000Z"


def tile(state: SimState, listing: Listing, store_no: int, day: date) -> dict[str, Any]:
    """One product tile (the ~115-field object of ``Bundles[].Products[]``).

    Built on a shared base tile and per-leaf attributes: nested values are shared between
    tiles and never mutated.
    """
    product = listing.product
    out = dict(_base_tile(state))
    stockcode = int(product.sku)
    listing_price = listing.price
    listing_was = listing.was
    price = json_number(listing_price)
    on_special = listing_was is not None
    was = json_number(listing_was) if listing_was is not None else price
    saving = json_number(listing_was - listing_price) if listing_was is not None else 0
    cup_cents = listing.unit_cents
    cup = json_number(cup_cents) if cup_cents is not None else None
    unit = product.unit
    measure = f"{unit[0]}{CUP_UNITS.get(unit[1], unit[1].upper())}" if unit else None
    cup_text = unit_text(listing)
    size = product.size or "each"
    name = product.name
    images = f"https://cdn1.woolworths.media/content/wowproductimages/%s/{stockcode}.jpg"
    large = images % "large"
    market = bool(product.extra.get("marketplace"))
    available = listing.available
    name_size = f"{name} {size}"
    out.update(
        {
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
            "DisplayName": name_size,
            "UrlFriendlyName": _slug(name),
            "Description": f" {name}<br> {size}",
            "SmallImageFile": images % "small",
            "MediumImageFile": images % "medium",
            "LargeImageFile": large,
            "IsHalfPrice": listing_was is not None and listing_price * 2 <= listing_was,
            "IsOnSpecial": on_special,
            "InstoreIsOnSpecial": on_special,
            "SavingsAmount": saving,
            "InstoreSavingsAmount": saving,
            "WasPrice": was,
            "InstoreWasPrice": was,
            "IsInStock": available,
            "PackageSize": size,
            "SupplyLimitMessage": f"'{name}' has a supply limit of 36.",
            "SmallFormatDescription": f"{name} ",
            "FullDescription": f"{name} ",
            "IsAvailable": available,
            "InstoreIsAvailable": available,
            "IsPurchasable": available,
            "InstoreIsPurchasable": available,
            "RichDescription": name_size,
            "Brand": product.brand or None,
            "DetailsImagePaths": [large],
            "IsMarketProduct": market,
            "Vendor": {"VendorName": "Marketplace Seller"} if market else None,
            "NextAvailabilityDate": _next_day(day),
            "FulfilmentStoreId": store_no,
        }
    )
    centre_tag = woolworths_centre_tag(listing, out["CentreTag"])
    if centre_tag is not None:
        out["CentreTag"], out["IsCentreTag"] = centre_tag, True
    attrs = dict(_leaf_attributes(state, product.leaf))
    attrs["brand"] = (product.brand or "").lower() or None
    attrs["description"] = name_size
    attrs["productimages"] = f"{stockcode}.jpg"
    attrs["productimagecount"] = "1"
    out["AdditionalAttributes"] = attrs
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
    leaves = _index(state).subtree_leaves(category) or ()
    listings = state.category_listings(store, day, leaves, exclude_marketplace=sold_by_woolworths)
    start = (page - 1) * size
    chunk = listings[start : start + size]
    bundles = [
        {
            "Products": [
                mistype(state.faults, store, lst.product.sku, tile(state, lst, fulfilment_id, day))
            ]
        }
        for lst in chunk
    ]
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
    variant = state.faults.listing_variant("woolworths", served.store_id)
    key = ("woolworths", served.store_id, day, category, page, size, sold_by, variant)
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
