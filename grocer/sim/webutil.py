"""Small HTTP helpers shared by the retailer handlers (JSON bodies, app keys, categories)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
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
    """Compact UTF-8 JSON bytes, as the retailer APIs send (orjson: no spaces, no ASCII
    escaping, the same text ``json.dumps(separators=(",", ":"), ensure_ascii=False)`` gives
    for the simulator's payloads)."""
    return orjson.dumps(payload)


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


class TreeIndex:
    """One category tree, indexed once: each node's path from the root and the leaf ids
    under it (itself, for a leaf), in tree order."""

    def __init__(self, nodes: list[dict[str, Any]], children_key: str, id_key: str) -> None:
        self.nodes = nodes
        self.paths: dict[str, list[dict[str, Any]]] = {}
        self.leaves: dict[str, list[str]] = {}

        def walk(items: list[dict[str, Any]], trail: list[dict[str, Any]]) -> list[str]:
            found: list[str] = []
            for node in items:
                here = [*trail, node]
                node_id = str(node[id_key])
                self.paths.setdefault(node_id, here)
                children = node.get(children_key) or []
                below = walk(children, here) if children else [node_id]
                self.leaves.setdefault(node_id, below)
                found.extend(below)
            return found

        walk(nodes, [])

    def subtree_leaves(self, wanted: str) -> list[str] | None:
        """Leaf ids under (or equal to) the node ``wanted``, in tree order; None if absent."""
        return self.leaves.get(wanted)


def subtree_leaves(
    nodes: list[dict[str, Any]], children_key: str, id_key: str, wanted: str
) -> list[str] | None:
    """Leaf ids under (or equal to) the node ``wanted``, in tree order; None if absent."""
    return TreeIndex(nodes, children_key, id_key).subtree_leaves(wanted)


def walk_tree(nodes: list[dict[str, Any]], children_key: str) -> Iterator[dict[str, Any]]:
    """Every node of a tree, depth first."""
    for node in nodes:
        yield node
        yield from walk_tree(node.get(children_key) or [], children_key)


def tree_paths(
    nodes: list[dict[str, Any]], children_key: str, id_key: str
) -> dict[str, list[dict[str, Any]]]:
    """Node id -> the list of nodes from the root down to it."""
    return TreeIndex(nodes, children_key, id_key).paths


STORE_ID: web.RequestKey[str] = web.RequestKey("grocer_sim_store", str)
WRONG_STORE: web.RequestKey[bool] = web.RequestKey("grocer_sim_wrong_store", bool)
