"""``/v1/stores`` (nearest first) and ``/v1/stores/{id}`` over the samples (TestClient); the
samples have no coordinates, so the tests give some stores theirs, or import the corpus store
master."""

from __future__ import annotations

import gzip
import json
import math
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from grocer.db.engine import make_engine
from grocer.geo import distance_km
from grocer.store_import import import_store_master
from tests.integration.api.factories import BATHURST, CARINDALE, add_zone, place_stores
from tests.prerequisites import require_corpus

ITEM_KEYS = {"id", "company", "retailer_store_id", "name", "distance_km"}
STORE_KEYS = (ITEM_KEYS - {"distance_km"}) | {
    "address", "suburb", "state", "postcode", "latitude", "longitude", "zone",
    "anchor_store_id", "newest_price_on",
}  # fmt: skip
SYDNEY = (-33.8688, 151.2093)
PLACES = {
    3: (-33.8772, 151.2417),  # Edgecliff, ~3 km from Sydney's centre
    1: (-33.4193, 149.5775),  # Bathurst, ~160 km
    5: (-34.9214, 138.6644),  # Coles Firle (Adelaide), ~1,160 km
    6: (-33.8600, 151.2000),  # IGA, placed ~1.3 km away for the test
}


@pytest.fixture
def placed(samples_db: Path) -> None:
    place_stores(samples_db, PLACES)


def stores(client: TestClient, **params: object) -> list[dict[str, object]]:
    response = client.get("/v1/stores", params=params)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"items", "next_cursor"} and body["next_cursor"] is None
    assert all(set(item) == ITEM_KEYS for item in body["items"])
    return body["items"]


def test_without_a_point_every_store_by_id(client: TestClient) -> None:
    items = stores(client)
    assert [i["id"] for i in items] == [1, 2, 3, 4, 5, 6]
    assert items[1] == {
        "id": 2, "company": "aldi", "retailer_store_id": "G102", "name": "Carindale",
        "distance_km": None,
    }  # fmt: skip
    assert [i["id"] for i in stores(client, limit=2)] == [1, 2]
    assert [i["id"] for i in stores(client, company="coles")] == [5]


@pytest.mark.usefixtures("placed")
def test_nearest_first_within_the_radius(client: TestClient) -> None:
    lat, lon = SYDNEY
    items = stores(client, lat=lat, lon=lon)
    assert [i["id"] for i in items] == [6, 3, 1, 5]  # stores without coordinates left out
    distances = [i["distance_km"] for i in items]
    assert distances == sorted(distances)
    assert distances[1] == pytest.approx(distance_km(lat, lon, *PLACES[3]), abs=0.001)
    assert 2.5 < distances[1] < 4 and 150 < distances[2] < 175
    assert [i["id"] for i in stores(client, lat=lat, lon=lon, radius_km=100)] == [6, 3]
    assert [i["id"] for i in stores(client, lat=lat, lon=lon, radius_km=2)] == [6]
    assert [i["id"] for i in stores(client, lat=lat, lon=lon, company="aldi")] == [3, 1]
    assert [i["id"] for i in stores(client, lat=lat, lon=lon, limit=1)] == [6]


def chord_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance from the chord between the two points (not grocer's formula)."""
    points = []
    for lat, lon in ((lat1, lon1), (lat2, lon2)):
        phi, lam = math.radians(lat), math.radians(lon)
        points.append((math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)))
    return 2 * 6371.0088 * math.asin(math.dist(*points) / 2)


def test_nearest_stores_of_the_store_master(samples_db: Path, client: TestClient) -> None:
    master = require_corpus() / "stores" / "companies.store.json.gz"
    engine = make_engine(f"sqlite:///{samples_db}")
    import_store_master(engine, master)
    engine.dispose()
    lat, lon, radius = -33.8688, 151.2093, 8.0  # Sydney's centre
    with gzip.open(master) as file:
        records = [r["fields"] for r in json.load(file)]
    expected: dict[tuple[int, str], float] = {}  # per (company, store id): its distance
    for fields in records:
        if fields["latitude"] and fields["longitude"]:
            km = chord_km(lat, lon, float(fields["latitude"]), float(fields["longitude"]))
            if km <= radius:
                expected[(fields["company"], fields["store_id"].upper())] = km
    assert 20 < len(expected) < 500
    items = stores(client, lat=lat, lon=lon, radius_km=radius, limit=500)
    got = [item["distance_km"] for item in items]
    assert got == sorted(got)
    assert got == pytest.approx(sorted(expected.values()), abs=0.002)
    for company in ("coles", "woolworths", "aldi", "iga"):
        alone = stores(client, lat=lat, lon=lon, radius_km=radius, limit=500, company=company)
        assert alone == [item for item in items if item["company"] == company]


def test_haversine_distance() -> None:
    assert distance_km(0, 0, 0, 1) == pytest.approx(111.195, abs=0.01)
    assert distance_km(*SYDNEY, *SYDNEY) == 0


@pytest.mark.parametrize(
    ("params", "name"),
    [({"lat": 90.5, "lon": 0}, "lat"), ({"lat": 0, "lon": -180.5}, "lon"),
     ({"lat": "north", "lon": 0}, "lat"), ({"lat": 0, "lon": 0, "radius_km": 0}, "radius_km"),
     ({"lat": 0, "lon": 0, "radius_km": 100.5}, "radius_km"), ({"company": "kmart"}, "company"),
     ({"limit": 0}, "limit"), ({"limit": 501}, "limit"), ({"lat": 0}, "lon"), ({"lon": 0}, "lat"),
     ({"radius_km": 5}, "radius_km")],
)  # fmt: skip
def test_bad_parameters_are_422_naming_them(
    client: TestClient, params: dict[str, object], name: str
) -> None:
    response = client.get("/v1/stores", params=params)
    assert response.status_code == 422
    assert response.json()["detail"] == f"bad parameter: {name}"
    assert response.json()["errors"][0]["loc"][-1] == name


def test_a_store_with_its_newest_price_day(client: TestClient) -> None:
    response = client.get(f"/v1/stores/{BATHURST}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == STORE_KEYS
    assert (body["retailer_store_id"], body["company"]) == ("G391", "aldi")
    assert (body["zone"], body["anchor_store_id"], body["newest_price_on"]) == (
        None, None, "2025-09-19"
    )  # fmt: skip


def test_a_zone_member_shows_its_zone_anchor_and_the_anchors_newest_day(
    client: TestClient, samples_db: Path
) -> None:
    zone = add_zone(samples_db, CARINDALE, BATHURST, since=date(2025, 9, 1))
    body = client.get(f"/v1/stores/{BATHURST}").json()
    assert (body["zone"], body["anchor_store_id"], body["newest_price_on"]) == (
        zone, CARINDALE, "2025-09-23"
    )  # fmt: skip
    anchor = client.get(f"/v1/stores/{CARINDALE}").json()
    assert (anchor["zone"], anchor["anchor_store_id"]) == (zone, CARINDALE)


def test_an_unknown_store_is_404_and_a_bad_id_422(client: TestClient) -> None:
    response = client.get("/v1/stores/999")
    assert response.status_code == 404
    assert response.json() == {"detail": "store not found"}
    assert client.get("/v1/stores/x").json()["detail"] == "bad parameter: store_id"


@pytest.mark.parametrize(
    "path", ["/v1/stores", "/v1/stores/1", "/v1/products/26", "/v1/products/26/prices"]
)
def test_the_new_routes_refuse_writes(client: TestClient, path: str) -> None:
    response = client.post(path, json={})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert "read-only" in response.json()["detail"]
