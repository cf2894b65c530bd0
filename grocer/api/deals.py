"""``GET /v1/compare``, ``/v1/specials`` and ``/v1/bargains`` (docs/API.md)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import Engine

from grocer.api.catalogue import Catalogue
from grocer.api.compare_data import compare_products
from grocer.api.cursors import CursorError, current_snapshot
from grocer.api.deal_data import (
    BargainKind,
    Verdict,
    bargains_computed_at,
    bargains_page,
    specials_page,
)
from grocer.api.products import AsOf, bad_cursor
from grocer.api.responses import ERRORS, MAX_ID, CompanySlug, Page, bad_parameter, error
from grocer.db.store_rows import COMPANY_IDS
from grocer.health.freshness import default_as_of

MAX_COMPARED = 100


class CompanyOffer(BaseModel):
    company: str
    price: float
    unit_price: float | None
    unit: str | None
    store_id: int
    retailer_store_id: str


class Compared(BaseModel):
    id: int
    name: str
    brand: str | None
    size: str | None
    offers: list[CompanyOffer]


class Comparison(Page):
    items: list[Compared]


class SpecialItem(BaseModel):
    product_id: int
    name: str
    company: str
    sku: str
    store_id: int
    retailer_store_id: str
    price: float
    was_price: float
    since: date
    verdict: Verdict
    claimed_discount: float
    real_discount: float | None
    most_common_price: float | None
    lowest_price: float | None
    history_days: int


class Specials(Page):
    items: list[SpecialItem]


class BargainSide(BaseModel):
    store_id: int
    retailer_store_id: str
    company: str
    price: float
    first_seen: date
    last_seen: date


class BargainItem(BaseModel):
    product_id: int
    name: str
    kind: BargainKind
    discount: float
    cheap: BargainSide
    dear: BargainSide
    computed_at: datetime


class Bargains(Page):
    items: list[BargainItem]


def parse_ids(text: str) -> list[int] | str:
    """``"3,1,2"`` -> ``[3, 1, 2]`` (duplicates dropped); a message when it is not that."""
    ids: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit() or not 1 <= int(part) <= MAX_ID:
            return f"not a product id: {part!r}"
        if int(part) not in ids:
            ids.append(int(part))
    if len(ids) > MAX_COMPARED:
        return f"at most {MAX_COMPARED} ids"
    return ids


def deals_router(
    engine: Engine, environ: Mapping[str, str] | None, catalogue: Catalogue
) -> APIRouter:
    """The compare, specials and bargains routes; ``catalogue`` signs their cursors."""
    router = APIRouter(prefix="/v1", tags=["deals"], responses=ERRORS)
    codec = catalogue.codec

    @router.get("/compare", response_model=Comparison, summary="Products side by side")
    def compare(
        ids: Annotated[str, Query(description=f"product ids, comma separated (<= {MAX_COMPARED})")],
        as_of: AsOf = None,
    ) -> Any:
        wanted = parse_ids(ids)
        if isinstance(wanted, str):
            return bad_parameter("ids", wanted)
        with engine.connect() as connection:
            try:
                items, missing = compare_products(
                    connection, wanted, as_of or default_as_of(connection), environ
                )
            except ValueError as problem:  # a bad GROCER_FRESH_DAYS of the server
                return error(503, f"server misconfigured: {problem}")
        if missing:
            return error(404, "product not found", missing=missing)
        return {"items": items, "next_cursor": None}

    @router.get("/specials", response_model=Specials, summary="Current specials, judged")
    def specials(
        verdict: Annotated[Verdict | None, Query(description="genuine, illusory, unknown")] = None,
        company: Annotated[CompanySlug | None, Query(description="a company slug")] = None,
        as_of: AsOf = None,
        limit: Annotated[int, Query(ge=1, le=500, description="items per page")] = 50,
        cursor: Annotated[str | None, Query(description="next_cursor of a page")] = None,
    ) -> Any:
        key = repr(("specials", verdict, company, as_of and as_of.isoformat()))
        with engine.connect() as connection:
            try:
                after = None
                if cursor is None:
                    snapshot = current_snapshot(connection, as_of or default_as_of(connection))
                else:
                    snapshot, after = codec.decode(cursor, key)
                items, last = specials_page(
                    connection, snapshot, verdict=verdict,
                    company_id=company and COMPANY_IDS[company], after=after, limit=limit,
                )  # fmt: skip
            except CursorError as problem:
                return bad_cursor(problem)
        next_cursor = None if last is None else codec.encode(snapshot, key, last)
        return {"items": items, "next_cursor": next_cursor}

    @router.get("/bargains", response_model=Bargains, summary="Stored bargains across zones")
    def bargains(
        kind: Annotated[BargainKind, Query(description="bargain, or review")] = "bargain",
        limit: Annotated[int, Query(ge=1, le=500, description="items per page")] = 50,
        cursor: Annotated[str | None, Query(description="next_cursor of a page")] = None,
    ) -> Any:
        key = repr(("bargains", kind))
        with engine.connect() as connection:
            computed = bargains_computed_at(connection)
            stamp = None if computed is None else computed.isoformat()
            try:
                after = None
                if cursor is None:
                    snapshot = current_snapshot(connection, default_as_of(connection))
                else:
                    snapshot, position = codec.decode(cursor, key)
                    if not position or position[0] != stamp:
                        raise CursorError(
                            "the bargains were computed again since the first page: start over"
                        )
                    after = position[1:]
                items, last = bargains_page(connection, kind=kind, after=after, limit=limit)
            except CursorError as problem:
                return bad_cursor(problem)
        next_cursor = None if last is None else codec.encode(snapshot, key, [stamp, *last])
        return {"items": items, "next_cursor": next_cursor}

    return router
