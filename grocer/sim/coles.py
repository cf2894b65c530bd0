"""Coles endpoints: home page (JavaScript challenge), ``/browse/{slug}?page=n`` and product
pages (HTML with ``__NEXT_DATA__``), ``/_next/data`` product JSON and ``/api/graphql``
(``menuItems``, ``GetStores``).

The ``fulfillmentStoreId`` cookie selects the store and ``initStoreId`` echoes it zero-padded
to four digits; an unknown store falls back to a default store.  Pages need a live session
(:mod:`grocer.sim.challenge`); without one the answer is a block page.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import date
from typing import Any

import orjson
from aiohttp import web

from grocer.sim.catalogue import Product
from grocer.sim.challenge import CHALLENGE_COOKIE, SESSION_COOKIE
from grocer.sim.money import json_number
from grocer.sim.pricing import Listing, unit_text
from grocer.sim.rng import mix
from grocer.sim.state import SimState
from grocer.sim.store_registry import Store
from grocer.sim.webutil import (
    STORE_ID,
    WRONG_STORE,
    dumps,
    html_response,
    int_param,
    json_response,
    state_of,
)

BUILD_ID = "20250826.3-3c1dab428c83f540de79419402ebe207ad4134e9"
PAGE_SIZE = 48
AD_POSITIONS = (1, 4, 7, 10, 13)
DEPARTMENTS = (
    "meat-seafood", "fruit-vegetables", "dairy-eggs-fridge", "bakery", "deli", "pantry",
    "dietary-world-foods", "chips-chocolates-snacks", "drinks", "frozen", "household",
    "health-beauty", "baby", "pet", "liquorland",
)  # fmt: skip
MEASURES = {"g": "g", "kg": "kg", "ml": "ml", "l": "l", "ea": "ea", "sheets": "ea", "m": "m"}


# ------------------------------------------------------------------------------ HTML shell


def next_html(title: str, next_data: dict[str, Any], head: str = "") -> bytes:
    """A Next.js page with ``next_data`` in ``<script id="__NEXT_DATA__">``."""
    data = orjson.dumps(next_data).decode("utf-8").replace("<", "\\u003c")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charSet="utf-8"/>'
        f"<title>{title} | Coles</title>{head}</head>"
        '<body><div id="__next"><main></main></div>'
        f'<script id="__NEXT_DATA__" type="application/json">{data}</script>'
        "</body></html>"
    ).encode()


def _next_data(page: str, query: dict[str, Any], page_props: dict[str, Any]) -> dict[str, Any]:
    return {
        "props": {"pageProps": page_props, "__N_SSP": True},
        "page": page,
        "query": query,
        "buildId": BUILD_ID,
        "assetPrefix": "/_next",
        "isFallback": False,
        "gssp": True,
        "locale": "en",
        "locales": ["en"],
        "defaultLocale": "en",
        "scriptLoader": [],
    }


def store_label(store: Store) -> str:
    """``initStoreId`` as the site shows it: the numeric id zero-padded to four digits."""
    return store.number.zfill(4)


# ------------------------------------------------------------------------------ tiles


def _pricing(listing: Listing) -> dict[str, Any]:
    product = listing.product
    unit_cents = listing.unit_cents
    measure = MEASURES.get(product.unit[1], "ea") if product.unit else "ea"
    pricing: dict[str, Any] = {
        "now": json_number(listing.price),
        "was": json_number(listing.was) if listing.was is not None else 0,
    }
    if listing.was is not None:
        save = listing.was - listing.price
        pricing["saveAmount"] = json_number(save)
        pricing["saveStatement"] = f"save ${save / 100:.2f}"
    pricing["unit"] = {
        "quantity": product.unit[0] if product.unit else 1,
        "ofMeasureQuantity": 1,
        "ofMeasureUnits": measure,
        "price": json_number(unit_cents) if unit_cents is not None else 0,
        "ofMeasureType": measure,
        "isWeighted": (product.size or "").lower().startswith("approx"),
        "isIncremental": False,
    }
    pricing["comparable"] = unit_text(listing) or ""
    if listing.promo:
        pricing["promotionType"] = listing.promo
    pricing["onlineSpecial"] = False
    return pricing


def _heirs(product: Product) -> list[dict[str, Any]]:
    path = (product.cat + ["", "", ""])[:3]
    ids = product.extra.get("cat_ids") or ["", "", ""]
    return [
        {
            "aisle": path[2],
            "category": path[1],
            "subCategory": path[0],
            "categoryId": ids[1],
            "aisleId": ids[2],
            "subCategoryId": ids[0],
        }
    ]


def _merchandise(product: Product) -> dict[str, Any]:
    path = (product.cat + ["", "", ""])[:3]
    return {
        "tradeProfitCentre": path[0].upper(),
        "categoryGroup": path[1].upper(),
        "category": path[2].upper(),
        "subCategory": path[2].upper(),
        "className": "STANDARD",
    }


def tile(state: SimState, listing: Listing) -> dict[str, Any]:
    """One ``PRODUCT`` tile of ``searchResults.results`` (no GTIN: listings carry none)."""
    product = listing.product
    out = dict(state.catalogue.templates["coles_product_tile"])  # nested values replaced below
    out.update(
        {
            "_type": "PRODUCT",
            "id": int(product.sku),
            "adId": None,
            "adSource": None,
            "featured": False,
            "name": product.name,
            "brand": product.brand,
            "description": product.extra.get("desc") or product.name.upper(),
            "size": product.size,
            "availability": listing.available,
            "availabilityType": "InStoreAndOnline",
            "imageUris": [{"altText": "", "type": "default", "uri": _image(product)}],
            "locations": [
                {
                    "aisleSide": "",
                    "description": "Aisle information is not available for this product.",
                    "facing": 0,
                    "aisle": "",
                    "order": 9999,
                    "shelf": None,
                }
            ],
            "merchandiseHeir": _merchandise(product),
            "onlineHeirs": _heirs(product),
            "pricing": _pricing(listing),
        }
    )
    return out


def _image(product: Product) -> str:
    return f"/{product.sku[0]}/{product.sku}.jpg"


def browse_props(
    state: SimState, served: Store, day: date, slug: str, sub: str | None, page: int
) -> dict[str, Any]:
    """``props.pageProps`` of one browse page."""
    listings = _department(state, served, day, slug, sub)
    start = (page - 1) * PAGE_SIZE
    chunk = listings[start : start + PAGE_SIZE]
    results: list[dict[str, Any]] = [tile(state, lst) for lst in chunk]
    ads = state.catalogue.templates["coles_single_tiles"]
    if results:
        for i, position in enumerate(AD_POSITIONS):
            if position <= len(results) and ads:
                ad = dict(ads[(page + i) % len(ads)])  # only adId differs; nested shared
                ad["adId"] = f"{ad['adId']}_{slug}_{page}_{i}"
                results.insert(position, ad)
    return {
        "initStoreId": store_label(served),
        "searchResults": {
            "noOfResults": len(listings),
            "pageSize": PAGE_SIZE,
            "results": results,
        },
    }


def _department(
    state: SimState, store: Store, day: date, slug: str, sub: str | None
) -> list[Listing]:
    listings = state.category_listings(store, day, [slug])
    if sub:
        node_ids = _seo_ids(state).get(sub, set())
        listings = [
            lst for lst in listings if node_ids & set(lst.product.extra.get("cat_ids") or [])
        ]
    return listings


def _seo_ids(state: SimState) -> dict[str, set[str]]:
    cached = state.catalogue.templates.get("_coles_seo")
    if cached is None:
        cached = {}

        def walk(node: dict[str, Any]) -> None:
            cached.setdefault(node["seoToken"], set()).add(node["id"])
            for child in node.get("childItems") or []:
                walk(child)

        for item in state.catalogue.templates["coles_menu"]["data"]["menuItems"]["items"]:
            walk(item)
        state.catalogue.templates["_coles_seo"] = cached
    return cached


# ------------------------------------------------------------------------------ product page


def gtin_placement(product: Product) -> str | None:
    """Where the product page shows its GTIN: ld+json ``gtin``/``gtin13``/``gtin14``, or only
    ``__NEXT_DATA__`` (``next``); None when the product has no GTIN."""
    if not product.gtin:
        return None
    draw = mix(product.seed, 31) % 100
    if draw < 75:
        return "gtin"
    if draw < 85:
        return "gtin13"
    if draw < 93:
        return "gtin14"
    return "next"


def product_props(state: SimState, store: Store, product: Product, day: date) -> dict[str, Any]:
    """``pageProps`` of a product page (HTML: under ``props``; ``_next/data``: top level)."""
    listing = state.listings(store, day).get(product.sku)
    if listing is None:
        regular = state.model.regular(product, store.zone, day)
        listing = Listing(product=product, price=regular, was=None, available=False)
    props = copy.deepcopy(state.catalogue.templates["coles_product_page"])
    for api in ("bffApi", "digitalGraphQLApi"):
        if isinstance(props["initialState"].get(api), dict):
            props["initialState"][api]["queries"] = {}
    props["initialState"]["trolley"]["storeId"] = store_label(store)
    props["initStoreId"] = store_label(store)
    page_product = props["product"]
    pricing = _pricing(listing)
    pricing.update(
        {
            "multiBuyPromotion": None,
            "priceDescription": (
                f"Was ${listing.was / 100:.2f} on {day.strftime('%b %Y')}" if listing.was else None
            ),
            "savePercent": 0,
            "specialType": None,
            "offerDescription": None,
        }
    )
    pricing.setdefault("saveAmount", None)
    pricing.setdefault("saveStatement", None)
    pricing.setdefault("promotionType", None)
    slug_brand = re.sub(r"[^a-z0-9]+", "-", product.brand.lower()).strip("-")
    page_product.update(
        {
            "id": int(product.sku),
            "name": product.name,
            "brand": product.brand,
            "description": product.extra.get("desc") or product.name.upper(),
            "size": product.size,
            "imageUris": [{"altText": "", "type": "default", "uri": _image(product)}],
            "merchandiseHeir": _merchandise(product),
            "onlineHeirs": _heirs(product),
            "lastUpdated": f"{day.isoformat()}T02:00:00Z",
            "additionalInfo": [{"title": "Size", "description": product.size or "each"}],
            "brandDetails": {
                "id": mix(product.seed, 3) % 10**10,
                "name": product.brand,
                "seoToken": slug_brand,
            },
            "longDescription": f"<p>{product.brand} {product.name}</p>",
            "pricing": pricing,
            "gtin": product.gtin,
            "images": [],
            "availability": listing.available,
        }
    )
    return props


def product_slug(product: Product) -> str:
    """The real site's slug: brand, name and size, then the id."""
    text = f"{product.brand} {product.name} {product.size}"
    return f"{re.sub(r'[^a-z0-9]+', '-', text.lower()).strip('-')}-{product.sku}"


