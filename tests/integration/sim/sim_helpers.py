"""HTTP helpers for the simulator tests: a tiny client, the Coles challenge, page parsers."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from grocer.retailers.common import RequestSpec
from grocer.sim.challenge import fnv1a

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sim"
NEXT_DATA = re.compile(r'<script id="__NEXT_DATA__" type="application/json">(.*?)</script>', re.S)
LD_JSON = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


class Reply:
    """A response: status, headers and body."""

    def __init__(self, status: int, headers: Any, body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def fetch(
    url: str,
    data: Any = None,
    headers: dict[str, str] | None = None,
    method: str | None = None,
    timeout: float = 20,
) -> Reply:
    """GET (or POST JSON when ``data`` is given) and return the reply, errors included."""
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Reply(response.status, response.headers, response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return Reply(exc.code, exc.headers, exc.read())


def send(spec: RequestSpec, cookies: Mapping[str, str] | None = None) -> Reply:
    """Send a parser module's RequestSpec as a spider would: its method, headers, cookies
    (plus ``cookies``, e.g. a Coles session) and JSON body."""
    jar = {**spec.cookies, **(cookies or {})}
    headers = dict(spec.headers)
    if jar:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in jar.items())
    return fetch(spec.url, data=spec.body, headers=headers, method=spec.method)


def cookie_dict(header: str) -> dict[str, str]:
    """A ``Cookie`` header as a dict."""
    pairs = (part.split("=", 1) for part in header.split(";") if "=" in part)
    return {name.strip(): value.strip() for name, value in pairs}


def fixture(name: str) -> Any:
    """A JSON fixture from tests/fixtures/sim."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def next_data(html: str) -> dict[str, Any] | None:
    """The ``__NEXT_DATA__`` JSON of a page, or None (a block page)."""
    match = NEXT_DATA.search(html)
    return json.loads(match.group(1)) if match else None


def coles_session(base: str, store: str = "401") -> str:
    """A Cookie header with a Coles session, solving the challenge as its script would."""
    page = fetch(f"{base}/coles/").text
    nonce = re.search(r'var n = "([^"]+)"', page)
    assert nonce is not None, "expected a challenge page"
    answer = f"{nonce.group(1)}.{fnv1a(nonce.group(1)):x}"
    reply = fetch(f"{base}/coles/", headers={"Cookie": f"sim_challenge={answer}"})
    cookie = reply.headers.get("Set-Cookie", "")
    token = re.search(r"reese84=([^;]+)", cookie)
    assert token is not None, "expected a session cookie"
    return f"fulfillmentStoreId={store}; reese84={token.group(1)}"


def key_paths(value: Any, prefix: str = "") -> set[str]:
    """Every key path in a JSON value (list items merged as ``[]``)."""
    paths: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "_source":
                continue
            path = f"{prefix}.{key}" if prefix else key
            paths.add(path)
            paths |= key_paths(item, path)
    elif isinstance(value, list):
        for item in value:
            paths |= key_paths(item, f"{prefix}[]")
    return paths
