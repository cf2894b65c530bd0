"""Small HTTP helpers shared by the retailer handlers (JSON bodies, app keys, categories)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from aiohttp import web

from grocer.sim.state import SimState

STATE: web.AppKey[SimState] = web.AppKey("grocer_sim_state", SimState)
STATE_NAMES = {
    "NSW": "New South Wales",
    "VIC": "Victoria",
    "QLD": "Queensland",
    "SA": "South Australia",
    "WA": "Western Australia",
    "TAS": "Tasmania",
    "ACT": "Australian Capital Territory",
    "NT": "Northern Territory",
}


def dumps(payload: Any) -> bytes:
    """Compact JSON bytes, as the retailer APIs send."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def json_response(body: bytes, status: int = 200, **headers: str) -> web.Response:
    """A JSON response from pre-rendered bytes."""
    response = web.Response(body=body, status=status, content_type="application/json")
    response.charset = "utf-8"
    for name, value in headers.items():
        response.headers[name.replace("_", "-")] = value
    return response


def html_response(body: bytes, status: int = 200) -> web.Response:
    """An HTML response from pre-rendered bytes."""
    response = web.Response(body=body, status=status, content_type="text/html")
    response.charset = "utf-8"
    return response


def state_of(request: web.Request) -> SimState:
    """The simulator state of the app serving ``request``."""
    return request.app[STATE]


def int_param(value: str | None, default: int, low: int = 0, high: int = 10**9) -> int:
    """Parse an integer query parameter; invalid values raise HTTP 400."""
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError as exc:
        raise web.HTTPBadRequest(text=f"invalid integer: {value!r}") from exc
    return max(low, min(high, number))


_SUBTREES: dict[tuple[int, str, str, str], list[str] | None] = {}


def subtree_leaves(
    nodes: list[dict[str, Any]], children_key: str, id_key: str, wanted: str
) -> list[str] | None:
    """Leaf ids under (or equal to) the node ``wanted``, in tree order; None if absent."""
    key = (id(nodes), children_key, id_key, wanted)
    if key not in _SUBTREES:
        if len(_SUBTREES) > 20_000:
            _SUBTREES.clear()
        _SUBTREES[key] = _subtree_leaves(nodes, children_key, id_key, wanted)
    return _SUBTREES[key]


def _subtree_leaves(
    nodes: list[dict[str, Any]], children_key: str, id_key: str, wanted: str
) -> list[str] | None:
    for node in _walk(nodes, children_key):
        if str(node.get(id_key)) == wanted:
            return [
                str(leaf[id_key])
                for leaf in _walk([node], children_key)
                if not leaf.get(children_key)
            ]
    return None


def _walk(nodes: list[dict[str, Any]], children_key: str) -> Iterator[dict[str, Any]]:
    for node in nodes:
        yield node
        yield from _walk(node.get(children_key) or [], children_key)


def tree_paths(
    nodes: list[dict[str, Any]], children_key: str, id_key: str
) -> dict[str, list[dict[str, Any]]]:
    """Node id -> the list of nodes from the root down to it."""
    paths: dict[str, list[dict[str, Any]]] = {}

    def walk(items: list[dict[str, Any]], trail: list[dict[str, Any]]) -> None:
        for node in items:
            here = [*trail, node]
            paths.setdefault(str(node[id_key]), here)
            walk(node.get(children_key) or [], here)

    walk(nodes, [])
    return paths


STORE_ID: web.RequestKey[str] = web.RequestKey("grocer_sim_store", str)
WRONG_STORE: web.RequestKey[bool] = web.RequestKey("grocer_sim_wrong_store", bool)
