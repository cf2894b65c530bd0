"""The basket on simulator prices: what four stores near Coles 401 (one of each retailer,
within 3 km) served on one day, written through the writer.  A list one store sells whole
costs no more split; a list no store sells whole covers what the best stores can, at the
brute-force optimum; the planted multi-buy prices three packs at its offer; the CLI and
``POST /v1/basket`` answer the same object."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from grocer.api.app import create_app
from grocer.cli import main
from grocer.db.engine import make_engine, make_read_only_engine
from grocer.db.models import Listing, Store
from grocer.db.store_rows import COMPANY_IDS
from grocer.ingest.runner import ingest_files
from grocer.normalize.gtin import clean_gtin
from grocer.shopper.basket import basket_options, plan_basket
from grocer.shopper.optimise import brute_force
from grocer.shopper.shopping_list import parse_list
from grocer.sim.server import SimulatorServer
from tests.integration.bargains.simdata import planted, truth_records

DAY = date(2025, 9, 17)
STORES = (("coles", "COL:401"), ("woolworths", "5736"), ("aldi", "G023"), ("iga", "14850"))
RADIUS_KM = 3.5


@dataclass(frozen=True)
class SimBasket:
    url: str
    point: tuple[float, float]
    whole_list: list[str]  # every line sold at Coles 401
    split_list: list[str]  # no store sells every line
    multibuy: dict[str, Any]  # the planted case's listing


def _code(product: dict[str, Any]) -> str | None:
    """The product's barcode, if it names one product (not an in-store code)."""
    code = product["barcode"] or product["gtin"]
    return code if code and clean_gtin(code).is_identity else None


@pytest.fixture(scope="module")
def sim_basket(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SimBasket]:
    sim = SimulatorServer(date=DAY.isoformat(), seed=0)  # its truth needs no server running
    served = {store: sim.truth(*store, DAY)["products"] for store in STORES}
    coles = {_code(p): p for p in served[STORES[0]] if _code(p) and not p["marketplace"]}
    elsewhere = {_code(p) for store in STORES[1:] for p in served[store] if _code(p)}
    (offer,) = planted(sim, "multibuy")["listings"]
    shared = sorted(code for code in coles if code in elsewhere)[:14]
    coles_only = sorted(code for code in coles if code not in elsewhere)[:5]
    codes = {*shared, *coles_only}
    others = {  # two listings each of Woolworths and IGA that Coles 401 does not sell
        store: sorted(p["sku"] for p in served[store] if _code(p) not in coles)[:2]
        for store in STORES[1::2]
    }
    skus = {p["sku"] for store in STORES for p in served[store] if _code(p) in codes}
    skus |= {offer["sku"], *(sku for found in others.values() for sku in found)}

    folder = tmp_path_factory.mktemp("basket-sim")
    path = folder / "basket.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    feed = folder / "served.jsonl"
    with feed.open("w") as out:
        for store in STORES:
            for record in truth_records(sim, *store, DAY, skus):
                out.write(json.dumps(record) + "\n")
    engine = make_engine(f"sqlite:///{path}")
    report = ingest_files(engine, [feed])
    assert report.rejected_total == 0, report.rejected
    with engine.begin() as connection:
        for company, store_id in STORES:
            where = sim.state.stores.get(company, store_id)
            connection.execute(
                update(Store)
                .where(
                    Store.company_id == COMPANY_IDS[company],
                    Store.retailer_store_id == store_id,
                )
                .values(latitude=where.lat, longitude=where.lon)
            )
        product_of = dict(connection.execute(select(Listing.sku, Listing.product_id)).all())
    engine.dispose()
    home = sim.state.stores.get(*STORES[0])
    whole = [f"{code} x2" if n % 4 == 1 else code for n, code in enumerate(sorted(codes))]
    whole.append(f"{offer['barcode']} x3")
    split = [*coles_only[:3]] + [str(product_of[s]) for found in others.values() for s in found]
    yield SimBasket(f"sqlite:///{path}", (home.lat, home.lon), whole, split, offer)


