"""The web view's pages (docs/API.md, "Web view"): HTML over the API's own functions.

Sync routes, each opening one connection and closing it before the page is rendered.  Query
parameters arrive as text and are checked here, so a bad one answers a 422 page naming it (not
the API's JSON); an unknown product a 404 page; a bad ``GROCER_*`` setting of the server 503.
Every page carries a Content-Security-Policy allowing this host only.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine

from grocer.api.catalogue import Catalogue, CursorError
from grocer.api.deal_data import bargains_computed_at
from grocer.api.product_data import price_history, product_detail
from grocer.api.product_list import SORTS
from grocer.api.responses import MAX_ID
from grocer.api.status import database_name, status_object
from grocer.api.stores import nearest_stores, point_problem
from grocer.constants import COMPANY_LIST
from grocer.health.freshness import default_as_of
from grocer.web.basket_page import add_basket_page
from grocer.web.chart import Chart, price_chart
from grocer.web.format import FILTERS, special_reason
from grocer.web.params import BadParameter, a_day, choice, number, whole
from grocer.web.queries import StoreLabel, store_labels, stored_bargains

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
PAGE_SIZE = 50
SORT_NAMES = {"name": "Name", "price": "Price", "unit_price": "Unit price"}
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def make_templates() -> Jinja2Templates:
    """The templates of ``grocer/web/templates`` (autoescaped) with the format filters."""
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.filters.update(FILTERS)
    templates.env.globals.update(companies=COMPANY_LIST, sort_names=SORT_NAMES)
    return templates


def listing_rows(detail: Mapping[str, Any], labels: Mapping[int, StoreLabel]) -> list[dict]:
    """One row per listing and store with a current price (a listing with none: one row)."""
    rows = []
    for listing in detail["listings"]:
        if not listing["current"]:
            rows.append({"listing": listing, "store": None, "current": None, "reason": None})
        for current in listing["current"]:
            label = labels.get(current["store_id"])
            special = current["special"]
            reason = None
            if special is not None:
                reason = special_reason(special, current["price"], current["was_price"])
            store = label.label if label else current["retailer_store_id"]
            rows.append({"listing": listing, "store": store, "current": current, "reason": reason})
    return rows


def store_charts(history: list[dict[str, Any]], labels: Mapping[int, StoreLabel]) -> list[Chart]:
    """One chart per store of ``price_history``'s items, by company and store name."""
    series: dict[int, list[dict[str, Any]]] = {}
    for item in history:
        series.setdefault(item["store_id"], []).append(item)
    charts = []
    for store_id, items in series.items():
        label = labels[store_id]
        text = label.label + (f", {label.role}" if label.role else "")
        charts.append(price_chart(store_id, text, items))
    return sorted(charts, key=lambda chart: (chart.label, chart.store_id))


