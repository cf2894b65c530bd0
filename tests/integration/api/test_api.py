"""The API's foundation: the status object, write methods refused, bad parameters named,
metrics, CORS and the offline Swagger UI (TestClient over the samples)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from grocer.api.app import create_app
from grocer.api.status import masked
from grocer.db.engine import make_engine
from grocer.db.nodes import seen
from grocer.db.transactions import in_transaction
from tests.integration.health.factories import finished_run

STATUS_KEYS = {
    "database", "counts", "newest_price_on", "as_of", "companies", "stale", "runs", "nodes",
    "daemon", "healthy", "problems",
}  # fmt: skip
SECRET = "s3cret-pa55"


def test_status_is_the_status_object_with_the_database_and_its_counts(
    client: TestClient, samples_db: object, read_only: Engine
) -> None:
    response = client.get("/v1/status")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == STATUS_KEYS
    assert body["database"] == str(samples_db)
    assert set(body["counts"]) == {"products", "listings", "prices", "stores"}
    assert all(isinstance(n, int) and n > 0 for n in body["counts"].values())
    assert body["newest_price_on"] == "2025-09-23"
    assert body["as_of"] == "2025-09-23"
    assert {run["spider"] for run in body["runs"]} == {"ingest"}
    assert read_only.pool.checkedout() == 0  # the request's connection closed before the answer


def test_status_shows_no_password(samples_db: object, monkeypatch: pytest.MonkeyPatch) -> None:
    node = f"http://grocer:{SECRET}@node-a:6800"
    monkeypatch.setenv("GROCER_SCRAPYD_NODES", node)
    writer = make_engine(f"sqlite:///{samples_db}")
    in_transaction(
        writer,
        lambda c: seen(
            c, node, git_sha="abc", schema_revision="0001", slots=2, source_address=None,
            matches=True, now=datetime.now(UTC),
        ),
    )  # fmt: skip
    finished_run(writer, "aldi", "aldi", "G102", None, "failed", reason=f"lost {node}")
    writer.dispose()
    from grocer.db.engine import make_read_only_engine

    engine = make_read_only_engine(f"sqlite:///{samples_db}")
    with TestClient(create_app(engine)) as client:
        response = client.get("/v1/status")
    engine.dispose()
    assert response.status_code == 200
    assert [n["url"] for n in response.json()["nodes"]] == ["http://node-a:6800"]
    assert SECRET not in response.text


def test_masked_leaves_out_every_credential() -> None:
    value = {"a": [f"see postgresql://u:{SECRET}@db/x and", ("http://n:6800",)], "b": 3}
    assert masked(value) == {"a": ["see postgresql://db/x and", ["http://n:6800"]], "b": 3}


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", ["/v1/status", "/v1/products", "/v1/no/such/thing"])
def test_write_methods_get_405_with_a_json_body(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path, json={"x": 1})
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/json"
    assert response.json()["method"] == method
    assert "read-only" in response.json()["detail"]
    assert response.headers["allow"] == "GET, HEAD"


def test_an_unknown_path_is_404_json(client: TestClient) -> None:
    response = client.get("/v1/no-such-endpoint")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("limit=x", "limit"),
        ("limit=-1", "limit"),
        ("limit=501", "limit"),
        ("as_of=2025-13-01", "as_of"),
    ],
)
def test_a_bad_parameter_is_422_naming_it(client: TestClient, query: str, name: str) -> None:
    response = client.get(f"/v1/status?{query}")
    assert response.status_code == 422
    assert response.json()["detail"] == f"bad parameter: {name}"
    assert response.json()["errors"][0]["loc"] == ["query", name]


def test_a_bad_server_setting_is_503_not_a_crash(read_only: Engine) -> None:
    with TestClient(create_app(read_only, environ={"GROCER_FRESH_DAYS": "soon"})) as client:
        assert client.get("/v1/status").status_code == 503
        assert client.get("/metrics").status_code == 503


def test_metrics(client: TestClient) -> None:
    client.get("/v1/status")
    client.post("/v1/status")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    lines = set(response.text.splitlines())
    assert 'grocer_http_requests_total{method="GET",route="/v1/status",status="200"} 1.0' in lines
    assert (
        'grocer_http_requests_total{method="POST",route="/v1/{path:path}",status="405"} 1.0'
        in lines
    )
    assert (
        'grocer_http_request_duration_seconds_count{method="GET",route="/v1/status"} 1.0' in lines
    )
    assert 'grocer_runs{company="aldi",status="complete"} 4.0' in lines
    assert 'grocer_runs{company="coles",status="complete"} 1.0' in lines
    # as of 2025-09-23 (the newest complete run); IGA's newest price day is 2025-09-18
    assert 'grocer_newest_price_age_days{company="aldi"} 0.0' in lines
    assert 'grocer_newest_price_age_days{company="iga"} 5.0' in lines
    assert 'grocer_stale_stores{company="aldi"} 0.0' in lines


def test_each_app_counts_its_own_requests(read_only: Engine) -> None:
    with TestClient(create_app(read_only, environ={})) as first:
        first.get("/v1/status")
    with TestClient(create_app(read_only, environ={})) as second:
        text = second.get("/metrics").text
    assert 'route="/v1/status"' not in text


def test_cors_origins_come_from_the_setting(read_only: Engine, client: TestClient) -> None:
    origin = "https://shop.example"
    assert (
        "access-control-allow-origin"
        not in client.get("/v1/status", headers={"Origin": origin}).headers
    )
    environ = {"GROCER_CORS_ORIGINS": f"{origin}, https://other.example"}
    with TestClient(create_app(read_only, environ=environ)) as allowed:
        response = allowed.get("/v1/status", headers={"Origin": origin})
    assert response.headers["access-control-allow-origin"] == origin


def test_swagger_ui_is_served_from_the_package(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "http://" not in page.text and "https://" not in page.text
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon.png"):
        assert f"/docs/static/{name}" in page.text
        assert client.get(f"/docs/static/{name}").status_code == 200
    assert "/v1/status" in client.get("/openapi.json").json()["paths"]
