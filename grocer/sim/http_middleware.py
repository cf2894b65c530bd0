"""The middleware around every simulator request: the per-client limit (``client_rate``),
injected request faults (a ``storm`` is HTTP 429 without ``Retry-After``, for Coles its block
page), the ``Date`` header of the simulated clock and the request log (by client address).
Listing faults (``thin``, ``wrong_type``) are the retailer handlers' to apply."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Awaitable, Callable

from aiohttp import web

from grocer.sim.coles import block_response
from grocer.sim.faults import COMPANIES, STORM
from grocer.sim.webutil import STORE_ID, WRONG_STORE, dumps, json_response, state_of

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
WRONG_STORE_ENDPOINTS = {"coles.browse", "coles.browse_sub", "woolworths.browse"}


def _corrupt(body: bytes, kind: str) -> bytes:
    if kind == "truncated":
        return body[: max(1, len(body) * 3 // 5)]
    index = body.find(b'":')  # malformed: the first key/value separator becomes ';'
    if index < 0:
        return body[:-1] + b"\x00"
    return body[: index + 1] + b";" + body[index + 2 :]


@web.middleware
async def sim_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Faults, the ``Date`` header and the request log around every handler."""
    state = state_of(request)
    company = request.path.split("/", 2)[1] if request.path.count("/") >= 1 else ""
    endpoint = request.match_info.route.name or "unmatched"
    fault = None
    client = None
    if company in COMPANIES:
        client = request.remote or ""
        if not state.faults.admit(company, client):
            state.log.rate_limited(client)
            response = json_response(dumps({"message": "Too Many Requests"}), status=429)
            response.headers["Retry-After"] = "1"
            response.headers["Date"] = state.clock.http_date()
            return response
        latency = state.faults.latency(company)
        if latency:
            await asyncio.sleep(latency)
        body = await request.read() if request.can_read_body else b""
        key = f"{request.method} {request.path_qs} {zlib.crc32(body)}"
        fault = state.faults.decide(company, key)
        if fault == "wrong_store" and endpoint not in WRONG_STORE_ENDPOINTS:
            fault = None
    date_header = state.clock.http_date()
    if fault == STORM:  # uncapped, and no Retry-After to wait for
        state.log.record(endpoint, f"fault:{fault}", request.path_qs, client=client)
        if company == "coles":
            response = block_response(state)
        else:
            response = json_response(dumps({"message": "Too Many Requests"}), status=429)
        response.headers["Date"] = date_header
        return response
    if fault in ("429", "503"):
        settings = state.faults.settings[company]
        state.log.record(endpoint, f"fault:{fault}", request.path_qs, client=client)
        response = json_response(
            dumps({"message": "Too Many Requests" if fault == "429" else "Service Unavailable"}),
            status=int(fault),
        )
        response.headers["Retry-After"] = str(settings.retry_after)
        response.headers["Date"] = date_header
        return response
    if fault in ("drop", "timeout"):
        state.log.record(endpoint, f"fault:{fault}", request.path_qs, client=client)
        if fault == "timeout":
            await asyncio.sleep(state.faults.settings[company].hang)
        if request.transport is not None:
            request.transport.close()
        raise asyncio.CancelledError  # nothing is written: the client sees the connection drop
    if fault == "wrong_store":
        request[WRONG_STORE] = True
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers["Date"] = date_header
        state.log.record(endpoint, str(exc.status), request.path_qs, request.get(STORE_ID), client)
        raise
    response.headers["Date"] = date_header
    if fault in ("malformed", "truncated") and isinstance(response, web.Response):
        raw = response.body
        if isinstance(raw, bytes):
            response.body = _corrupt(raw, fault)
    outcome = f"fault:{fault}" if fault else str(response.status)
    state.log.record(endpoint, outcome, request.path_qs, request.get(STORE_ID), client)
    return response
