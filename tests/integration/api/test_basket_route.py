"""``POST /v1/basket``: the one write-method route of the read-only API checks its body (at
most 100 lines, ``radius_km`` in (0, 100], ``max_stores`` 1-3, readable lines) with a 422 that
names the field; other write methods stay 405."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

BODY: dict[str, Any] = {"lines": ["milk 2L", "bread x2"], "lat": -34.9, "lon": 138.6}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lines": ["milk"] * 101}, "lines"),
        ({"lines": []}, "lines"),
        ({"radius_km": 0}, "radius_km"),
        ({"radius_km": 100.5}, "radius_km"),
        ({"max_stores": 4}, "max_stores"),
        ({"max_stores": 0}, "max_stores"),
        ({"lat": 91}, "lat"),
        ({"lines": ["milk ~9"]}, "lines"),
        ({"lines": ["milk x0"]}, "lines"),
        ({"as_of": "yesterday"}, "as_of"),
    ],
)
def test_a_bad_body_is_a_422_naming_the_field(
    client: TestClient, change: dict[str, Any], field: str
) -> None:
    response = client.post("/v1/basket", json={**BODY, **change})
    assert response.status_code == 422, response.text
    problem = response.json()
    assert field in problem["detail"]
    assert any(error["loc"][-1] == field for error in problem["errors"])


def test_a_list_of_a_hundred_lines_is_planned(client: TestClient) -> None:
    response = client.post("/v1/basket", json={**BODY, "lines": ["milk 2L"] * 100})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert set(answer) >= {"as_of", "total", "stores", "lines", "unavailable",
                           "single_store", "saving"}  # fmt: skip
    assert len(answer["lines"]) + len(answer["unavailable"]) == 100


def test_other_write_methods_stay_refused(client: TestClient) -> None:
    assert client.put("/v1/basket", json=BODY).status_code == 405
    assert client.post("/v1/products", json=BODY).status_code == 405
    assert client.get("/v1/basket").status_code in (404, 405)
