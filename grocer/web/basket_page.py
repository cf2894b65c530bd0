"""The web view's ``/basket`` page: a shopping list and a point in a form (GET, so it works
without JavaScript and a plan can be bookmarked), the plan ``POST /v1/basket`` answers below."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine

from grocer.api.basket import MAX_LINES
from grocer.health.freshness import default_as_of
from grocer.shopper.basket import plan_basket
from grocer.shopper.shopping_list import ListError, parse_list
from grocer.web.params import BadParameter, a_day, number, whole

Page = Callable[..., HTMLResponse]
DEFAULTS = {"radius_km": "10", "max_stores": "2"}


def add_basket_page(
    router: APIRouter,
    engine: Engine,
    environ: Mapping[str, str] | None,
    page: Page,
    bad: Callable[[Request, BadParameter], HTMLResponse],
    misconfigured: Callable[[Request, ValueError], HTMLResponse],
) -> None:
    """Register ``GET /basket`` on the web view's router (``bad``: the page of a bad
    parameter; ``misconfigured``: of a bad ``GROCER_*`` setting of the server)."""

    @router.get("/basket", response_class=HTMLResponse)
    def basket(
        request: Request,
        lines: str | None = None,
        lat: str | None = None,
        lon: str | None = None,
        radius_km: str | None = None,
        max_stores: str | None = None,
        as_of: str | None = None,
    ) -> HTMLResponse:
        form = {"lines": lines or "", "lat": lat or "", "lon": lon or "", "as_of": as_of or "",
                "radius_km": radius_km or DEFAULTS["radius_km"],
                "max_stores": max_stores or DEFAULTS["max_stores"]}  # fmt: skip
        if not form["lines"].strip() and not lat and not lon:
            return page(request, "basket.html", form=form, plan=None)
        try:
            wanted = _list(form["lines"])
            latitude = number("lat", lat, -90, 90)
            longitude = number("lon", lon, -180, 180)
            if latitude is None or longitude is None:
                raise BadParameter("lat" if latitude is None else "lon", "give lat and lon")
            radius = number("radius_km", form["radius_km"], 0, 100, above=True)
            stores = whole("max_stores", form["max_stores"], 1, 3)
            day = a_day("as_of", as_of)
        except BadParameter as problem:
            return bad(request, problem)
        with engine.connect() as connection:
            day = day or default_as_of(connection)
            if day is None:
                return page(request, "error.html", 404, title="No prices yet",
                            message="No complete price run yet: nothing to plan with.")  # fmt: skip
            try:
                plan = plan_basket(
                    connection, wanted, lat=latitude, lon=longitude, radius_km=radius or 10.0,
                    max_stores=stores or 2, as_of=day, environ=environ,
                )  # fmt: skip
            except ValueError as problem:  # a bad GROCER_FRESH_DAYS of the server
                return misconfigured(request, problem)
        return page(request, "basket.html", form=form, plan=plan)


def _list(text: str) -> list[Any]:
    try:
        found = parse_list(text)
    except ListError as problem:
        raise BadParameter("lines", str(problem)) from None
    if len(found) > MAX_LINES:
        raise BadParameter("lines", f"a list has at most {MAX_LINES} lines, not {len(found)}")
    return found