def ld_json(product: Product, props: dict[str, Any]) -> str:
    """The ``application/ld+json`` Product block of a product page."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": f"{product.brand} {product.name} | {product.size}".strip(),
        "brand": {"@type": "Brand", "name": product.brand},
        "sku": product.sku,
        "image": f"https://productimages.coles.com.au/productimages{_image(product)}",
        "offers": {
            "@type": "Offer",
            "priceCurrency": "AUD",
            "price": props["product"]["pricing"]["now"],
            "availability": "https://schema.org/InStock"
            if props["product"]["availability"]
            else "https://schema.org/OutOfStock",
        },
    }
    placement = gtin_placement(product)
    if placement in ("gtin", "gtin13"):
        data[placement] = product.gtin
    elif placement == "gtin14" and product.gtin:
        data["gtin14"] = product.gtin.zfill(14)
    text = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")
    return f'<script type="application/ld+json">{text}</script>'


# ------------------------------------------------------------------------------ handlers


def _store(state: SimState, request: web.Request) -> Store:
    store = state.stores.coles_by_number(request.cookies.get("fulfillmentStoreId"))
    if store is None or not store.crawlable:
        store = state.stores.crawlable("coles")[0]
    return store


def _other_store(state: SimState, store: Store) -> Store:
    stores = state.stores.crawlable("coles")
    index = stores.index(store) if store in stores else 0
    return stores[(index + 1) % len(stores)]


def _block(state: SimState) -> web.Response:
    response = html_response(state.guard.block_page().encode())
    response.headers["x-cdn"] = "Imperva"
    return response


def _session_ok(state: SimState, request: web.Request) -> bool:
    return state.guard.spend(request.cookies.get(SESSION_COOKIE))


def _not_found() -> web.Response:
    body = next_html("Page not found", _next_data("/_error", {}, {"statusCode": 404}))
    return html_response(body, status=404)


async def home(request: web.Request) -> web.Response:
    """GET /coles/: a challenge page first, then (challenge solved) a session cookie."""
    state = state_of(request)
    guard = state.guard
    new_session = None
    if not guard.spend(request.cookies.get(SESSION_COOKIE)):
        if not guard.solved(request.cookies.get(CHALLENGE_COOKIE)):
            response = html_response(guard.challenge_page().encode())
            response.headers["x-cdn"] = "Imperva"
            return response
        new_session = guard.open_session()
        guard.spend(new_session)
    store = _store(state, request)
    props = {"initStoreId": store_label(store), "pageTitle": "Coles Supermarkets"}
    response = html_response(next_html("Coles Supermarkets", _next_data("/", {}, props)))
    response.headers["x-cdn"] = "Imperva"
    if new_session:
        response.set_cookie(SESSION_COOKIE, new_session, path="/", httponly=False)
    return response


async def browse(request: web.Request) -> web.Response:
    """GET /coles/browse/{slug}[/{sub}]?page=n."""
    state = state_of(request)
    if not _session_ok(state, request):
        return _block(state)
    store = _store(state, request)
    request[STORE_ID] = store.store_id
    slug = request.match_info["slug"]
    sub = request.match_info.get("sub") or None
    menu_ids = _seo_ids(state)
    if slug not in menu_ids:
        return _not_found()
    page = int_param(request.query.get("page"), 1, 1)
    served = _other_store(state, store) if request.get(WRONG_STORE) else store
    day = state.today()
    key = ("coles", served.store_id, day, slug, sub, page)

    def render() -> bytes:
        props = browse_props(state, served, day, slug, sub, page)
        query = {"slug": [slug, sub] if sub else [slug], "page": str(page)}
        return next_html(slug, _next_data("/browse/[...slug]", query, props))

    return html_response(state.pages.get_or_render(key, render))


def _product_for(state: SimState, slug: str) -> Product | None:
    match = re.search(r"(\d+)$", slug)
    return state.product("coles", match.group(1)) if match else None


async def product_page(request: web.Request) -> web.Response:
    """GET /coles/product/{slug}-{id}: ld+json and ``__NEXT_DATA__`` with the GTIN."""
    state = state_of(request)
    if not _session_ok(state, request):
        return _block(state)
    product = _product_for(state, request.match_info["slug"])
    if product is None:
        return _not_found()
    store = _store(state, request)
    request[STORE_ID] = store.store_id
    day = state.today()

    def render() -> bytes:
        props = product_props(state, store, product, day)
        assert product is not None
        data = _next_data("/product/[slug]", {"slug": product_slug(product)}, props)
        return next_html(product.name, data, head=ld_json(product, props))

    key = ("coles-product", store.store_id, day, product.sku)
    return html_response(state.pages.get_or_render(key, render))


async def next_product(request: web.Request) -> web.Response:
    """GET /coles/_next/data/{build}/en/product/{slug}.json: top-level ``pageProps``."""
    state = state_of(request)
    if not _session_ok(state, request):
        return _block(state)
    product = _product_for(state, request.match_info["slug"])
    if product is None:
        return json_response(dumps({"notFound": True}), status=404)
    store = _store(state, request)
    request[STORE_ID] = store.store_id
    props = product_props(state, store, product, state.today())
    return json_response(dumps({"pageProps": props, "__N_SSP": True}))


def menu_items(state: SimState, store: Store, day: date) -> dict[str, Any]:
    """The ``menuItems`` GraphQL answer with this store's product counts."""
    menu = copy.deepcopy(state.catalogue.templates["coles_menu"])
    counts: dict[str, int] = {}
    for listing in state.listings(store, day).values():
        for node_id in set(listing.product.extra.get("cat_ids") or []):
            counts[node_id] = counts.get(node_id, 0) + 1

    def walk(node: dict[str, Any], department: bool) -> None:
        if department:
            node["productCount"] = counts.get(node["id"], 0)
        for child in node.get("childItems") or []:
            walk(child, department)

    for item in menu["data"]["menuItems"]["items"]:
        walk(item, item["seoToken"] in DEPARTMENTS)
    return menu


