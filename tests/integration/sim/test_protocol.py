"""Protocol behaviour: dates, pagination ends, cookies, bot protection, faults, control API."""

from __future__ import annotations

import json
import subprocess
import sys
from email.utils import parsedate_to_datetime

import pytest

from grocer.sim.server import SimulatorServer
from tests.integration.sim.sim_helpers import LD_JSON, coles_session, fetch, next_data

IGA = "/iga/api/storefront/stores/14711"
IGA_HEADERS = {
    "x-shopping-mode": "11111111-1111-1111-1111-111111111111",
    "Cookie": "iga-shop.retailerStoreId=14711",
}


def _aldi(sim: SimulatorServer, offset: int, key: str = "950000000"):
    return fetch(
        f"{sim.url}/aldi/v3/product-search?categoryKey={key}&limit=30&offset={offset}"
        "&servicePoint=G102"
    )


def test_date_header_follows_the_simulated_clock(fresh_sim: SimulatorServer) -> None:
    reply = _aldi(fresh_sim, 0)
    assert parsedate_to_datetime(reply.headers["Date"]).date().isoformat() == "2025-09-17"
    state = fetch(f"{fresh_sim.url}/_sim/clock", data={"date": "2025-10-01"}).json()
    assert state["date"] == "2025-10-01"
    fetch(f"{fresh_sim.url}/_sim/clock", data={"advance_days": 2})
    reply = _aldi(fresh_sim, 0)
    assert parsedate_to_datetime(reply.headers["Date"]).date().isoformat() == "2025-10-03"
    assert fresh_sim.truth("aldi", "G102")["date"] == "2025-10-03"


def test_end_of_listing_behaviours(sim: SimulatorServer) -> None:
    total = _aldi(sim, 0).json()["meta"]["pagination"]["totalCount"]
    last = (total - 1) // 30 * 30
    assert _aldi(sim, last).status == 200
    assert _aldi(sim, last + 30).status == 400
    leaf = sim.state.catalogue.products["woolworths"][0].leaf
    body = {"categoryId": leaf, "pageNumber": 999, "pageSize": 36, "storeId": "1147"}
    page = fetch(f"{sim.url}/woolworths/apis/ui/browse/category", data=body).json()
    assert page["Bundles"] == [] and page["TotalRecordCount"] > 0
    first = fetch(f"{sim.url}{IGA}/categories/Fruit/search?take=36&skip=0", headers=IGA_HEADERS)
    beyond = fetch(f"{sim.url}{IGA}/categories/Fruit/search?take=36&skip=3600", headers=IGA_HEADERS)
    total = first.json()["total"]
    last_page = fetch(
        f"{sim.url}{IGA}/categories/Fruit/search?take=36&skip={(total - 1) // 36 * 36}",
        headers=IGA_HEADERS,
    )
    assert beyond.json()["items"] == last_page.json()["items"] != []
    cookie = coles_session(sim.url)
    html = fetch(f"{sim.url}/coles/browse/bakery?page=99", headers={"Cookie": cookie}).text
    results = next_data(html)["props"]["pageProps"]["searchResults"]
    assert results["results"] == [] and results["noOfResults"] > 0


def test_iga_needs_its_cookie_and_header(sim: SimulatorServer) -> None:
    url = f"{sim.url}{IGA}/categories/Fruit/search?take=36&skip=0"
    assert fetch(url).status == 400
    assert fetch(url, headers={"x-shopping-mode": "1"}).status == 400
    assert fetch(url, headers=IGA_HEADERS).status == 200
    assert fetch(f"{sim.url}/iga/api/storefront/stores/999999/categoryHierarchy").status == 404


def test_plain_client_gets_challenge_then_block_pages(fresh_sim: SimulatorServer) -> None:
    home = fetch(f"{fresh_sim.url}/coles/")
    assert "document.cookie" in home.text and next_data(home.text) is None
    browse = fetch(f"{fresh_sim.url}/coles/browse/pantry?page=1")
    assert browse.status == 200 and "__NEXT_DATA__" not in browse.text
    assert "Incapsula" in browse.text and browse.headers["x-cdn"] == "Imperva"
    forged = fetch(f"{fresh_sim.url}/coles/", headers={"Cookie": "sim_challenge=1-abc.123"})
    assert next_data(forged.text) is None


def test_coles_session_expires_after_its_budget(fresh_sim: SimulatorServer) -> None:
    cookie = coles_session(fresh_sim.url, "0314")  # the budget is 5; the home page used 1
    pages = [
        fetch(f"{fresh_sim.url}/coles/browse/pantry?page=1", headers={"Cookie": cookie}).text
        for _ in range(5)
    ]
    assert [next_data(p) is not None for p in pages] == [True, True, True, True, False]
    props = next_data(pages[0])["props"]["pageProps"]
    expected = fresh_sim.state.stores.coles_by_number("314")
    assert props["initStoreId"] == (
        expected.number.zfill(4) if expected and expected.crawlable else props["initStoreId"]
    )