def _plan(engine: Engine, point: tuple[float, float], texts: list[str], stores: int) -> Any:
    with engine.connect() as connection:
        return plan_basket(
            connection, parse_list("\n".join(texts)), lat=point[0], lon=point[1],
            radius_km=RADIUS_KM, max_stores=stores, as_of=DAY,
        )  # fmt: skip


def _optimum(engine: Engine, point: tuple[float, float], texts: list[str], stores: int) -> Any:
    with engine.connect() as connection:
        found = basket_options(
            connection, parse_list("\n".join(texts)), lat=point[0], lon=point[1],
            radius_km=RADIUS_KM, as_of=DAY,
        )  # fmt: skip
    return brute_force(found.options, stores)


def _covered(answer: dict[str, Any]) -> int:
    return sum(1 for line in answer["lines"] if line["store_id"] is not None)


def test_a_list_one_store_sells_whole_costs_no_more_split(sim_basket: SimBasket) -> None:
    engine = make_engine(sim_basket.url)
    answer = _plan(engine, sim_basket.point, sim_basket.whole_list, 2)
    assert len(sim_basket.whole_list) == 20
    single = answer["single_store"]
    assert single["uncovered"] == [] and answer["unavailable"] == []
    assert _covered(answer) == 20
    assert answer["total"] <= single["total"]
    assert answer["saving"] == pytest.approx(single["total"] - answer["total"])
    covered, total = _optimum(engine, sim_basket.point, sim_basket.whole_list, 2)
    assert (covered, total / 100) == (20, pytest.approx(answer["total"]))
    assert {s["company"] for s in answer["stores"]} <= {"coles", "woolworths", "aldi", "iga"}
    engine.dispose()


def test_the_planted_multibuy_prices_three_packs_at_its_offer(sim_basket: SimBasket) -> None:
    engine = make_engine(sim_basket.url)
    offer = sim_basket.multibuy
    answer = _plan(engine, sim_basket.point, [f"{offer['barcode']} x3"], 1)
    (line,) = answer["lines"]
    assert line["cost"] == pytest.approx(float(offer["offer_price"]))
    assert line["cost"] < 3 * float(offer["price"])
    assert line["multibuy"] == {
        "quantity": offer["quantity"], "price": float(offer["offer_price"]), "extra_packs": 0,
    }  # fmt: skip
    two = _plan(engine, sim_basket.point, [f"{offer['barcode']} x2"], 1)["lines"][0]
    assert two["cost"] == pytest.approx(2 * float(offer["price"])) and two["multibuy"] is None
    engine.dispose()


@pytest.mark.parametrize("stores", [1, 2, 3])
def test_a_list_no_store_sells_whole_is_covered_at_the_optimum(
    sim_basket: SimBasket, stores: int
) -> None:
    engine = make_engine(sim_basket.url)
    answer = _plan(engine, sim_basket.point, sim_basket.split_list, stores)
    single = answer["single_store"]
    assert single["uncovered"], "some line is not sold at the best single store"
    covered, total = _optimum(engine, sim_basket.point, sim_basket.split_list, stores)
    assert _covered(answer) == covered >= len(sim_basket.split_list) - len(single["uncovered"])
    assert answer["total"] == pytest.approx(total / 100)
    assert len(answer["stores"]) <= stores
    engine.dispose()


