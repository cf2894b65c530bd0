"""The FastAPI application of ``grocer serve`` (read-only; docs/API.md).

Endpoints are sync functions over the SQLAlchemy engine, run in Starlette's thread pool; each
opens its connection and closes it before the response leaves, so no request keeps a
transaction open and crawls and ingests never wait on the API.  The engine given to
:func:`create_app` should be :func:`grocer.db.engine.make_read_only_engine`'s.

Write methods: every POST, PUT, PATCH or DELETE under ``/v1/`` is answered 405 by
:func:`refuse_writes`, registered after every other route, except the routes of
:data:`WRITE_METHOD_ROUTES`, registered before it: ``POST /v1/basket``, a pure computation
over current prices that writes nothing (:mod:`grocer.api.basket`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import Engine
from starlette.middleware.cors import CORSMiddleware

from grocer.api.basket import BASKET_PATH, basket_router
from grocer.api.catalogue import Catalogue
from grocer.api.deals import deals_router
from grocer.api.export import export_router
from grocer.api.metrics import Metrics, MetricsMiddleware
from grocer.api.products import products_router
from grocer.api.responses import ERRORS, error
from grocer.api.status import database_name, status_object
from grocer.api.stores import stores_router
from grocer.web import STATIC_DIR, web_router

CORS_ENV = "GROCER_CORS_ORIGINS"
WRITE_METHODS = ["POST", "PUT", "PATCH", "DELETE"]
READ_METHODS = "GET, HEAD"
WRITE_METHOD_ROUTES: tuple[str, ...] = (BASKET_PATH,)  # POST, computing only
DOCS_STATIC = "/docs/static"


def swagger_assets() -> Path:
    """Swagger UI's script, styles and icon as the ``fastapi-offline`` package ships them."""
    import fastapi_offline

    return Path(fastapi_offline.__file__).resolve().parent / "static"


def cors_origins(environ: Mapping[str, str]) -> list[str]:
    """``GROCER_CORS_ORIGINS``: comma-separated origins; none by default."""
    return [o.strip() for o in environ.get(CORS_ENV, "").split(",") if o.strip()]


def status_router(engine: Engine, environ: Mapping[str, str] | None, database: str) -> APIRouter:
    """``GET /v1/status``."""
    router = APIRouter(prefix="/v1", tags=["status"], responses=ERRORS)

    @router.get("/status", summary="The status object, the database and its counts")
    def get_status(
        as_of: Annotated[
            date | None, Query(description="judge freshness on this day (YYYY-MM-DD)")
        ] = None,
        limit: Annotated[int, Query(ge=0, le=500, description="newest runs listed")] = 20,
    ) -> Any:
        try:
            with engine.connect() as connection:
                return status_object(
                    connection, database, as_of=as_of, limit=limit, environ=environ
                )
        except ValueError as problem:  # a bad GROCER_* setting of the server
            return error(503, f"server misconfigured: {problem}")

    return router


def refuse_writes(app: FastAPI) -> None:
    """405 (JSON, with ``Allow``) for any write method under ``/v1/`` not routed before; a
    GET of a path no route has, 404 (JSON)."""

    @app.api_route(
        "/v1/{path:path}", methods=["GET", "HEAD", *WRITE_METHODS], include_in_schema=False
    )
    def method_not_allowed(request: Request, path: str) -> JSONResponse:
        if request.method in ("GET", "HEAD"):
            return error(404, "Not Found")
        response = error(
            405,
            f"{request.method} not allowed: the API is read-only",
            method=request.method,
            path=f"/v1/{path}",
        )
        response.headers["Allow"] = READ_METHODS
        return response


def add_docs(app: FastAPI) -> None:
    """``/docs``: Swagger UI with its files served from this process, nothing from elsewhere."""
    app.mount(DOCS_STATIC, StaticFiles(directory=swagger_assets()), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{DOCS_STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_STATIC}/favicon.png",
        )


def create_app(
    engine: Engine, *, environ: Mapping[str, str] | None = None, database: str | None = None
) -> FastAPI:
    """The API over ``engine``; ``environ``: where ``GROCER_*`` settings are read (None: the
    process environment, read now for CORS and at each request for the status); ``database``:
    the database as ``display_url`` prints the configured URL (None: from the engine's URL)."""
    app = FastAPI(
        title="grocer",
        summary="Grocery prices, read-only",
        version="1",
        docs_url=None,
        redoc_url=None,
    )
    metrics = Metrics(engine, environ)

    @app.exception_handler(RequestValidationError)
    def bad_request(_request: Request, problem: RequestValidationError) -> JSONResponse:
        errors = problem.errors()
        names = sorted({str(e["loc"][-1]) for e in errors if e.get("loc")})
        return error(422, f"bad parameter: {', '.join(names)}", errors=_plain(errors))

    app.include_router(status_router(engine, environ, database or database_name(engine)))
    catalogue = Catalogue(engine, environ)  # the product lists' index of current prices, cursor key
    app.state.catalogue = catalogue
    app.include_router(products_router(engine, environ, catalogue))
    app.include_router(deals_router(engine, environ, catalogue))
    app.include_router(stores_router(engine))
    app.include_router(export_router(engine))
    app.include_router(basket_router(engine, environ))  # before refuse_writes: a POST route
    app.include_router(web_router(engine, environ, catalogue, database=database))  # HTML
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/metrics", include_in_schema=False)
    def get_metrics() -> Response:
        try:
            text = generate_latest(metrics.registry)
        except ValueError as problem:  # a bad GROCER_FRESH_DAYS of the server
            return error(503, f"server misconfigured: {problem}")
        return Response(text, media_type=CONTENT_TYPE_LATEST)

    add_docs(app)
    refuse_writes(app)  # last: routes registered before it (POST /v1/basket) win
    origins = cors_origins(os.environ if environ is None else environ)
    if origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=origins, allow_methods=["GET"], allow_headers=["*"]
        )
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app


def _plain(errors: Any) -> Any:
    """Validation errors as JSON can carry them (``ctx`` may hold exception objects)."""
    return [
        {key: (str(value) if key == "ctx" else value) for key, value in e.items() if key != "url"}
        for e in errors
    ]
