"""``GET /v1/products``: search, filters, the sort rules and as-of cursor pages."""

from __future__ import annotations

import gzip
import json
import time
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from grocer.api import current_prices
from grocer.db.engine import make_engine
from grocer.db.models import Category, Listing, Product
from grocer.ingest.runner import ingest_files
from tests.conftest import SAMPLES

ITEM_KEYS = {"id", "name", "brand", "size", "unit_price", "unit", "price", "company"}


def with_query(url: str, **params: Any) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"


def every_page(client: TestClient, url: str, limit: int = 7) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    body = client.get(with_query(url, limit=limit)).json()
    items += body["items"]
    while body["next_cursor"]:
        response = client.get(with_query(url, limit=limit, cursor=body["next_cursor"]))
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
    return items


def unit_key(item: dict[str, Any]) -> tuple[int, Decimal, int]:
    if item["unit"] is None:
        return (2, Decimal(0), item["id"])
    return (0 if item["unit"] in ("kg", "l") else 1, Decimal(str(item["unit_price"])), item["id"])


def listed_products(path: Path) -> set[int]:
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        ids = set(connection.execute(select(Listing.product_id).distinct()).scalars())
    engine.dispose()
    return ids


def test_items_have_the_pinned_keys(client: TestClient) -> None:
    body = client.get("/v1/products", params={"limit": 3}).json()
    assert set(body) == {"items", "next_cursor"}
    assert len(body["items"]) == 3
    for item in body["items"]:
        assert set(item) == ITEM_KEYS
        assert isinstance(item["id"], int)
        assert item["price"] is None or isinstance(item["price"], float)


def test_unit_price_sort_walks_every_product_once_in_order(
    client: TestClient, samples_db: Path
) -> None:
    items = every_page(client, "/v1/products?sort=unit_price")
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids))
    assert set(ids) == listed_products(samples_db)
    keys = [unit_key(item) for item in items]
    assert keys == sorted(keys)
    units = [item["unit"] for item in items]
    # per kg and per l mixed by the number, then per each, then none
    assert units.index("ea") > max(i for i, u in enumerate(units) if u in ("kg", "l"))
    assert units[-1] is None or units[-1] == "ea"


def test_price_sort_puts_nulls_last_and_name_sort_orders_names(client: TestClient) -> None:
    by_price = every_page(client, "/v1/products?sort=price", limit=50)
    keys = [(i["price"] is None, i["price"] or 0, i["id"]) for i in by_price]
    assert keys == sorted(keys)
    by_name = every_page(client, "/v1/products", limit=50)
    assert [(i["name"], i["id"]) for i in by_name] == sorted((i["name"], i["id"]) for i in by_name)
    assert {i["id"] for i in by_name} == {i["id"] for i in by_price}


def test_an_item_shows_the_cheapest_unit_price_of_its_listings(client: TestClient) -> None:
    items = client.get("/v1/products", params={"q": "milk", "limit": 20}).json()["items"]
    assert items
    for item in items:
        detail = client.get(f"/v1/products/{item['id']}").json()
        offers = [
            (listing["company"], current)
            for listing in detail["listings"]
            for current in listing["current"]
        ]
        priced = [(c, o) for c, o in offers if o["unit_price"] is not None]
        if priced:
            cheapest = min(unit_key({"id": 0, **o})[:2] for _c, o in priced)
            assert unit_key(item)[:2] == cheapest
            assert (item["company"], item["price"]) in {
                (c, o["price"]) for c, o in priced if unit_key({"id": 0, **o})[:2] == cheapest
            }
        elif offers:
            assert item["unit_price"] is None and item["unit"] is None
            assert item["price"] == min(o["price"] for _c, o in offers)
        else:
            assert [item[k] for k in ("unit_price", "unit", "price", "company")] == [None] * 4