def web_router(
    engine: Engine,
    environ: Mapping[str, str] | None,
    catalogue: Catalogue,
    *,
    database: str | None = None,
) -> APIRouter:
    """The web view's pages over ``engine`` (left out of the OpenAPI schema); ``catalogue``:
    the product lists' index and cursor key shared with ``GET /v1/products``; ``database``:
    the database as the status page names it (None: from the engine's URL)."""
    router = APIRouter(include_in_schema=False)
    templates = make_templates()
    database = database or database_name(engine)

    def page(request: Request, name: str, code: int = 200, **context: Any) -> HTMLResponse:
        response = templates.TemplateResponse(request, name, context, status_code=code)
        response.headers["Content-Security-Policy"] = CSP
        return response

    def bad(request: Request, problem: BadParameter) -> HTMLResponse:
        return page(request, "error.html", 422, title=f"Bad parameter: {problem.name}",
                    message=str(problem))  # fmt: skip

    def misconfigured(request: Request, problem: ValueError) -> HTMLResponse:
        return page(request, "error.html", 503, title="Server misconfigured",
                    message=str(problem))  # fmt: skip

    @router.get("/", response_class=HTMLResponse)
    def search(
        request: Request,
        q: str | None = None,
        company: str | None = None,
        sort: str | None = None,
        cursor: str | None = None,
    ) -> HTMLResponse:
        form = {"q": (q or "").strip(), "company": company or "", "sort": sort or "name"}
        try:
            chosen = choice("company", company, COMPANY_LIST)
            order = choice("sort", sort, SORTS) or "name"
            with engine.connect() as connection:
                try:
                    found = catalogue.products(
                        connection, q=form["q"] or None, company=chosen, sort=order,
                        limit=PAGE_SIZE, cursor=cursor or None,
                    )  # fmt: skip
                except CursorError as problem:
                    raise BadParameter("cursor", str(problem)) from None
        except BadParameter as problem:
            return bad(request, problem)
        except ValueError as problem:  # a bad GROCER_FRESH_DAYS of the server
            return misconfigured(request, problem)
        next_page = None
        if found["next_cursor"]:
            kept = {key: value for key, value in form.items() if value}
            next_page = "/?" + urlencode({**kept, "cursor": found["next_cursor"]})
        return page(request, "search.html", form=form, items=found["items"], next_page=next_page)

    @router.get("/products/{product_id}", response_class=HTMLResponse)
    def product(request: Request, product_id: str, as_of: str | None = None) -> HTMLResponse:
        try:
            wanted = whole("product_id", product_id, 1, MAX_ID)
            day = a_day("as_of", as_of)
        except BadParameter as problem:
            return bad(request, problem)
        try:
            with engine.connect() as connection:
                day = day or default_as_of(connection)
                detail = product_detail(connection, wanted or 0, day, environ)
                if detail is not None:
                    history = price_history(connection, detail["id"])
                    stores = [c["store_id"] for i in detail["listings"] for c in i["current"]]
                    labels = store_labels(connection, stores + [i["store_id"] for i in history])
        except ValueError as problem:  # a bad GROCER_FRESH_DAYS of the server
            return misconfigured(request, problem)
        if detail is None:
            return page(request, "error.html", 404, title="Product not found",
                        message=f"There is no product {wanted}.")  # fmt: skip
        return page(
            request, "product.html", product=detail, as_of=day,
            rows=listing_rows(detail, labels), charts=store_charts(history, labels),
        )  # fmt: skip

    @router.get("/stores", response_class=HTMLResponse)
    def stores(
        request: Request,
        lat: str | None = None,
        lon: str | None = None,
        radius_km: str | None = None,
        company: str | None = None,
        limit: str | None = None,
    ) -> HTMLResponse:
        form = {"lat": lat or "", "lon": lon or "", "radius_km": radius_km or "",
                "company": company or "", "limit": limit or ""}  # fmt: skip
        try:
            latitude = number("lat", lat, -90, 90)
            longitude = number("lon", lon, -180, 180)
            radius = number("radius_km", radius_km, 0, 100, above=True)
            chosen = choice("company", company, COMPANY_LIST)
            count = whole("limit", limit, 1, 500) or PAGE_SIZE
            problem = point_problem(latitude, longitude, radius)
            if problem is not None:
                raise BadParameter(*problem)
        except BadParameter as problem:
            return bad(request, problem)
        with engine.connect() as connection:
            items = nearest_stores(
                connection, lat=latitude, lon=longitude, radius_km=radius, company=chosen,
                limit=count,
            )  # fmt: skip
        return page(request, "stores.html", form=form, items=items, near=latitude is not None)

    add_basket_page(router, engine, environ, page, bad, misconfigured)

    @router.get("/bargains", response_class=HTMLResponse)
    def bargains(request: Request) -> HTMLResponse:
        with engine.connect() as connection:
            items = stored_bargains(connection)
            computed = bargains_computed_at(connection)
        return page(request, "bargains.html", items=items, computed=computed)

    @router.get("/status", response_class=HTMLResponse)
    def status(request: Request) -> HTMLResponse:
        try:
            with engine.connect() as connection:
                report = status_object(connection, database, environ=environ)
        except ValueError as problem:  # a bad GROCER_* setting of the server
            return misconfigured(request, problem)
        return page(request, "status.html", status=report)

    return router
