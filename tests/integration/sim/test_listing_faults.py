"""The ``storm``, ``thin`` and ``wrong_type`` faults over HTTP, as a crawler meets them: the
retailer parsers read the pages, validation judges the products."""

from __future__ import annotations

from datetime import date

from grocer.items import ProductItem
from grocer.normalize.validate import Rejected, validate_item
from grocer.retailers import aldi, coles, iga, woolworths
from grocer.retailers.common import Category, ListingPage
from grocer.sim.server import SimulatorServer
from tests.integration.sim.sim_helpers import coles_session, cookie_dict, fetch, next_data, send

ALDI_CATEGORY = Category("970000000", "x", ("X",))


def _aldi_search(sim: SimulatorServer, store: str, offset: int = 0):
    return send(aldi.search_request(sim.base_url("aldi"), ALDI_CATEGORY, offset, store_id=store))


def _aldi_listing(sim: SimulatorServer, store: str) -> tuple[list[str], set[int | None]]:
    """Every SKU of one Aldi category as the parser pages through it, and the totals seen."""
    skus: list[str] = []
    totals: set[int | None] = set()
    offset: int | None = 0
    while offset is not None:
        reply = _aldi_search(sim, store, offset)
        payload = reply.json()
        if aldi.is_end_of_listing(reply.status, payload):
            break
        page = aldi.parse_search(payload, store_id=store, offset=offset)
        skus += [item.sku for item in page.items]
        totals.add(page.total)
        offset = page.next_page
    return skus, totals


def test_storm_is_429_without_retry_after_and_uncapped(fresh_sim: SimulatorServer) -> None:
    fetch(f"{fresh_sim.url}/_sim/faults", data={"spec": "aldi:storm=1.0"})
    fetch(f"{fresh_sim.url}/_sim/requests", method="DELETE")
    replies = [_aldi_search(fresh_sim, "G102") for _ in range(6)]  # RETRY_TIMES=5 and more
    assert [r.status for r in replies] == [429] * 6
    assert all("Retry-After" not in r.headers for r in replies)
    counts = fetch(f"{fresh_sim.url}/_sim/requests").json()
    assert counts["outcomes"]["aldi.search"] == {"fault:storm": 6}
    woolworths_tree = send(woolworths.categories_request(fresh_sim.base_url("woolworths")))
    assert woolworths_tree.status == 200  # another retailer is not in the storm
    fresh_sim.set_faults("aldi:storm=0.5")
    statuses = [_aldi_search(fresh_sim, "G102").status for _ in range(40)]
    assert set(statuses) == {200, 429}


def test_a_coles_storm_is_its_block_page(fresh_sim: SimulatorServer) -> None:
    cookie = coles_session(fresh_sim.url, "401")
    url = f"{fresh_sim.url}/coles/browse/pantry?page=1"
    fresh_sim.set_faults("coles:storm=1.0")
    blocked = [fetch(url, headers={"Cookie": cookie}) for _ in range(3)]
    for reply in blocked:
        assert reply.status == 200 and next_data(reply.text) is None
        assert "Incapsula" in reply.text and reply.headers["x-cdn"] == "Imperva"
        assert "Retry-After" not in reply.headers
    fresh_sim.set_faults(None)
    page = fetch(url, headers={"Cookie": cookie})  # the session itself was not spent
    assert next_data(page.text)["props"]["pageProps"]["initStoreId"] == "0401"


def test_thin_aldi_store_serves_a_smaller_catalogue_that_ends_normally(
    fresh_sim: SimulatorServer,
) -> None:
    full, _ = _aldi_listing(fresh_sim, "G102")
    other, _ = _aldi_listing(fresh_sim, "G107")
    truth = fresh_sim.truth("aldi", "G102")
    fresh_sim.set_faults("aldi:thin=0.5@G102")
    shown = fetch(f"{fresh_sim.url}/_sim/faults").json()["aldi"]
    assert shown["thin"] == {"G102": 0.5}
    thin, totals = _aldi_listing(fresh_sim, "G102")
    assert totals == {len(thin)}  # the pages' totals count only what is listed
    assert thin == [sku for sku in full if not fresh_sim.state.faults.thinned("aldi", "G102", sku)]
    assert 0.35 < len(thin) / len(full) < 0.65
    assert _aldi_listing(fresh_sim, "G107")[0] == other
    assert fresh_sim.truth("aldi", "G102") == truth


def _verdict(item: ProductItem) -> str:
    item.observed_on = date(2025, 9, 17)
    try:
        validate_item(item)
    except Rejected as rejected:
        return rejected.reason
    return "ok"


def _first_pages(sim: SimulatorServer) -> dict[tuple[str, str], ListingPage]:
    cookies = cookie_dict(coles_session(sim.url, "401"))
    html = send(
        coles.browse_request(sim.base_url("coles"), "pantry", 1, store_id="COL:401"), cookies
    )
    ww = Category("1_39FD49C", "x", ("X",))
    ww_reply = send(woolworths.browse_request(sim.base_url("woolworths"), ww, 1, store_id="1147"))
    shop = Category("retailer-prod-v3", "retailer-prod-v3", ("X",))
    iga_reply = send(iga.search_request(sim.base_url("iga"), shop, 0, shop_id="14711"))
    base = sim.base_url("coles")
    return {
        ("coles", "COL:401"): coles.parse_browse_page(
            html.text, store_id="COL:401", page=1, base_url=base
        ),
        ("woolworths", "1147"): woolworths.parse_browse(
            ww_reply.json(), store_id="1147", page=1, base_url=sim.base_url("woolworths")
        ),
        ("aldi", "G102"): aldi.parse_search(
            _aldi_search(sim, "G102").json(), store_id="G102", offset=0
        ),
        ("iga", "14850"): iga.parse_search(iga_reply.json(), store_id="14850", skip=0),
    }


def test_wrong_typed_products_are_rejected_one_by_one(fresh_sim: SimulatorServer) -> None:
    fresh_sim.set_faults("wrong_type=0.5")
    reasons: set[str] = set()
    for (company, store), page in _first_pages(fresh_sim).items():
        verdicts = [_verdict(item) for item in page.items]
        expected = []
        for item in page.items:
            kind = fresh_sim.state.faults.wrong_type(company, store, item.sku)
            expected.append(f"bad_type:{kind}" if kind else "ok")
        assert verdicts == expected, company
        assert "ok" in verdicts and len(set(verdicts)) > 1, company
        reasons |= set(verdicts)
    assert reasons == {"ok", "bad_type:brand", "bad_type:name", "bad_type:price"}


def test_bad_fault_specs_are_refused(fresh_sim: SimulatorServer) -> None:
    for spec in ("aldi:thin=1.5@G102", "aldi:thin=0.5@G999", "aldi:storm=0.5@G102"):
        reply = fetch(f"{fresh_sim.url}/_sim/faults", data={"spec": spec})
        assert reply.status == 400 and spec in reply.text
