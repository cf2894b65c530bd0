"""The simulator's control and ground-truth endpoints under ``/_sim/`` (``health``, ``clock``,
``truth``, ``zones``, ``planted``, ``identity``, ``requests``, ``faults``, ``stores``,
``coles/expire-sessions``)."""

from __future__ import annotations

from datetime import date

from aiohttp import web

from grocer.sim.truth import identity, planted_cases, store_truth, zones
from grocer.sim.webutil import dumps, json_response, state_of


def _date_param(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise web.HTTPBadRequest(text=f"invalid date: {text!r}") from exc


async def health(request: web.Request) -> web.Response:
    """GET /_sim/health."""
    state = state_of(request)
    return json_response(dumps({"ok": True, "date": state.today().isoformat()}))


async def clock_view(request: web.Request) -> web.Response:
    """GET /_sim/clock; POST it ``{"date": "2025-09-20", "advance_days": 1, "day_seconds": 5}``."""
    state = state_of(request)
    if request.method == "POST":
        body = await request.json()
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="expected a JSON object")
        day = _date_param(body.get("date"))
        if day is not None or "day_seconds" in body:
            speed = body["day_seconds"] if "day_seconds" in body else False
            state.clock.set(day or state.today(), speed)
        if body.get("advance_days"):
            state.clock.advance(int(body["advance_days"]))
    return json_response(
        dumps({"date": state.today().isoformat(), "day_seconds": state.clock.day_seconds})
    )


async def truth_view(request: web.Request) -> web.Response:
    """GET /_sim/truth?company=aldi&store=G102&date=2025-09-19."""
    state = state_of(request)
    q = request.query
    try:
        payload = store_truth(
            state, q.get("company", ""), q.get("store", ""), _date_param(q.get("date"))
        )
    except KeyError as exc:
        raise web.HTTPNotFound(text=str(exc)) from exc
    return json_response(dumps(payload))


async def zones_view(request: web.Request) -> web.Response:
    """GET /_sim/zones[?company=coles]."""
    return json_response(dumps(zones(state_of(request), request.query.get("company"))))


async def planted_view(request: web.Request) -> web.Response:
    """GET /_sim/planted."""
    return json_response(dumps({"cases": planted_cases(state_of(request))}))


async def identity_view(request: web.Request) -> web.Response:
    """GET /_sim/identity: which products are one, planted substitutes and decoys."""
    return json_response(dumps(identity(state_of(request))))


async def requests_view(request: web.Request) -> web.Response:
    """GET /_sim/requests; DELETE it to reset the counters."""
    state = state_of(request)
    if request.method == "DELETE":
        state.log.reset()
    return json_response(dumps(state.log.snapshot()))


async def faults_view(request: web.Request) -> web.Response:
    """GET /_sim/faults; POST ``{"spec": "aldi:429=0.05,latency=20ms"}`` (or a dict) to set."""
    state = state_of(request)
    if request.method == "POST":
        body = await request.json()
        spec = body.get("spec") if isinstance(body, dict) and "spec" in body else body
        try:
            state.faults.configure(spec)
        except ValueError as exc:
            raise web.HTTPBadRequest(text=str(exc)) from exc
    return json_response(dumps(state.faults.as_dict()))


async def stores_view(request: web.Request) -> web.Response:
    """GET /_sim/stores?company=aldi[&crawlable=1]: store ids, zones and crawlability."""
    state = state_of(request)
    company = request.query.get("company", "")
    if company not in state.stores.stores:
        raise web.HTTPNotFound(text=f"unknown company {company!r}")
    only = request.query.get("crawlable") in ("1", "true")
    stores = [
        {
            "store_id": s.store_id,
            "name": s.name,
            "state": s.state,
            "banner": s.banner,
            "crawlable": s.crawlable,
            "zone": s.zone,
            "retailer_store_id": s.tag,
        }
        for s in state.stores.stores[company]
        if s.crawlable or not only
    ]
    return json_response(dumps({"company": company, "stores": stores}))


async def expire_sessions(request: web.Request) -> web.Response:
    """POST /_sim/coles/expire-sessions: end every Coles session."""
    state_of(request).guard.expire_all()
    return json_response(dumps({"ok": True}))


def routes() -> list[web.RouteDef]:
    """The control routes (under the ``/_sim`` prefix)."""
    return [
        web.get("/_sim/health", health, name="sim.health"),
        web.get("/_sim/clock", clock_view, name="sim.clock"),
        web.post("/_sim/clock", clock_view, name="sim.clock_set"),
        web.get("/_sim/truth", truth_view, name="sim.truth"),
        web.get("/_sim/zones", zones_view, name="sim.zones"),
        web.get("/_sim/planted", planted_view, name="sim.planted"),
        web.get("/_sim/identity", identity_view, name="sim.identity"),
        web.get("/_sim/requests", requests_view, name="sim.requests"),
        web.delete("/_sim/requests", requests_view, name="sim.requests_reset"),
        web.get("/_sim/faults", faults_view, name="sim.faults"),
        web.post("/_sim/faults", faults_view, name="sim.faults_set"),
        web.get("/_sim/stores", stores_view, name="sim.stores"),
        web.post("/_sim/coles/expire-sessions", expire_sessions, name="sim.expire"),
    ]