def test_coles_store_cookie_and_product_pages(sim: SimulatorServer) -> None:
    cookie = coles_session(sim.url, "0401")
    html = fetch(f"{sim.url}/coles/browse/deli?page=1", headers={"Cookie": cookie}).text
    assert next_data(html)["props"]["pageProps"]["initStoreId"] == "0401"
    placements: dict[str, int] = {}
    for product in sim.state.catalogue.products["coles"][:400]:
        page = fetch(f"{sim.url}/coles/product/any-slug-{product.sku}", headers={"Cookie": cookie})
        blocks = [json.loads(b) for b in LD_JSON.findall(page.text)]
        ld = next(b for b in blocks if b["@type"] == "Product")
        key = next((k for k in ("gtin", "gtin13", "gtin14") if k in ld), "none")
        placements[key] = placements.get(key, 0) + 1
        assert next_data(page.text)["props"]["pageProps"]["product"]["gtin"] == product.gtin
        if key != "none":
            assert ld[key].lstrip("0") == (product.gtin or "").lstrip("0")
        cookie = (
            coles_session(sim.url, "0401") if placements.get("gtin", 0) % 200 == 199 else cookie
        )
    assert set(placements) == {"gtin", "gtin13", "gtin14", "none"}
    missing = fetch(f"{sim.url}/coles/product/nothing-1", headers={"Cookie": cookie})
    assert missing.status == 404


def test_faults_429_then_good_answer_and_counters(fresh_sim: SimulatorServer) -> None:
    fetch(f"{fresh_sim.url}/_sim/faults", data={"spec": "aldi:429=1.0,retry_after=3"})
    fetch(f"{fresh_sim.url}/_sim/requests", method="DELETE")
    replies = [_aldi(fresh_sim, 0) for _ in range(3)]
    assert [r.status for r in replies] == [429, 429, 200]
    assert replies[0].headers["Retry-After"] == "3"
    assert replies[2].json()["data"]
    counts = fetch(f"{fresh_sim.url}/_sim/requests").json()
    assert counts["endpoints"]["aldi.search"] == 3
    assert counts["outcomes"]["aldi.search"] == {"200": 1, "fault:429": 2}


def test_malformed_truncated_and_wrong_store(fresh_sim: SimulatorServer) -> None:
    fresh_sim.set_faults("aldi:truncated=1.0")
    with pytest.raises(json.JSONDecodeError):
        _aldi(fresh_sim, 30).json()
    fresh_sim.set_faults("aldi:malformed=1.0")
    with pytest.raises(json.JSONDecodeError):
        _aldi(fresh_sim, 60).json()
    fresh_sim.set_faults("woolworths:wrong_store=1.0")
    leaf = fresh_sim.state.catalogue.products["woolworths"][0].leaf
    body = {"categoryId": leaf, "pageNumber": 1, "pageSize": 36, "storeId": "1147"}
    page = fetch(f"{fresh_sim.url}/woolworths/apis/ui/browse/category", data=body).json()
    assert {p["FulfilmentStoreId"] for b in page["Bundles"] for p in b["Products"]} != {1147}
    fresh_sim.set_faults(None)
    page = fetch(f"{fresh_sim.url}/woolworths/apis/ui/browse/category", data=body).json()
    assert {p["FulfilmentStoreId"] for b in page["Bundles"] for p in b["Products"]} == {1147}


def test_control_endpoints(sim: SimulatorServer) -> None:
    truth = fetch(f"{sim.url}/_sim/truth?company=aldi&store=G102&date=2025-09-19").json()
    assert truth["zone"] == "QLD" and truth["date"] == "2025-09-19" and truth["count"] > 2000
    zones = fetch(f"{sim.url}/_sim/zones?company=aldi").json()["aldi"]
    assert zones["G102"] == zones["G107"] == "QLD" and zones["G501"] == "NSW"
    planted = fetch(f"{sim.url}/_sim/planted").json()["cases"]
    assert {c["kind"] for c in planted} == {
        "bargain_barcode", "bargain_name", "decoy_stale", "decoy_mismatch",
        "decoy_under_threshold", "illusory_special", "genuine_half_price", "multibuy",
    }  # fmt: skip
    identity = fetch(f"{sim.url}/_sim/identity").json()
    assert set(identity) == {"equivalents", "substitutes", "decoys"}
    assert len(identity["equivalents"]) > 3000
    tim_tam = {"company": "aldi", "sku": "000000000000366359"}  # Arnott's, no Aldi barcode
    (group,) = [g for g in identity["equivalents"] if tim_tam in g]
    assert {ref["company"] for ref in group} == {"aldi", "coles", "iga", "woolworths"}
    assert {"a", "b", "level"} == set(identity["substitutes"][0])
    assert {"a", "b", "kind"} == set(identity["decoys"][0])
    assert fetch(f"{sim.url}/_sim/truth?company=aldi&store=NOPE").status == 404
    stores = fetch(f"{sim.url}/_sim/stores?company=iga&crawlable=1").json()["stores"]
    assert stores and all(s["retailer_store_id"] for s in stores)


def test_loopback_only() -> None:
    with pytest.raises(ValueError):
        SimulatorServer(host="0.0.0.0")


@pytest.mark.e2e
def test_module_entry_point_prints_its_url() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "grocer.sim", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert fetch(f"{url}/_sim/health").json()["ok"] is True
    finally:
        process.terminate()
        process.wait(timeout=20)
        if process.stdout is not None:
            process.stdout.close()
    assert process.returncode == 0
