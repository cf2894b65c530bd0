"""Coles endpoints: home page (JavaScript challenge), ``/browse/{slug}?page=n`` and product
pages (HTML with ``__NEXT_DATA__``), ``/_next/data`` product JSON and ``/api/graphql``
(``menuItems``, ``GetStores``).

The ``fulfillmentStoreId`` cookie selects the store and ``initStoreId`` echoes it zero-padded
to four digits; an unknown store falls back to a default store.  Pages need a live session
(:mod:`grocer.sim.challenge`); without one the answer is a block page.  The handlers here
serve what :mod:`grocer.sim.coles_pages` and :mod:`grocer.sim.coles_graphql` render.
"""

from __future__ import annotations

import json
import re

from aiohttp import web

from grocer.sim.catalogue import Product
from grocer.sim.challenge import CHALLENGE_COOKIE, SESSION_COOKIE
from grocer.sim.coles_graphql import get_stores, menu_items
from grocer.sim.coles_pages import (
    browse_props,
    ld_json,
    next_data,
    next_html,
    product_props,
    product_slug,
    seo_ids,
    store_label,
)
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


def _store(state: SimState, request: web.Request) -> Store:
    store = state.stores.coles_by_number(request.cookies.get("fulfillmentStoreId"))
    if store is None or not store.crawlable:
        store = state.stores.crawlable("coles")[0]
    return store


def _other_store(state: SimState, store: Store) -> Store:
    stores = state.stores.crawlable("coles")
    index = stores.index(store) if store in stores else 0
    return stores[(index + 1) % len(stores)]


def block_response(state: SimState) -> web.Response:
    """An Imperva-style block page (HTML without ``__NEXT_DATA__``), as blocked clients and
    a ``storm`` fault get it."""
    response = html_response(state.guard.block_page().encode())
    response.headers["x-cdn"] = "Imperva"
    return response


def _session_ok(state: SimState, request: web.Request) -> bool:
    return state.guard.spend(request.cookies.get(SESSION_COOKIE))


def _not_found() -> web.Response:
    body = next_html("Page not found", next_data("/_error", {}, {"statusCode": 404}))
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
    response = html_response(next_html("Coles Supermarkets", next_data("/", {}, props)))
    response.headers["x-cdn"] = "Imperva"
    if new_session:
        response.set_cookie(SESSION_COOKIE, new_session, path="/", httponly=False)
    return response


async def browse(request: web.Request) -> web.Response:
    """GET /coles/browse/{slug}[/{sub}]?page=n."""
    state = state_of(request)
    if not _session_ok(state, request):
        return block_response(state)
    store = _store(state, request)
    request[STORE_ID] = store.store_id
    slug = request.match_info["slug"]
    sub = request.match_info.get("sub") or None
    menu_ids = seo_ids(state)
    if slug not in menu_ids:
        return _not_found()
    page = int_param(request.query.get("page"), 1, 1)
    served = _other_store(state, store) if request.get(WRONG_STORE) else store
    day = state.today()
    variant = state.faults.listing_variant("coles", served.store_id)
    key = ("coles", served.store_id, day, slug, sub, page, variant)

    def render() -> bytes:
        props = browse_props(state, served, day, slug, sub, page)
        query = {"slug": [slug, sub] if sub else [slug], "page": str(page)}
        return next_html(slug, next_data("/browse/[...slug]", query, props))

    return html_response(state.pages.get_or_render(key, render))


def _product_for(state: SimState, slug: str) -> Product | None:
    match = re.search(r"(\d+)$", slug)
    return state.product("coles", match.group(1)) if match else None


async def product_page(request: web.Request) -> web.Response:
    """GET /coles/product/{slug}-{id}: ld+json and ``__NEXT_DATA__`` with the GTIN."""
    state = state_of(request)
    if not _session_ok(state, request):
        return block_response(state)
    product = _product_for(state, request.match_info["slug"])
    if product is None:
        return _not_found()
    store = _store(state, request)
    request[STORE_ID] = store.store_id
    day = state.today()

    def render() -> bytes:
        props = product_props(state, store, product, day)
        assert product is not None
        data = next_data("/product/[slug]", {"slug": product_slug(product)}, props)
        return next_html(product.name, data, head=ld_json(product, props))

    key = ("coles-product", store.store_id, day, product.sku)
    return html_response(state.pages.get_or_render(key, render))


async def next_product(request: web.Request) -> web.Response:
    """GET /coles/_next/data/{build}/en/product/{slug}.json: top-level ``pageProps``."""
    state = state_of(request)
    if not _session_ok(state, request):
        return block_response(state)
    product = _product_for(state, request.match_info["slug"])
    if product is None:
        return json_response(dumps({"notFound": True}), status=404)
    store = _store(state, request)
    request[STORE_ID] = store.store_id
    props = product_props(state, store, product, state.today())
    return json_response(dumps({"pageProps": props, "__N_SSP": True}))


async def graphql(request: web.Request) -> web.Response:
    """POST /coles/api/graphql: ``menuItems`` and ``GetStores``."""
    state = state_of(request)
    if not _session_ok(state, request):
        return block_response(state)
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
        variant = state.faults.listing_variant("coles", store.store_id)
        payload = state.pages.get_or_render(
            ("coles-menu", store.store_id, day, variant),
            lambda: dumps(menu_items(state, store, day)),
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
