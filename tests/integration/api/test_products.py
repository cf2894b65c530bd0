"""``/v1/products/{id}``, ``/v1/products/by-barcode/{gtin}``, ``/v1/products/{id}/prices``
over the samples (TestClient)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from grocer.analysis.specials import find_specials
from grocer.analysis.zones.resolver import latest_prices
from grocer.db.models import Listing, Price
from tests.integration.api.factories import BATHURST, CARINDALE, add_substitute, add_zone

PRODUCT_KEYS = {"id", "name", "brand", "size", "barcodes", "listings", "substitutes"}
LISTING_KEYS = {"company", "sku", "url", "current"}
CURRENT_KEYS = {
    "store_id",
    "retailer_store_id",
    "price",
    "was_price",
    "unit_price",
    "unit",
    "special",
    "multibuy",
}
INTERVAL_KEYS = {
    "store_id", "company", "price", "was_price", "unit_price", "unit", "is_special",
    "promo_text", "multibuy_qty", "multibuy_price", "first_seen", "last_seen", "source_store_id",
}  # fmt: skip
LEMON = 26  # Aldi "Lemon Each", priced at the four Aldi sample stores
SPECIAL = 152  # on special at Coles Firle on 2025-09-23, no earlier history
SPECIAL_GTIN = "9300657116408"


def test_a_product_with_its_listings_and_current_prices(
    client: TestClient, read_only: Engine
) -> None:
    response = client.get(f"/v1/products/{LEMON}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == PRODUCT_KEYS
    assert (body["id"], body["name"], body["size"], body["barcodes"]) == (
        LEMON, "Lemon Each", "1 each", []
    )  # fmt: skip
    [listing] = body["listings"]
    assert set(listing) == LISTING_KEYS
    assert listing["company"] == "aldi"
    assert all(set(c) == CURRENT_KEYS for c in listing["current"])
    assert {c["retailer_store_id"] for c in listing["current"]} == {"G391", "G102", "G467", "G120"}
    assert {(c["price"], c["unit_price"], c["unit"]) for c in listing["current"]} == {
        (1.29, 1.29, "ea")
    }
    assert body["substitutes"] == []
    assert read_only.pool.checkedout() == 0


def test_current_prices_are_as_of_the_day_asked(client: TestClient) -> None:
    body = client.get(f"/v1/products/{LEMON}", params={"as_of": "2025-09-10"}).json()
    [listing] = body["listings"]
    assert [(c["retailer_store_id"], c["price"]) for c in listing["current"]] == [("G102", 1.19)]
    body = client.get(f"/v1/products/{LEMON}", params={"as_of": "2020-01-01"}).json()
    assert body["listings"][0]["current"] == []


def test_a_current_special_carries_its_verdict(client: TestClient) -> None:
    body = client.get(f"/v1/products/{SPECIAL}").json()
    assert body["barcodes"] == [SPECIAL_GTIN]
    current = [c for listing in body["listings"] for c in listing["current"]]
    [special] = [c for c in current if c["special"] is not None]
    assert special["retailer_store_id"] == "COL:401"
    assert (special["price"], special["was_price"]) == (4.5, 6.6)
    assert special["special"] == {
        "verdict": "unknown", "claimed_discount": 0.3182, "real_discount": None,
        "most_common": None, "lowest": None, "history_days": 0,
    }  # fmt: skip


def test_substitutes_come_from_the_substitutions_table(
    client: TestClient, samples_db: Path
) -> None:
    add_substitute(samples_db, LEMON, 27, level=2, score=0.75)
    substitutes = client.get(f"/v1/products/{LEMON}").json()["substitutes"]
    assert len(substitutes) == 1
    assert set(substitutes[0]) == {"id", "name", "level", "score"}
    assert (substitutes[0]["id"], substitutes[0]["level"], substitutes[0]["score"]) == (
        27, 2, 0.75
    )  # fmt: skip


def test_an_unknown_product_is_404_and_a_bad_id_422(client: TestClient) -> None:
    response = client.get("/v1/products/999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "product not found"}
    for bad in ("lemon", str(2**63)):  # beyond any BIGINT: a 422, not the database's error
        response = client.get(f"/v1/products/{bad}")
        assert response.status_code == 422
        assert response.json()["detail"] == "bad parameter: product_id"
    response = client.get(f"/v1/products/{LEMON}", params={"as_of": "yesterday"})
    assert response.json()["detail"] == "bad parameter: as_of"


@pytest.mark.parametrize("gtin", [SPECIAL_GTIN, "0" + SPECIAL_GTIN])
def test_by_barcode_answers_the_product(client: TestClient, gtin: str) -> None:
    response = client.get(f"/v1/products/by-barcode/{gtin}")
    assert response.status_code == 200
    assert response.json() == client.get(f"/v1/products/{SPECIAL}").json()


@pytest.mark.parametrize("gtin", ["123", "9300657116409", "abc12"])
def test_an_invalid_barcode_is_422_naming_gtin(client: TestClient, gtin: str) -> None:
    response = client.get(f"/v1/products/by-barcode/{gtin}")
    assert response.status_code == 422
    assert response.json()["detail"] == "bad parameter: gtin"
    assert response.json()["errors"][0]["loc"] == ["path", "gtin"]


def test_an_unknown_barcode_is_404(client: TestClient) -> None:
    response = client.get("/v1/products/by-barcode/96385074")  # a valid GTIN-8
    assert response.status_code == 404
    assert response.json() == {"detail": "product not found"}


def stored(engine: Engine, product: int, store: int | None = None) -> list[tuple[object, ...]]:
    """The product's stored intervals: (store, price, first_seen, last_seen)."""
    stmt = (
        select(Price.store_id, Price.price, Price.first_seen, Price.last_seen)
        .join(Listing, Listing.id == Price.listing_id)
        .where(Listing.product_id == product)
        .order_by(Price.store_id, Price.listing_id, Price.first_seen)
    )
    if store is not None:
        stmt = stmt.where(Price.store_id == store)
    with engine.connect() as connection:
        return [
            (s, float(p), f.isoformat(), last.isoformat())
            for s, p, f, last in connection.execute(stmt)
        ]