def test_search_matches_word_prefixes_of_name_or_brand(client: TestClient) -> None:
    items = every_page(client, "/v1/products?q=choc")
    assert items
    for item in items:
        words = f"{item['name']} {item['brand'] or ''}".lower().replace("-", " ").split()
        assert any(word.startswith("choc") for word in words), item
    assert every_page(client, "/v1/products?q=zzzqqq") == []


def test_company_filter_describes_that_company_only(client: TestClient) -> None:
    items = every_page(client, "/v1/products?company=iga&sort=price", limit=100)
    assert items
    assert {i["company"] for i in items} <= {"iga", None}
    for item in items[:5]:
        detail = client.get(f"/v1/products/{item['id']}").json()
        assert "iga" in {listing["company"] for listing in detail["listings"]}


def test_category_filter_takes_the_category_and_below(client: TestClient, samples_db: Path) -> None:
    engine = make_engine(f"sqlite:///{samples_db}")
    with engine.begin() as connection:
        leaf = connection.execute(
            select(Category.path, Category.company_id)
            .where(Category.depth == 3)
            .order_by(Category.id)
        ).first()
        assert leaf is not None
        parent_path = leaf.path.rsplit(" > ", 1)[0]
        parent = connection.execute(
            insert(Category)
            .values(
                company_id=leaf.company_id,
                path=parent_path,
                name=parent_path.rsplit(" > ", 1)[-1],
                depth=2,
            )
            .returning(Category.id)
        ).scalar_one()
        below = select(Category.id).where(
            Category.company_id == leaf.company_id, Category.path.startswith(parent_path + " > ")
        )
        expected = set(
            connection.execute(
                select(Listing.product_id).where(Listing.category_id.in_(below))
            ).scalars()
        )
    engine.dispose()
    assert expected
    items = every_page(client, f"/v1/products?category={parent}", limit=100)
    assert {item["id"] for item in items} == expected


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("sort=cheapest", "sort"),
        ("company=lidl", "company"),
        ("category=999999", "category"),
        ("as_of=yesterday", "as_of"),
    ],
)
def test_a_bad_parameter_gets_422_naming_it(client: TestClient, query: str, name: str) -> None:
    response = client.get(f"/v1/products?{query}")
    assert response.status_code == 422
    assert name in response.json()["detail"]


def test_an_altered_or_foreign_cursor_gets_400(client: TestClient) -> None:
    cursor = client.get("/v1/products", params={"limit": 2}).json()["next_cursor"]
    tampered = cursor[:-3] + ("AAA" if cursor[-3:] != "AAA" else "BBB")
    for params in (
        {"cursor": tampered},
        {"cursor": "not-a-cursor"},
        {"cursor": cursor, "q": "milk"},  # another query's
        {"cursor": cursor, "sort": "price"},
    ):
        response = client.get("/v1/products", params={"limit": 2, **params})
        assert response.status_code == 400, params
        assert response.json()["detail"] == "bad parameter: cursor"


def write_records(path: Path, records: list[dict[str, Any]]) -> Path:
    with gzip.open(path, "wt") as stream:
        for record in records:
            stream.write(json.dumps(record) + "\n")
    return path


def next_day_records(tmp_path: Path) -> tuple[Path, str, str]:
    """Aldi Carindale a day after the samples' last day: every product as before but one,
    cheaper by half, and one product never seen."""
    source = SAMPLES / "aldi-carindale-g102-2025-09-23.jsonl.gz"
    records = [json.loads(line) for line in gzip.open(source, "rt")]
    for record in records:
        record["product"]["scraped_date"] = record["metadata"]["scraped_date"] = "2025-09-24"
    cheaper = records[0]["product"]
    cheaper["price_current"] = round(cheaper["price_current"] / 2, 2)
    cheaper["per_unit_price_value"] = None
    cheaper["unit_price"] = None
    added = json.loads(json.dumps(records[1]))
    added["product"].update(
        sku="000000000000999001",
        name="Zesty Lemon Sorbet 1L",
        normalized_name="zesty lemon sorbet 1l",
        url="https://www.aldi.com.au/product/zesty-lemon-sorbet-000000000000999001",
    )
    path = write_records(tmp_path / "aldi-carindale-g102-2025-09-24.jsonl.gz", [*records, added])
    return path, cheaper["name"], "Zesty Lemon Sorbet 1L"


