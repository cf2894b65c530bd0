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
from decimal import Decimal
from typing import Annotated, Any

import anyio
import orjson
from fastapi import APIRouter, Query
from sqlalchemy import Engine
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from grocer.analysis.export import (
    DEFAULT_PAGE_SIZE,
    PriceFilter,
    company_filter,
    price_pages,
    read_snapshot,
)
from grocer.api.responses import MAX_ID, Problem, bad_parameter

NDJSON = "application/x-ndjson"
PAGE_SIZE = DEFAULT_PAGE_SIZE  # rows per query and per chunk sent


def _number(value: object) -> float:
    if isinstance(value, Decimal):
        return float(value)  # money and unit prices as JSON numbers, as every endpoint
    raise TypeError(f"cannot export {type(value).__name__}")


def ndjson_pages(
    engine: Engine, where: PriceFilter, after: int = 0
) -> Generator[bytes, None, None]:
    """One chunk of JSON lines per keyset page of rows matching ``where`` with ``id > after``,
    all read inside one snapshot, which is released when the generator ends or is closed."""
    with read_snapshot(engine) as connection:
        for page in price_pages(connection, where, page_size=PAGE_SIZE, after=after):
            chunk = bytearray()
            for row in page:  # appended at once: orjson's result holds a 4 KiB buffer each
                chunk += orjson.dumps(row, default=_number, option=orjson.OPT_APPEND_NEWLINE)
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