def get_stores(state: SimState, variables: dict[str, Any]) -> dict[str, Any]:
    """The ``GetStores`` GraphQL answer: stores of the given brands nearest a point."""
    try:
        lat, lon = float(variables["latitude"]), float(variables["longitude"])
    except (KeyError, TypeError, ValueError):
        return {"errors": [{"message": "latitude and longitude are required"}], "data": None}
    brands = set(variables.get("brandIds") or ["COL", "LQR", "VIN"])
    names = {
        "COL": ("Coles Supermarkets", 2),
        "LQR": ("Liquorland", 3),
        "VIN": ("Vintage Cellars", 5),
    }
    results = []
    for distance, store in state.stores.nearest("coles", lat, lon, 50, brands):
        brand_name, finder = names[store.banner]
        results.append(
            {
                "distance": round(distance, 3),
                "store": {
                    "id": store.store_id,
                    "name": store.name,
                    "address": {
                        "state": store.state,
                        "suburb": store.suburb,
                        "addressLine": store.address,
                        "postcode": store.postcode,
                    },
                    "position": {"latitude": store.lat, "longitude": store.lon},
                    "brand": {"name": brand_name, "storeFinderId": finder, "id": store.banner},
                    "phone": store.phone,
                    "isTrading": True,
                    "services": [],
                    "hours": {
                        "today": {
                            "time": "Today from 8am to 9pm",
                            "holidayReason": None,
                            "isOpen": False,
                            "__typename": "TradingHoursToday",
                        },
                        "__typename": "Hours",
                    },
                    "__typename": "Store",
                },
                "__typename": "StoreDistance",
            }
        )
    return {"data": {"stores": {"results": results, "__typename": "StoreDistanceCollection"}}}


