"""``GET /v1/stores`` (nearest first) and ``GET /v1/stores/{id}`` (docs/API.md)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel
from sqlalchemy import Connection, Engine, func, or_, select

from grocer.api.responses import ERRORS, MAX_ID, CompanySlug, Page, bad_parameter, not_found
from grocer.db.models import Company, GroupMembership, Price, Store
from grocer.geo import distance_km


class StoreItem(BaseModel):
    id: int
    company: str
    retailer_store_id: str
    name: str | None
    distance_km: float | None


class StoreList(Page):
    items: list[StoreItem]


class StoreDetail(BaseModel):
    """A store, its current price zone (``store_groups.id``) and anchor, newest price day."""

    id: int
    company: str
    retailer_store_id: str
    name: str | None
    address: str | None
    suburb: str | None
    state: str | None
    postcode: str | None
    latitude: float | None
    longitude: float | None
    zone: int | None
    anchor_store_id: int | None
    newest_price_on: date | None


_COLUMNS = (
    Store.id, Company.slug, Store.retailer_store_id, Store.name, Store.latitude, Store.longitude
)  # fmt: skip


def point_problem(
    lat: float | None, lon: float | None, radius_km: float | None
) -> tuple[str, str] | None:
    """What is wrong with a point and radius given together, as (parameter, message); None
    when nothing is: lat and lon come together, and a radius needs them."""
    if (lat is None) != (lon is None):
        return ("lon" if lon is None else "lat", "give lat and lon together")
    if radius_km is not None and lat is None:
        return ("radius_km", "radius_km needs lat and lon")
    return None


def nearest_stores(
    connection: Connection,
    *,
    lat: float | None,
    lon: float | None,
    radius_km: float | None,
    company: str | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Stores nearest first (with a point: those with coordinates, within ``radius_km``);
    without a point, by id."""
    stmt = select(*_COLUMNS).join(Company, Company.id == Store.company_id)
    if company is not None:
        stmt = stmt.where(Company.slug == company)
    if lat is None or lon is None:
        rows = connection.execute(stmt.order_by(Store.id).limit(limit))
        return [_item(row, None) for row in rows]
    stmt = stmt.where(Store.latitude.is_not(None), Store.longitude.is_not(None))
    found = []
    for row in connection.execute(stmt):
        km = distance_km(lat, lon, row.latitude, row.longitude)
        if radius_km is None or km <= radius_km:
            found.append((km, row.id, row))
    found.sort(key=lambda item: (item[0], item[1]))
    return [_item(row, km) for km, _id, row in found[:limit]]


def _item(row: Any, km: float | None) -> dict[str, Any]:
    return {
        "id": row.id,
        "company": row.slug,
        "retailer_store_id": row.retailer_store_id,
        "name": row.name,
        "distance_km": None if km is None else round(km, 3),
    }


def store_detail(connection: Connection, store_id: int) -> dict[str, Any] | None:
    """The body of ``GET /v1/stores/{id}``; None for an unknown store.  Its zone is its open
    membership's; its newest price day the latest of its own rows and, from the day it joined,
    its anchor's."""
    row = connection.execute(
        select(Store, Company.slug)
        .join(Company, Company.id == Store.company_id)
        .where(Store.id == store_id)
    ).first()
    if row is None:
        return None
    membership = connection.execute(
        select(
            GroupMembership.group_id, GroupMembership.anchor_store_id, GroupMembership.valid_from
        )
        .where(GroupMembership.store_id == store_id, GroupMembership.valid_to.is_(None))
        .order_by(GroupMembership.valid_from.desc())
        .limit(1)
    ).first()
    newest = select(func.max(Price.last_seen)).where(Price.store_id == store_id)
    if membership is not None:
        newest = select(func.max(Price.last_seen)).where(
            or_(
                Price.store_id == store_id,
                (Price.store_id == membership.anchor_store_id)
                & (Price.last_seen >= membership.valid_from),
            )
        )
    keys = ("address", "suburb", "state", "postcode", "latitude", "longitude")
    item = _item(row, None)
    del item["distance_km"]
    return {
        **item,
        **{key: getattr(row, key) for key in keys},
        "zone": None if membership is None else membership.group_id,
        "anchor_store_id": None if membership is None else membership.anchor_store_id,
        "newest_price_on": connection.execute(newest).scalar(),
    }


def stores_router(engine: Engine) -> APIRouter:
    """The store routes over ``engine``."""
    router = APIRouter(prefix="/v1/stores", tags=["stores"], responses=ERRORS)

    @router.get("", response_model=StoreList, summary="Stores, nearest first")
    def list_stores(
        lat: Annotated[float | None, Query(ge=-90, le=90, description="latitude")] = None,
        lon: Annotated[float | None, Query(ge=-180, le=180, description="longitude")] = None,
        radius_km: Annotated[
            float | None, Query(gt=0, le=100, description="within this distance of lat/lon")
        ] = None,
        company: Annotated[CompanySlug | None, Query(description="a company slug")] = None,
        limit: Annotated[int, Query(ge=1, le=500, description="stores listed")] = 50,
    ) -> Any:
        problem = point_problem(lat, lon, radius_km)
        if problem is not None:
            return bad_parameter(*problem)
        with engine.connect() as connection:
            items = nearest_stores(
                connection, lat=lat, lon=lon, radius_km=radius_km, company=company, limit=limit
            )
        return {"items": items, "next_cursor": None}

    @router.get(
        "/{store_id}",
        response_model=StoreDetail,
        responses={404: {"description": "unknown store"}},
        summary="A store, its price zone and anchor, its newest price day",
    )
    def get_store(store_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> Any:
        with engine.connect() as connection:
            body = store_detail(connection, store_id)
        return not_found("store") if body is None else body

    return router
