"""``POST /v1/basket``: the cheapest split of a shopping list over the stores near a point.

A pure computation over current prices (:func:`grocer.shopper.basket.plan_basket`), the one
write-method route of the read-only API; it answers the object ``grocer basket --json``
prints.  At most 100 lines, ``radius_km`` in (0, 100], ``max_stores`` 1-3; an unreadable line
is a 422 naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from grocer.api.responses import ERRORS, error
from grocer.health.freshness import default_as_of
from grocer.shopper.basket import plan_basket
from grocer.shopper.shopping_list import ListError, parse_list

MAX_LINES = 100
BASKET_PATH = "/v1/basket"


class BasketRequest(BaseModel):
    """A shopping list (one ``WHAT [xN | AMOUNT] [~L]`` text per line), a point and limits."""

    lines: list[str] = Field(min_length=1, max_length=MAX_LINES)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    radius_km: float = Field(default=10.0, gt=0, le=100)
    max_stores: int = Field(default=2, ge=1, le=3)
    as_of: date | None = Field(default=None, description="default: the newest complete prices")


class BasketStore(BaseModel):
    id: int
    company: str
    name: str | None
    distance_km: float
    subtotal: float


class Multibuy(BaseModel):
    """The multi-buy offer a line is bought by: ``quantity`` for ``price``, and the packs
    bought beyond those asked for because the offer makes them cheaper."""

    quantity: int
    price: float
    extra_packs: int


class BasketLine(BaseModel):
    text: str
    matched_product_id: int | None
    matched_product_name: str | None
    product_id: int | None
    product_name: str | None
    store_id: int | None
    packs: int | None
    cost: float | None
    substitute_level: int | None
    multibuy: Multibuy | None


class SingleStore(BaseModel):
    store_id: int | None
    total: float
    uncovered: list[str]


class Solver(BaseModel):
    status: str
    gap: float


class BasketPlan(BaseModel):
    """The plan: its stores and lines, the lines no store in range sells, the best single
    store and what the plan saves against it on the lines both cover."""

    as_of: str
    total: float
    stores: list[BasketStore]
    lines: list[BasketLine]
    unavailable: list[str]
    single_store: SingleStore
    saving: float
    solver: Solver


def basket_router(engine: Engine, environ: Mapping[str, str] | None) -> APIRouter:
    """``POST /v1/basket``; registered before the API's refusal of write methods."""
    router = APIRouter(prefix="/v1", tags=["basket"], responses=ERRORS)

    @router.post(
        "/basket",
        response_model=BasketPlan,
        summary="The cheapest way to buy a list in at most max_stores stores near a point",
    )
    def post_basket(request: BasketRequest) -> Any:
        try:
            lines = parse_list("\n".join(text.replace("\n", " ") for text in request.lines))
        except ListError as problem:
            detail = {"type": "value_error", "loc": ["body", "lines"], "msg": str(problem)}
            return error(422, "bad parameter: lines", errors=[detail])
        with engine.connect() as connection:
            as_of = request.as_of or default_as_of(connection)
            if as_of is None:
                return error(404, "no prices yet: no complete price run")
            try:
                return plan_basket(
                    connection, lines, lat=request.lat, lon=request.lon,
                    radius_km=request.radius_km, max_stores=request.max_stores,
                    as_of=as_of, environ=environ,
                )  # fmt: skip
            except ValueError as problem:  # a bad GROCER_FRESH_DAYS of the server
                return error(503, f"server misconfigured: {problem}")

    return router