def intervals(client: TestClient, product: int, **params: object) -> list[tuple[object, ...]]:
    response = client.get(f"/v1/products/{product}/prices", params=params)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"items", "next_cursor"} and body["next_cursor"] is None
    assert all(set(item) == INTERVAL_KEYS for item in body["items"])
    return [(i["store_id"], i["price"], i["first_seen"], i["last_seen"]) for i in body["items"]]


def test_history_items_are_the_stored_intervals(client: TestClient, read_only: Engine) -> None:
    assert intervals(client, LEMON) == stored(read_only, LEMON)
    assert len(stored(read_only, LEMON)) == 5
    assert intervals(client, LEMON, store=CARINDALE) == stored(read_only, LEMON, CARINDALE)
    item = client.get(f"/v1/products/{LEMON}/prices").json()["items"][0]
    assert (item["company"], item["is_special"], item["source_store_id"]) == (
        "aldi", False, item["store_id"]
    )  # fmt: skip


def test_history_from_and_to_keep_the_overlapping_intervals(client: TestClient) -> None:
    days = intervals(client, LEMON, store=CARINDALE)
    assert [(d[2], d[3]) for d in days] == [
        ("2025-09-09", "2025-09-12"), ("2025-09-23", "2025-09-23")
    ]  # fmt: skip
    assert intervals(client, LEMON, store=CARINDALE, **{"from": "2025-09-12"}) == days
    assert intervals(client, LEMON, store=CARINDALE, **{"from": "2025-09-13"}) == days[1:]
    assert intervals(client, LEMON, store=CARINDALE, to="2025-09-22") == days[:1]
    assert intervals(client, LEMON, **{"from": "2025-09-13", "to": "2025-09-18"}) == []


def test_a_zone_member_borrows_its_anchors_intervals(client: TestClient, samples_db: Path) -> None:
    zone = add_zone(samples_db, CARINDALE, BATHURST, since=date(2025, 9, 1))
    anchor = intervals(client, LEMON, store=CARINDALE)
    assert intervals(client, LEMON, zone=zone) == anchor
    body = client.get(f"/v1/products/{LEMON}/prices", params={"store": BATHURST}).json()
    assert [(i["source_store_id"], i["first_seen"], i["last_seen"]) for i in body["items"]] == [
        (CARINDALE, "2025-09-09", "2025-09-12"),
        (BATHURST, "2025-09-19", "2025-09-19"),
        (CARINDALE, "2025-09-23", "2025-09-23"),
    ]
    assert {i["store_id"] for i in body["items"]} == {BATHURST}


@pytest.mark.parametrize(
    ("params", "name"),
    [({"from": "2025-13-01"}, "from"), ({"to": "soon"}, "to"), ({"store": "x"}, "store"),
     ({"zone": "x"}, "zone"), ({"store": 1, "zone": 1}, "zone"), ({"store": 2**63}, "store"),
     ({"zone": 2**63}, "zone")],
)  # fmt: skip
def test_bad_history_parameters_are_422_naming_them(
    client: TestClient, params: dict[str, object], name: str
) -> None:
    response = client.get(f"/v1/products/{LEMON}/prices", params=params)
    assert response.status_code == 422
    assert response.json()["detail"] == f"bad parameter: {name}"
    assert response.json()["errors"][0]["loc"][-1] == name


@pytest.mark.parametrize(
    ("path", "what"),
    [("/v1/products/999999/prices", "product"), (f"/v1/products/{LEMON}/prices?store=999", "store"),
     (f"/v1/products/{LEMON}/prices?zone=999", "zone")],
)  # fmt: skip
def test_history_of_an_unknown_product_store_or_zone_is_404(
    client: TestClient, path: str, what: str
) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": f"{what} not found"}


def test_openapi_describes_the_product_responses(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert set(schemas["ProductDetail"]["properties"]) == PRODUCT_KEYS
    assert set(schemas["CurrentPrice"]["properties"]) == CURRENT_KEYS
    assert set(schemas["PriceInterval"]["properties"]) == INTERVAL_KEYS
    assert "/v1/products/by-barcode/{gtin}" in document["paths"]


def test_the_listing_filters_agree_with_filtering_afterwards(read_only: Engine) -> None:
    day = date(2025, 9, 23)
    with read_only.connect() as connection:
        listings = list(
            connection.execute(
                select(Listing.id).where(Listing.product_id.in_([LEMON, SPECIAL]))
            ).scalars()
        )
        every = latest_prices(connection, day, fresh_days=7)
        assert latest_prices(connection, day, fresh_days=7, listing_ids=listings) == [
            p for p in every if p.listing_id in listings
        ]
        specials = find_specials(connection, as_of=day)
        assert find_specials(connection, as_of=day, listing_ids=listings) == [
            c for c in specials if c.listing_id in listings
        ]
