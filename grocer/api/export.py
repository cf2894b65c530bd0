"""``GET /v1/export/prices``: stored price rows as NDJSON, streamed from one snapshot
(docs/API.md).

The rows are those of ``grocer export prices`` (:mod:`grocer.analysis.export`): keyset pages
``WHERE id > :after ORDER BY id LIMIT :n`` read on one :func:`read_snapshot` connection held
for the whole response, one page in memory at a time.  The connection is released when the
stream ends, fails or the client goes away (:class:`SnapshotStream` closes the generator).
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import date
from typing import Annotated, Any

import anyio
import orjson
from fastapi import APIRouter, Query
from sqlalchemy import Date, Engine, Float, Numeric, Select, String, cast, type_coerce
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from grocer.analysis.export import (
    DEFAULT_PAGE_SIZE,
    EXPORT_FIELDS,
    PriceFilter,
    company_filter,
    keyset_pages,
    page_statement,
    read_snapshot,
    stored_values,
)
from grocer.api.responses import MAX_ID, Problem, bad_parameter
from grocer.db.models import PRICE_STATE, Listing, Price, Store

NDJSON = "application/x-ndjson"
PAGE_SIZE = DEFAULT_PAGE_SIZE  # rows per query and per chunk sent


def _as_json(column: Any) -> Any:
    """A price column read as JSON writes it: money and unit prices as floats (numbers, as
    every endpoint gives them), days as the database hands them (SQLite's ISO text, or
    PostgreSQL's dates, which orjson writes as ISO text): no Decimal or date parsed per row."""
    if isinstance(column.type, Numeric):
        return cast(column, Float).label(column.key)
    if isinstance(column.type, Date):
        return type_coerce(column, String).label(column.key)
    return column


def json_page_statement(where: PriceFilter) -> Select[Any]:
    """:func:`page_statement`'s keyset page, its columns read for JSON (:func:`_as_json`)."""
    return page_statement(where).with_only_columns(
        Price.id, Store.company_id, Store.retailer_store_id, Listing.sku, Listing.product_id,
        *(_as_json(column) for column in PRICE_STATE),
        maintain_column_froms=True,
    )  # fmt: skip


def ndjson_pages(
    engine: Engine, where: PriceFilter, after: int = 0
) -> Generator[bytes, None, None]:
    """One chunk of JSON lines per keyset page of rows matching ``where`` with ``id > after``
    (the rows and fields of ``grocer export prices``), all read inside one snapshot, which is
    released when the generator ends or is closed."""
    statement = json_page_statement(where)
    with read_snapshot(engine) as connection:
        for page in keyset_pages(connection, statement, page_size=PAGE_SIZE, after=after):
            chunk = bytearray()
            for row in page:
                record = dict(zip(EXPORT_FIELDS, stored_values(row), strict=True))
                # appended at once: orjson's result holds a 4 KiB buffer each
                chunk += orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
            yield bytes(chunk)


class SnapshotStream(StreamingResponse):
    """A streaming response over a sync generator that closes it (in a worker thread) however
    the response ends: finished, failed, cancelled or the client gone.  Starlette alone only
    stops iterating it, which would keep the snapshot's connection until garbage collection."""

    media_type = NDJSON

    def __init__(self, lines: Generator[bytes, None, None]) -> None:
        super().__init__(lines)
        self.lines = lines

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            # Shielded: a cancelled request (client gone) still releases its connection.
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(self.lines.close)


def export_router(engine: Engine) -> APIRouter:
    """The export routes over ``engine``."""
    router = APIRouter(prefix="/v1/export", tags=["export"])

    @router.get(
        "/prices",
        response_class=SnapshotStream,
        status_code=200,
        responses={
            200: {"content": {NDJSON: {}}, "description": "one JSON object a line"},
            422: {  # JSON, not the route's NDJSON (a "model" would be filed under NDJSON)
                "description": "a bad parameter, named in detail and errors",
                "content": {"application/json": {"schema": Problem.model_json_schema()}},
            },
        },
        summary="Stored price rows as NDJSON, in price_id order, from one snapshot",
    )
    def export_price_rows(
        since: Annotated[
            date | None, Query(description="rows last seen on or after this day (YYYY-MM-DD)")
        ] = None,
        company: Annotated[
            str | None, Query(description="a company slug: coles, woolworths, aldi, iga")
        ] = None,
        after: Annotated[
            int, Query(ge=0, le=MAX_ID, description="rows with price_id above this")
        ] = 0,
    ) -> Any:
        try:
            companies = company_filter(None if company is None else [company])
        except ValueError as problem:
            return bad_parameter("company", str(problem))
        where = PriceFilter(since=since, company_ids=companies)
        return SnapshotStream(ndjson_pages(engine, where, after))

    return router