@pytest.fixture
def index_built_in_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every index build inside the request finding it stale, however slow this machine (a
    build over a second otherwise runs in the background while the old index answers)."""
    monkeypatch.setattr(current_prices, "SYNC_BUILD_SECONDS", float("inf"))


@pytest.mark.usefixtures("index_built_in_request")
@pytest.mark.parametrize("rebuild_between", [False, True], ids=["index", "from-prices"])
def test_cursor_pages_keep_their_snapshot_while_an_ingest_writes(
    client: TestClient, samples_db: Path, tmp_path: Path, rebuild_between: bool
) -> None:
    url = "/v1/products?sort=unit_price"
    before = every_page(client, url, limit=25)
    first = client.get(with_query(url, limit=25)).json()
    path, cheaper_name, added_name = next_day_records(tmp_path)
    writer = make_engine(f"sqlite:///{samples_db}")
    report = ingest_files(writer, [path])
    writer.dispose()
    assert report.errors == []
    if rebuild_between:  # a first page after the ingest builds the index again
        fresh = every_page(client, url, limit=500)
        assert added_name in {item["name"] for item in fresh}
    items, cursor = list(first["items"]), first["next_cursor"]
    while cursor:
        body = client.get(with_query(url, limit=25, cursor=cursor)).json()
        items += body["items"]
        cursor = body["next_cursor"]
    assert items == before  # no product twice or missing, none added, prices of the snapshot
    assert added_name not in {item["name"] for item in items}
    assert cheaper_name in {item["name"] for item in items}


@pytest.mark.usefixtures("index_built_in_request")
def test_a_first_page_after_an_ingest_shows_the_new_prices(
    client: TestClient, samples_db: Path, tmp_path: Path
) -> None:
    path, cheaper_name, added_name = next_day_records(tmp_path)
    old = {i["name"]: i for i in every_page(client, "/v1/products?q=" + cheaper_name.split()[0])}
    writer = make_engine(f"sqlite:///{samples_db}")
    assert ingest_files(writer, [path]).errors == []
    with writer.connect() as connection:
        added = connection.execute(select(Product.id).where(Product.name == added_name)).scalar()
    writer.dispose()
    assert added is not None
    new = {i["name"]: i for i in every_page(client, "/v1/products?q=" + cheaper_name.split()[0])}
    assert new[cheaper_name]["price"] < old[cheaper_name]["price"]
    found = client.get("/v1/products", params={"q": "zesty sorbet"}).json()["items"]
    assert [item["id"] for item in found] == [added]


def test_a_slow_index_is_built_again_in_the_background(
    client: TestClient, samples_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(current_prices, "SYNC_BUILD_SECONDS", 0.0)  # every build counts as slow
    assert client.get("/v1/products", params={"q": "zesty"}).json()["items"] == []
    path, _cheaper, added = next_day_records(tmp_path)
    writer = make_engine(f"sqlite:///{samples_db}")
    assert ingest_files(writer, [path]).errors == []
    writer.dispose()
    # the request finding the index stale answers from the one held (the old snapshot) ...
    assert client.get("/v1/products", params={"q": "zesty"}).json()["items"] == []
    deadline = time.monotonic() + 30
    while True:  # ... while the new one is built beside it
        items = client.get("/v1/products", params={"q": "zesty"}).json()["items"]
        if items:
            break
        assert time.monotonic() < deadline, "the index was not built again"
        time.sleep(0.05)
    assert [item["name"] for item in items] == [added]