async def graphql(request: web.Request) -> web.Response:
    """POST /coles/api/graphql: ``menuItems`` and ``GetStores``."""
    state = state_of(request)
    if not _session_ok(state, request):
        return _block(state)
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise web.HTTPBadRequest(text="request body must be JSON") from exc
    operation = body.get("operationName") if isinstance(body, dict) else None
    variables = (body.get("variables") or {}) if isinstance(body, dict) else {}
    if operation == "menuItems":
        store = _store(state, request)
        request[STORE_ID] = store.store_id
        day = state.today()
        payload = state.pages.get_or_render(
            ("coles-menu", store.store_id, day), lambda: dumps(menu_items(state, store, day))
        )
        return json_response(payload)
    if operation == "GetStores":
        return json_response(dumps(get_stores(state, variables)))
    return json_response(
        dumps({"errors": [{"message": f"Unknown operation {operation!r}"}], "data": None}),
        status=400,
    )


def routes() -> list[web.RouteDef]:
    """The Coles routes (under the ``/coles`` prefix)."""
    return [
        web.get("/coles", home, name="coles.home_bare"),
        web.get("/coles/", home, name="coles.home"),
        web.get("/coles/browse/{slug}", browse, name="coles.browse"),
        web.get("/coles/browse/{slug}/{sub}", browse, name="coles.browse_sub"),
        web.get("/coles/product/{slug}", product_page, name="coles.product"),
        web.get(
            "/coles/_next/data/{build}/en/product/{slug}.json", next_product, name="coles.next_data"
        ),
        web.post("/coles/api/graphql", graphql, name="coles.graphql"),
    ]