def test_the_cli_and_the_api_answer_the_same_object(
    sim_basket: SimBasket,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text("\n".join(sim_basket.whole_list) + "\n")
    lat, lon = sim_basket.point
    monkeypatch.setenv("GROCER_DATABASE_URL", sim_basket.url)
    argv = ["basket", str(listing), "--lat", str(lat), "--lon", str(lon), "--radius-km",
            str(RADIUS_KM), "--as-of", DAY.isoformat(), "--json"]  # fmt: skip
    assert main(argv) == 0
    printed = json.loads(capsys.readouterr().out)
    engine = make_read_only_engine(sim_basket.url)
    body = {"lines": sim_basket.whole_list, "lat": lat, "lon": lon, "radius_km": RADIUS_KM,
            "as_of": DAY.isoformat()}  # fmt: skip
    with TestClient(create_app(engine, environ={})) as client:
        response = client.post("/v1/basket", json=body)
    engine.dispose()
    assert response.status_code == 200, response.text
    assert response.json() == printed
    assert main([*argv[:-1]]) == 0  # the table names what was matched and bought
    table = capsys.readouterr().out
    offer = sim_basket.multibuy
    assert f"matched {offer['name']}" in table
    assert f"{offer['quantity']} for ${float(offer['offer_price']):.2f}" in table


def test_the_basket_page_shows_the_plan_without_javascript(sim_basket: SimBasket) -> None:
    engine = make_read_only_engine(sim_basket.url)
    lat, lon = sim_basket.point
    params = {"lines": "\n".join(sim_basket.whole_list), "lat": str(lat), "lon": str(lon),
              "radius_km": str(RADIUS_KM), "max_stores": "2", "as_of": DAY.isoformat()}  # fmt: skip
    with TestClient(create_app(engine, environ={})) as client:
        empty = client.get("/basket")
        page = client.get("/basket", params=params)
        bad = client.get("/basket", params={**params, "radius_km": "0"})
        api = client.post("/v1/basket", json={
            "lines": sim_basket.whole_list, "lat": lat, "lon": lon, "radius_km": RADIUS_KM,
            "as_of": DAY.isoformat()})  # fmt: skip
    engine.dispose()
    assert empty.status_code == 200 and '<form class="basket" method="get"' in empty.text
    assert page.status_code == 200
    total = api.json()["total"]
    assert f"The plan: ${total:.2f}" in page.text
    offer = sim_basket.multibuy
    assert f"{offer['quantity']} for ${float(offer['offer_price']):.2f}" in page.text
    assert page.text.count('<table class="basket"') == len(api.json()["stores"])
    assert bad.status_code == 422 and "radius_km" in bad.text


def test_the_api_and_the_product_page_show_the_offer(sim_basket: SimBasket) -> None:
    offer = sim_basket.multibuy
    engine = make_read_only_engine(sim_basket.url)
    with TestClient(create_app(engine, environ={})) as client:
        found = client.get(f"/v1/products/by-barcode/{offer['barcode']}").json()
        history = client.get(f"/v1/products/{found['id']}/prices").json()["items"]
        page = client.get(f"/products/{found['id']}")
    engine.dispose()
    stated = {"quantity": offer["quantity"], "price": float(offer["offer_price"])}
    assert [c["multibuy"] for listing in found["listings"] for c in listing["current"]] == [stated]
    assert [(i["multibuy_qty"], i["multibuy_price"]) for i in history] == [
        (offer["quantity"], float(offer["offer_price"]))
    ]
    assert f"({offer['quantity']} for ${offer['offer_price']})" in page.text


def test_a_bad_server_setting_is_a_503_on_the_api_and_the_page(sim_basket: SimBasket) -> None:
    engine = make_read_only_engine(sim_basket.url)
    lat, lon = sim_basket.point
    body = {"lines": sim_basket.whole_list, "lat": lat, "lon": lon, "as_of": DAY.isoformat()}
    params = {"lines": "\n".join(sim_basket.whole_list), "lat": str(lat), "lon": str(lon),
              "as_of": DAY.isoformat()}  # fmt: skip
    with TestClient(create_app(engine, environ={"GROCER_FRESH_DAYS": "soon"})) as client:
        api = client.post("/v1/basket", json=body)
        page = client.get("/basket", params=params)
    engine.dispose()
    assert api.status_code == 503 and "misconfigured" in api.json()["detail"]
    assert page.status_code == 503 and "Server misconfigured" in page.text
