"""Zones, specials, assortments and planted cases of the simulator's price model."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from grocer.sim.money import dollars
from grocer.sim.state import SimConfig, SimState, build_state

WEDNESDAY = date(2025, 9, 17)


@pytest.fixture(scope="module")
def state() -> SimState:
    return build_state(SimConfig(start=WEDNESDAY, seed=0))


def _prices(state: SimState, company: str, store_id: str, day: date) -> dict[str, int]:
    store = state.stores.get(company, store_id)
    assert store is not None
    return {sku: lst.price for sku, lst in state.listings(store, day).items()}


def _jaccard(a: dict[str, int], b: dict[str, int]) -> float:
    return len(a.keys() & b.keys()) / len(a.keys() | b.keys())


def test_two_aldi_stores_in_one_state_serve_identical_prices(state: SimState) -> None:
    carindale, booval = (
        _prices(state, "aldi", "G102", WEDNESDAY),
        _prices(state, "aldi", "G107", WEDNESDAY),
    )
    common = carindale.keys() & booval.keys()
    assert len(common) > 2000
    assert all(carindale[sku] == booval[sku] for sku in common)
    assert 0.8 <= _jaccard(carindale, booval) < 1.0  # assortments still differ


def test_aldi_nsw_and_qld_differ_on_fresh_produce_only(state: SimState) -> None:
    for day in (WEDNESDAY, WEDNESDAY + timedelta(days=30)):
        nsw, qld = _prices(state, "aldi", "G501", day), _prices(state, "aldi", "G102", day)
        common = nsw.keys() & qld.keys()
        differ = [sku for sku in common if nsw[sku] != qld[sku]]
        share = len(differ) / len(common)
        assert 0.005 < share < 0.02, share  # about 1.3%
        assert all(state.product("aldi", sku).fresh for sku in differ)


def test_coles_national_stores_agree_and_own_zone_stores_deviate(state: SimState) -> None:
    national = [s for s in state.stores.crawlable("coles") if s.zone == "national"][:2]
    own = next(s for s in state.stores.crawlable("coles") if s.zone.startswith("store:"))
    a = _prices(state, "coles", national[0].store_id, WEDNESDAY)
    b = _prices(state, "coles", national[1].store_id, WEDNESDAY)
    c = _prices(state, "coles", own.store_id, WEDNESDAY)
    assert all(a[sku] == b[sku] for sku in a.keys() & b.keys())
    differ = sum(a[sku] != c[sku] for sku in a.keys() & c.keys()) / len(a.keys() & c.keys())
    assert 0.01 < differ < 0.06


def test_iga_stores_agree_on_about_forty_percent(state: SimState) -> None:
    stores = [s for s in state.stores.crawlable("iga")][:2]
    a = _prices(state, "iga", stores[0].store_id, WEDNESDAY)
    b = _prices(state, "iga", stores[1].store_id, WEDNESDAY)
    common = a.keys() & b.keys()
    agree = sum(a[sku] == b[sku] for sku in common) / len(common)
    assert 0.25 < agree < 0.55, agree


def test_specials_change_on_the_price_week_only(state: SimState) -> None:
    store = state.stores.get("woolworths", "1147")
    assert store is not None

    def specials(day: date) -> dict[str, tuple[int, int | None]]:
        return {s: (x.price, x.was) for s, x in state.listings(store, day).items() if x.was}

    wed, tue, next_wed = WEDNESDAY, WEDNESDAY + timedelta(days=6), WEDNESDAY + timedelta(days=7)
    assert specials(wed) == specials(tue)
    assert specials(wed) != specials(next_wed)
    share = len(specials(wed)) / len(state.listings(store, wed))
    assert 0.05 < share < 0.2
    for price, was in specials(wed).values():
        assert was is not None and was > price


def test_regular_prices_move_a_few_per_week(state: SimState) -> None:
    store = state.stores.get("aldi", "G102")
    assert store is not None
    week1 = state.listings(store, WEDNESDAY + timedelta(days=7))
    week2 = state.listings(store, WEDNESDAY + timedelta(days=14))
    moved = sum(week1[s].price != week2[s].price for s in week1.keys() & week2.keys())
    assert 0 < moved < len(week1) * 0.05


def _case(state: SimState, kind: str) -> dict:
    return next(c.as_dict() for c in state.planted.cases if c.kind == kind)


def _listing(state: SimState, company: str, store_id: str, sku: str, day: date):
    store = state.stores.get(company, store_id)
    assert store is not None
    return state.listings(store, day).get(sku)


def test_planted_bargains_and_decoys(state: SimState) -> None:
    ratios = {}
    for kind in ("bargain_barcode", "decoy_under_threshold", "decoy_mismatch"):
        cheap, dear = _case(state, kind)["listings"]
        ratios[kind] = Decimal(dear["price"]) / Decimal(cheap["price"])
        assert cheap["barcode"] == dear["barcode"]
        for entry, store in ((cheap, "COL:401"), (dear, "1147")):
            served = _listing(state, entry["company"], store, entry["sku"], WEDNESDAY)
            assert served is not None and str(dollars(served.price)) == entry["price"]
    assert ratios["bargain_barcode"] > Decimal("1.5")
    assert ratios["decoy_under_threshold"] < Decimal("1.5")
    assert ratios["decoy_mismatch"] > Decimal("5")
    cheap, dear = _case(state, "bargain_name")["listings"]
    assert cheap["company"] == "aldi" and cheap["barcode"] is None
    assert (cheap["name"], cheap["brand"].lower(), cheap["size"]) == (
        dear["name"],
        dear["brand"].lower(),
        dear["size"],
    )
    assert Decimal(dear["price"]) > Decimal("1.5") * Decimal(cheap["price"])


def test_planted_stale_listing_disappears(state: SimState) -> None:
    case = _case(state, "decoy_stale")
    removed = date.fromisoformat(case["dates"]["removed_from"])
    dear = case["listings"][1]
    assert _listing(state, "woolworths", "1147", dear["sku"], removed - timedelta(days=1))
    assert _listing(state, "woolworths", "1147", dear["sku"], removed) is None


def test_planted_specials(state: SimState) -> None:
    illusory = _case(state, "illusory_special")
    sku = illusory["listings"][0]["sku"]
    raised = date.fromisoformat(illusory["dates"]["raised_week"])
    special = date.fromisoformat(illusory["dates"]["special_week"])
    before = _listing(state, "coles", "COL:401", sku, raised - timedelta(days=7))
    during_raise = _listing(state, "coles", "COL:401", sku, raised)
    on_special = _listing(state, "coles", "COL:401", sku, special)
    assert before.was is None and during_raise.was is None and during_raise.price > before.price
    assert on_special.was == during_raise.price and on_special.price == before.price
    genuine = _case(state, "genuine_half_price")
    sku = genuine["listings"][0]["sku"]
    day = date.fromisoformat(genuine["dates"]["special_week"])
    regular = _listing(state, "coles", "COL:401", sku, day - timedelta(days=7))
    half = _listing(state, "coles", "COL:401", sku, day)
    assert regular.was is None and half.was == regular.price
    assert half.price * 2 <= regular.price + 10


def test_prices_are_deterministic_per_seed() -> None:
    a = build_state(SimConfig(start=WEDNESDAY, seed=1))
    b = build_state(SimConfig(start=WEDNESDAY, seed=1))
    c = build_state(SimConfig(start=WEDNESDAY, seed=2))
    day = WEDNESDAY + timedelta(days=9)
    assert _prices(a, "iga", "14850", day) == _prices(b, "iga", "14850", day)
    assert _prices(a, "iga", "14850", day) != _prices(c, "iga", "14850", day)


def test_non_crawlable_stores_serve_nothing(state: SimState) -> None:
    liquorland = next(s for s in state.stores.stores["coles"] if s.banner == "LQR")
    ampol = next(s for s in state.stores.stores["woolworths"] if s.banner == "AMPOL")
    no_shop = next(s for s in state.stores.stores["iga"] if not s.tag)
    for store in (liquorland, ampol, no_shop):
        assert not store.crawlable and state.listings(store, WEDNESDAY) == {}
