"""``GET /v1/products/{id}``, ``/v1/products/by-barcode/{gtin}`` and
``/v1/products/{id}/prices`` (docs/API.md)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel
from sqlalchemy import Connection, Engine

from grocer.api.catalogue import Catalogue, CursorError, UnknownCategory
from grocer.api.product_data import (
    price_history,
    product_detail,
    product_exists,
    product_id_by_barcode,
    store_exists,
    zone_anchor,
)
from grocer.api.product_list import Sort
from grocer.api.responses import (
    ERRORS,
    MAX_ID,
    CompanySlug,
    Page,
    bad_parameter,
    error,
    not_found,
)
from grocer.health.freshness import default_as_of
from grocer.normalize.gtin import clean_gtin


class Special(BaseModel):
    """``find_specials``'s judgement of a current special."""

    verdict: Literal["genuine", "illusory", "unknown"]
    claimed_discount: float
    real_discount: float | None
    most_common: float | None  # the most common price of the window before (None: no history)
    lowest: float | None  # the lowest price of that window
    history_days: int  # days of that window with a known price


class MultibuyOffer(BaseModel):
    """``quantity`` units together for ``price``."""

    quantity: int
    price: float


class CurrentPrice(BaseModel):
    """A listing's current price at one store (``stores.id`` and the retailer's store id)."""

    store_id: int
    retailer_store_id: str
    price: float
    was_price: float | None
    unit_price: float | None
    unit: str | None
    special: Special | None
    multibuy: MultibuyOffer | None


class ProductItem(BaseModel):
    """A product and its cheapest current offer among the listings passing the filters."""

    id: int
    name: str
    brand: str | None
    size: str | None
    unit_price: float | None
    unit: str | None
    price: float | None
    company: str | None


class ProductList(Page):
    items: list[ProductItem]


class ProductListing(BaseModel):
    company: str
    sku: str
    url: str | None
    current: list[CurrentPrice]


class Substitute(BaseModel):
    id: int
    name: str
    level: int
    score: float


class ProductDetail(BaseModel):
    id: int
    name: str
    brand: str | None
    size: str | None
    barcodes: list[str]
    listings: list[ProductListing]
    substitutes: list[Substitute]


class PriceInterval(BaseModel):
    """One price interval; ``store_id`` and ``source_store_id`` are ``stores.id``."""

    store_id: int
    company: str
    price: float
    was_price: float | None
    unit_price: float | None
    unit: str | None
    is_special: bool
    promo_text: str | None
    multibuy_qty: int | None
    multibuy_price: float | None
    first_seen: date
    last_seen: date
    source_store_id: int


class PriceHistory(Page):
    items: list[PriceInterval]


NOT_FOUND = {404: {"description": "unknown product"}}
AsOf = Annotated[
    date | None, Query(description="current prices as of this day (YYYY-MM-DD)")
]  # fmt: skip


def bad_cursor(problem: CursorError) -> Any:
    """400 naming ``cursor``."""
    detail = {"type": "value_error", "loc": ["query", "cursor"], "msg": str(problem)}
    return error(400, "bad parameter: cursor", errors=[detail])


def products_router(
    engine: Engine, environ: Mapping[str, str] | None, catalogue: Catalogue | None = None
) -> APIRouter:
    """The product routes over ``engine``; ``environ``: where ``GROCER_FRESH_DAYS`` is read;
    ``catalogue``: the product lists' index and cursor key (the web view shares it)."""
    router = APIRouter(prefix="/v1/products", tags=["products"], responses=ERRORS)
    catalogue = catalogue or Catalogue(engine, environ)

    @router.get(
        "",
        response_model=ProductList,
        summary="Products matching a search and filters, with their cheapest current offer",
    )
    def list_products(
        q: Annotated[str | None, Query(description="words of the name or brand")] = None,
        company: Annotated[CompanySlug | None, Query(description="a company slug")] = None,
        category: Annotated[
            int | None, Query(ge=1, le=MAX_ID, description="a category (categories.id) or below")
        ] = None,
        sort: Annotated[Sort, Query(description="name, price or unit_price")] = "name",
        as_of: AsOf = None,
        limit: Annotated[int, Query(ge=1, le=500, description="items per page")] = 50,
        cursor: Annotated[str | None, Query(description="next_cursor of a page")] = None,
    ) -> Any:
        with engine.connect() as connection:
            try:
                return catalogue.products(
                    connection, q=q, company=company, category=category, sort=sort,
                    as_of=as_of, limit=limit, cursor=cursor,
                )  # fmt: skip
            except UnknownCategory as problem:
                return bad_parameter("category", str(problem))
            except CursorError as problem:
                return bad_cursor(problem)
            except ValueError as problem:  # a bad GROCER_FRESH_DAYS of the server
                return error(503, f"server misconfigured: {problem}")

    def detail(read_id: Callable[[Connection], int | None], as_of: date | None) -> Any:
        with engine.connect() as connection:
            product_id = read_id(connection)
            if product_id is None:
                return not_found("product")
            try:
                body = product_detail(
                    connection, product_id, as_of or default_as_of(connection), environ
                )
            except ValueError as problem:  # a bad GROCER_FRESH_DAYS of the server
                return error(503, f"server misconfigured: {problem}")
        return not_found("product") if body is None else body

    # before /{product_id}: "by-barcode" is no product id
    @router.get(
        "/by-barcode/{gtin}",
        response_model=ProductDetail,
        responses=NOT_FOUND,
        summary="The product with a barcode (GTIN-8/12/13/14)",
    )
    def by_barcode(gtin: str, as_of: AsOf = None) -> Any:
        cleaned = clean_gtin(gtin)
        code = cleaned.code  # an in-store code is valid but holds no product: 404
        if code is None:
            message = cleaned.error or "not a GTIN"
            problem = {"type": "value_error", "loc": ["path", "gtin"], "msg": message}
            return error(422, "bad parameter: gtin", errors=[problem])
        return detail(lambda c: product_id_by_barcode(c, code), as_of)

    @router.get(
        "/{product_id}",
        response_model=ProductDetail,
        responses=NOT_FOUND,
        summary="A product, its listings with their current prices, its substitutes",
    )
    def get_product(product_id: Annotated[int, Path(ge=1, le=MAX_ID)], as_of: AsOf = None) -> Any:
        return detail(lambda _c: product_id, as_of)

    @router.get(
        "/{product_id}/prices",
        response_model=PriceHistory,
        responses={404: {"description": "unknown product, store or zone"}},
        summary="The price intervals of a product's listings",
    )
    def get_prices(
        product_id: Annotated[int, Path(ge=1, le=MAX_ID)],
        store: Annotated[
            int | None, Query(ge=1, le=MAX_ID, description="a store (stores.id)")
        ] = None,
        zone: Annotated[
            int | None, Query(ge=1, le=MAX_ID, description="a price zone (store_groups.id)")
        ] = None,
        low: Annotated[
            date | None, Query(alias="from", description="intervals reaching this day")
        ] = None,
        high: Annotated[
            date | None, Query(alias="to", description="intervals starting by this day")
        ] = None,
    ) -> Any:
        if store is not None and zone is not None:
            return bad_parameter("zone", "give store or zone, not both")
        with engine.connect() as connection:
            if not product_exists(connection, product_id):
                return not_found("product")
            store_id = store
            if store is not None and not store_exists(connection, store):
                return not_found("store")
            if zone is not None:
                store_id = zone_anchor(connection, zone)
                if store_id is None:
                    return not_found("zone")
            items = price_history(connection, product_id, store_id=store_id, low=low, high=high)
        return {"items": items, "next_cursor": None}

    return router
