"""``GET /v1/compare``, ``/v1/specials`` and ``/v1/bargains``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from grocer.analysis.bargains import detect_bargains
from grocer.analysis.specials import find_specials
from grocer.db.engine import make_engine
from tests.integration.api.test_product_list import every_page

AS_OF = date(2025, 9, 23)  # the samples' last day
COMPARED_KEYS = {"id", "name", "brand", "size", "offers"}
OFFER_KEYS = {"company", "price", "unit_price", "unit", "store_id", "retailer_store_id"}
SPECIAL_KEYS = {
    "product_id", "name", "company", "sku", "store_id", "retailer_store_id", "price",
    "was_price", "since", "verdict", "claimed_discount", "real_discount", "most_common_price",
    "lowest_price", "history_days",
}  # fmt: skip
BARGAIN_KEYS = {"product_id", "name", "kind", "discount", "cheap", "dear", "computed_at"}
SIDE_KEYS = {"store_id", "retailer_store_id", "company", "price", "first_seen", "last_seen"}


def unit_rank(offer: dict[str, Any]) -> tuple[int, Decimal, Decimal]:
    if offer["unit"] is None:
        return (2, Decimal(0), Decimal(str(offer["price"])))
    kind = 0 if offer["unit"] in ("kg", "l") else 1
    return (kind, Decimal(str(offer["unit_price"])), Decimal(str(offer["price"])))


def test_compare_shows_each_companys_cheapest_offer_in_the_order_asked(
    client: TestClient,
) -> None:
    ids = [152, 26, 171]
    body = client.get("/v1/compare", params={"ids": "152,26,171,26"}).json()
    assert body["next_cursor"] is None
    assert [item["id"] for item in body["items"]] == ids
    for item in body["items"]:
        assert set(item) == COMPARED_KEYS
        offers = item["offers"]
        assert offers and all(set(o) == OFFER_KEYS for o in offers)
        assert len({o["company"] for o in offers}) == len(offers)
        assert [unit_rank(o) for o in offers] == sorted(unit_rank(o) for o in offers)
        detail = client.get(f"/v1/products/{item['id']}").json()
        for offer in offers:
            current = [
                c for listing in detail["listings"] if listing["company"] == offer["company"]
                for c in listing["current"]
            ]  # fmt: skip
            assert unit_rank(offer) == min(unit_rank(c) for c in current)


def test_compare_names_missing_products_and_bad_ids(client: TestClient) -> None:
    response = client.get("/v1/compare", params={"ids": "26,999999"})
    assert response.status_code == 404
    assert response.json()["missing"] == [999999]
    for ids in ("a", "1,,2", "0", ",".join(str(i) for i in range(1, 102))):
        response = client.get("/v1/compare", params={"ids": ids})
        assert response.status_code == 422, ids
        assert response.json()["detail"] == "bad parameter: ids"
    assert client.get("/v1/compare").status_code == 422


def test_specials_are_the_judged_specials_largest_claim_first(
    client: TestClient, samples_db: Path
) -> None:
    items = every_page(client, "/v1/specials", limit=3)
    engine = make_engine(f"sqlite:///{samples_db}")
    checks = find_specials(engine, as_of=AS_OF)
    engine.dispose()
    assert len(items) == len(checks) > 3
    assert all(set(item) == SPECIAL_KEYS for item in items)

    def seen(store: int, price: float, was: float, since: str, verdict: str) -> tuple:
        return (store, price, was, since, verdict)

    assert sorted(
        seen(i["store_id"], i["price"], i["was_price"], i["since"], i["verdict"]) for i in items
    ) == sorted(
        seen(c.store_id, float(c.price), float(c.was_price), c.first_seen.isoformat(), c.verdict)
        for c in checks
    )
    claims = [(-i["claimed_discount"], i["store_id"]) for i in items]
    assert [c[0] for c in claims] == sorted(c[0] for c in claims)
    unknown = every_page(client, "/v1/specials?verdict=unknown", limit=50)
    assert unknown and {i["verdict"] for i in unknown} == {"unknown"}
    assert every_page(client, "/v1/specials?company=aldi", limit=50) == [
        i for i in items if i["company"] == "aldi"
    ]


def test_specials_reject_bad_parameters_and_cursors(client: TestClient) -> None:
    assert client.get("/v1/specials?verdict=fake").status_code == 422
    cursor = client.get("/v1/specials", params={"limit": 1}).json()["next_cursor"]
    response = client.get("/v1/specials", params={"cursor": cursor, "verdict": "genuine"})
    assert response.status_code == 400
    assert response.json()["detail"] == "bad parameter: cursor"


def store_bargains(path: Path) -> int:
    engine = make_engine(f"sqlite:///{path}")
    run = detect_bargains(engine, as_of=AS_OF)
    engine.dispose()
    return len(run.bargains)


def test_bargains_are_the_stored_ones_largest_discount_first(
    client: TestClient, samples_db: Path
) -> None:
    assert client.get("/v1/bargains").json() == {"items": [], "next_cursor": None}
    stored = store_bargains(samples_db)
    assert stored > 2
    items = every_page(client, "/v1/bargains", limit=2)
    assert len(items) == stored
    assert all(set(i) == BARGAIN_KEYS and i["kind"] == "bargain" for i in items)
    assert all(set(i["cheap"]) == SIDE_KEYS == set(i["dear"]) for i in items)
    assert all(i["cheap"]["price"] < i["dear"]["price"] for i in items)
    keys = [(-i["discount"], i["product_id"]) for i in items]
    assert keys == sorted(keys)
    assert client.get("/v1/bargains?kind=review").json()["items"] == []


def test_a_bargain_cursor_from_before_a_new_run_is_refused(
    client: TestClient, samples_db: Path
) -> None:
    store_bargains(samples_db)
    cursor = client.get("/v1/bargains", params={"limit": 1}).json()["next_cursor"]
    assert client.get("/v1/bargains", params={"limit": 1, "cursor": cursor}).status_code == 200
    store_bargains(samples_db)  # replaces the table
    response = client.get("/v1/bargains", params={"limit": 1, "cursor": cursor})
    assert response.status_code == 400
    assert "computed again" in response.json()["errors"][0]["msg"]
