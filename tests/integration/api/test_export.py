"""``GET /v1/export/prices`` over the samples (TestClient): NDJSON lines of the export's fields,
keyset order, filters equal to the library export's, one snapshot for the whole stream and its
connection released however the stream ends."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select, update
from starlette.requests import ClientDisconnect

import grocer.api.export
from grocer.analysis.export import (
    EXPORT_FIELDS,
    PriceFilter,
    company_filter,
    export_prices,
    parse_row,
)
from grocer.api.app import create_app
from grocer.db.engine import make_engine
from grocer.db.models import Price

URL = "/v1/export/prices"
SAMPLE_ROWS = 899  # price rows of grocer/data/samples once ingested


def records(client: TestClient, **params: object) -> list[dict[str, Any]]:
    response = client.get(URL, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == "application/x-ndjson"
    lines = response.text.splitlines()
    assert response.text == "".join(f"{line}\n" for line in lines)  # every line ends in \n
    found = [orjson.loads(line) for line in lines]
    assert all(tuple(record) == EXPORT_FIELDS for record in found)
    ids = [record["price_id"] for record in found]
    assert all(a < b for a, b in zip(ids, ids[1:], strict=False))  # strictly increasing
    return found


def library(engine: Engine, where: PriceFilter, after: int = 0) -> list[dict[str, Any]]:
    """What the library export gives for the same filter, as :func:`parse_row` types it."""
    return [
        {name: getattr(row, name) for name in EXPORT_FIELDS}
        for row in export_prices(engine, where)
        if row.price_id > after
    ]


def test_every_row_as_a_json_object_of_the_export_fields(client: TestClient) -> None:
    found = records(client)
    assert len(found) == SAMPLE_ROWS
    first = found[0]
    assert isinstance(first["price"], float)  # money is a JSON number, never text
    assert isinstance(first["is_special"], bool) and isinstance(first["product_id"], int)
    assert date.fromisoformat(first["first_seen"]) <= date.fromisoformat(first["last_seen"])
    assert {r["company"] for r in found} == {"aldi", "coles", "iga"}  # no woolworths sample
    assert any(isinstance(r["unit_price"], float) for r in found)


@pytest.mark.parametrize(
    "params",
    [{}, {"company": "aldi"}, {"since": "2025-09-19"}, {"company": "iga", "since": "2025-09-18"},
     {"after": 300}, {"after": 300, "company": "coles"}, {"company": "Coles"}],
)  # fmt: skip
def test_the_lines_are_the_library_exports_rows(
    client: TestClient, read_only: Engine, params: dict[str, Any]
) -> None:
    where = PriceFilter(
        since=date.fromisoformat(params["since"]) if "since" in params else None,
        company_ids=company_filter([params["company"]]) if "company" in params else None,
    )
    expected = library(read_only, where, params.get("after", 0))
    assert expected  # every case has rows
    assert [parse_row("jsonl", r) for r in records(client, **params)] == expected


def test_filters_keep_what_they_name(client: TestClient) -> None:
    every = records(client)
    aldi = records(client, company="aldi")
    assert 0 < len(aldi) < len(every)
    assert aldi == [r for r in every if r["company"] == "aldi"]
    since = records(client, since="2025-09-19")
    assert 0 < len(since) < len(every)
    assert since == [r for r in every if r["last_seen"] >= "2025-09-19"]
    after = every[99]["price_id"]
    assert records(client, after=after) == every[100:]
    assert records(client, after=every[-1]["price_id"]) == []
    assert records(client, company="coles", since="2030-01-01") == []


def test_small_pages_give_the_same_lines(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = client.get(URL, params={"company": "aldi"}).text
    monkeypatch.setattr(grocer.api.export, "PAGE_SIZE", 7)
    assert client.get(URL, params={"company": "aldi"}).text == whole


@pytest.mark.parametrize(
    ("params", "name"),
    [({"company": "lidl"}, "company"), ({"company": ""}, "company"), ({"since": "yesterday"}, "since"),
     ({"since": "2025-13-01"}, "since"), ({"after": -1}, "after"), ({"after": "x"}, "after"),
     ({"after": 2**63}, "after")],
)  # fmt: skip
def test_bad_parameters_are_422_naming_them(
    client: TestClient, params: dict[str, object], name: str
) -> None:
    response = client.get(URL, params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/json"
    assert response.json()["detail"] == f"bad parameter: {name}"
    assert response.json()["errors"][0]["loc"][-1] == name


def test_rows_written_while_streaming_are_not_in_the_stream(
    client: TestClient, samples_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(grocer.api.export, "PAGE_SIZE", 2)  # ~450 queries after the write
    writer = make_engine(f"sqlite:///{samples_db}")
    with writer.connect() as connection:
        newest = connection.execute(select(Price.__table__).order_by(Price.id.desc())).first()
    assert newest is not None
    copy = {name: value for name, value in newest._asdict().items() if name != "id"}
    with client.stream("GET", URL) as response:
        lines = response.iter_lines()
        streamed = [orjson.loads(next(lines))]
        with writer.begin() as connection:  # another connection commits meanwhile
            later = newest.last_seen + timedelta(days=30)
            connection.execute(
                insert(Price).values({**copy, "first_seen": later, "last_seen": later})
            )
            connection.execute(
                update(Price).where(Price.id == newest.id).values(price=Decimal("999.99"))
            )
        streamed += [orjson.loads(line) for line in lines]
    writer.dispose()
    assert len(streamed) == SAMPLE_ROWS  # not the inserted row
    assert streamed[-1]["price_id"] == newest.id
    assert streamed[-1]["price"] == float(newest.price)  # as it was when the stream began
    after = records(client, after=newest.id - 1)  # a new request sees both writes
    assert [(r["price_id"] > newest.id, r["price"]) for r in after] == [
        (False, 999.99), (True, float(newest.price)),
    ]  # fmt: skip


def test_the_connection_is_held_while_streaming_and_released_at_the_end(
    client: TestClient, read_only: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(grocer.api.export, "PAGE_SIZE", 2)
    with client.stream("GET", URL) as response:
        lines = response.iter_lines()
        next(lines)
        assert read_only.pool.checkedout() == 1  # the snapshot's
        assert sum(1 for _ in lines) == SAMPLE_ROWS - 1
    assert read_only.pool.checkedout() == 0


def test_a_client_leaving_early_releases_the_connection(
    client: TestClient, read_only: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(grocer.api.export, "PAGE_SIZE", 2)
    with client.stream("GET", URL) as response:  # ASGI 2.0: the response is cancelled
        lines = response.iter_lines()
        next(lines)
        assert read_only.pool.checkedout() == 1
    assert read_only.pool.checkedout() == 0
    assert len(records(client)) == SAMPLE_ROWS  # the pool still serves


def test_a_failed_send_releases_the_connection(
    read_only: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ASGI 2.4: a server tells the application the client left by send raising OSError.
    monkeypatch.setattr(grocer.api.export, "PAGE_SIZE", 2)
    app = create_app(read_only, environ={})
    scope = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
        "method": "GET", "scheme": "http", "path": URL, "raw_path": URL.encode(),
        "query_string": b"", "root_path": "", "headers": [], "client": ("test", 1),
        "server": ("test", 80),
    }  # fmt: skip
    sent: list[dict[str, Any]] = []
    held: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if len(sent) == 2:  # the start and a first page went out
            held.append(read_only.pool.checkedout())
            raise OSError("connection reset")
        sent.append(message)

    async def call() -> None:
        with pytest.raises(ClientDisconnect):
            await app(scope, receive, send)

    anyio.run(call)
    assert sent[0]["status"] == 200 and sent[1]["body"].count(b"\n") == 2
    assert held == [1]
    assert read_only.pool.checkedout() == 0


def test_the_export_refuses_writes(client: TestClient) -> None:
    assert client.post(URL, json={}).status_code == 405


def test_openapi_describes_the_ndjson_route(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"][URL]["get"]
    assert set(operation["responses"]["200"]["content"]) >= {"application/x-ndjson"}
    assert [p["name"] for p in operation["parameters"]] == ["since", "company", "after"]
    problem = operation["responses"]["422"]["content"]["application/json"]["schema"]
    assert set(problem["properties"]) == {"detail", "errors"}  # as bad_parameter answers
    assert set(operation["responses"]["422"]["content"]) == {"application/json"}
