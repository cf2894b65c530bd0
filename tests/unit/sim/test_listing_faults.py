"""The ``thin``, ``wrong_type`` and ``storm`` faults: spec parsing, determinism, and what the
four retailers' listing pages serve under them (rendered without HTTP; the HTTP side is in
tests/integration/sim/test_listing_faults.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
import pytest

from grocer.sim import aldi, coles_graphql, coles_pages, iga, woolworths
from grocer.sim.faults import MAX_CONSECUTIVE, FaultInjector, parse_faults
from grocer.sim.state import SimConfig, SimState, build_state
from grocer.sim.truth import store_truth

WEDNESDAY = date(2025, 9, 17)
Pages = tuple[int, list[dict[str, Any]]]  # (the listing's total, every product served)


def _aldi(state: SimState, store_id: str) -> Pages:
    store, products, offset, total = state.stores.get("aldi", store_id), [], 0, 0
    assert store is not None
    while True:
        status, body = aldi.search_body(state, store, state.today(), "970000000", 30, offset)
        if status == 400:
            return total, products
        page = orjson.loads(body)
        total = page["meta"]["pagination"]["totalCount"]
        products += page["data"]
        offset += 30


def _woolworths(state: SimState, store_id: str) -> Pages:
    store, products, number = state.stores.get("woolworths", store_id), [], 1
    assert store is not None
    while True:
        body = woolworths.browse_body(
            state, store, state.today(), "1_39FD49C", number, 36, True, int(store.store_id)
        )
        page = orjson.loads(body)
        if not page["Bundles"]:
            return page["TotalRecordCount"], products
        products += [p for bundle in page["Bundles"] for p in bundle["Products"]]
        number += 1


def _iga(state: SimState, store_id: str) -> Pages:
    store, products, skip = state.stores.get("iga", store_id), [], 0
    assert store is not None
    while True:
        _, body = iga.search_body(state, store, state.today(), "retailer-prod-v3", 36, skip)
        page = orjson.loads(body)
        if skip >= page["total"]:
            return page["total"], products
        products += page["items"]
        skip += 36


def _coles(state: SimState, store_id: str) -> Pages:
    store, products, number = state.stores.get("coles", store_id), [], 1
    assert store is not None
    while True:
        props = coles_pages.browse_props(state, store, state.today(), "pantry", None, number)
        results = props["searchResults"]
        tiles = [t for t in results["results"] if t["_type"] == "PRODUCT"]
        if not tiles:
            return results["noOfResults"], products
        products += tiles
        number += 1


# company -> (pages of one big category, the product's sku field, a faulted store, another)
RETAILERS: dict[str, tuple[Callable[[SimState, str], Pages], str, str, str]] = {
    "aldi": (_aldi, "sku", "G102", "G107"),
    "woolworths": (_woolworths, "Stockcode", "1147", "1002"),
    "iga": (_iga, "productId", "14127", "14850"),
    "coles": (_coles, "id", "COL:401", "COL:205"),
}
THIN = "aldi:thin=0.5@G102,woolworths:thin=0.3@1147,iga:thin=0.3@14127,coles:thin=0.3@COL:401"
SHARES = {"aldi": 0.5, "woolworths": 0.3, "iga": 0.3, "coles": 0.3}


@pytest.fixture(scope="module")
def clean() -> SimState:
    return build_state(SimConfig(start=WEDNESDAY, seed=0))


@pytest.fixture(scope="module")
def thin() -> SimState:
    return build_state(SimConfig(start=WEDNESDAY, seed=0, faults=THIN))


@pytest.fixture(scope="module")
def mistyped() -> SimState:
    return build_state(SimConfig(start=WEDNESDAY, seed=0, faults="wrong_type=0.3"))


def _skus(products: list[dict[str, Any]], key: str) -> list[str]:
    return [str(p[key]) for p in products]


def test_parsing_the_new_kinds() -> None:
    faults = parse_faults(
        "aldi:thin=0.5@G102,coles:thin=0.3@COL:0401,woolworths:thin=0.2,"
        "wrong_type=0.1,iga:wrong_type=0.4@14127,aldi:storm=0.7"
    )
    assert faults["aldi"].thin == {"G102": 0.5}
    assert faults["coles"].thin == {"COL:401": 0.3}  # the id's colon kept, padding dropped
    assert faults["woolworths"].thin == {"*": 0.2} and faults["iga"].thin == {}
    assert faults["iga"].wrong_type == {"*": 0.1, "14127": 0.4}
    assert all(faults[c].wrong_type["*"] == 0.1 for c in ("coles", "woolworths", "aldi"))
    assert faults["aldi"].storm == 0.7 and faults["coles"].storm == 0.0
    shown = FaultInjector("aldi:thin=0.5@G102,aldi:storm=0.7").as_dict()["aldi"]
    assert (shown["thin"], shown["wrong_type"], shown["storm"]) == ({"G102": 0.5}, {}, 0.7)
    as_dict = parse_faults({"aldi": {"thin": "0.5@G102"}, "coles:storm": 0.2})
    assert as_dict["aldi"].thin == {"G102": 0.5} and as_dict["coles"].storm == 0.2


def test_a_store_without_a_company_applies_where_the_store_is() -> None:
    known = build_state(SimConfig(start=WEDNESDAY)).stores
    injector = FaultInjector("thin=0.5@G102", known_store=lambda c, s: known.get(c, s) is not None)
    assert injector.as_dict()["aldi"]["thin"] == {"G102": 0.5}
    assert all(injector.as_dict()[c]["thin"] == {} for c in ("coles", "woolworths", "iga"))
    assert injector.share("thin", "aldi", "g102") == 0.5  # ids case-insensitive
    assert injector.share("thin", "aldi", "G107") == 0.0
    with pytest.raises(ValueError, match="unknown store"):
        injector.configure("aldi:thin=0.5@G999")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("aldi:thin=1.5@G102", r"out of \[0, 1\]: aldi:thin=1.5@G102"),
        ("aldi:thin=-0.1", "out of"),
        ("aldi:wrong_type=abc", "not a number"),
        ("aldi:thin=0.5@", "no store"),
        ("aldi:storm=0.5@G102", "storm takes no @STORE"),
        ("aldi:storm=2", "out of"),
        ("aldi:storm=often", "not a number"),
        ("aldi:429=0.1@G102", "not a number"),
        ("lidl:thin=0.5", "unknown retailer"),
        ("aldi:thinner=0.5", "unknown fault kind"),
    ],
)
def test_bad_items_are_refused_clearly(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_faults(spec)


def test_listing_faults_are_deterministic_by_seed_and_sku() -> None:
    skus = [f"{n:018d}" for n in range(2000)]

    def thinned(seed: int) -> set[str]:
        injector = FaultInjector("aldi:thin=0.5", seed=seed)
        return {s for s in skus if injector.thinned("aldi", "G102", s)}

    assert thinned(1) == thinned(1) != thinned(2)
    assert 0.45 < len(thinned(1)) / len(skus) < 0.55
    injector = FaultInjector("aldi:thin=0.5", seed=1)
    assert {s for s in skus if injector.thinned("aldi", "G107", s)} == thinned(1)  # every store
    typed = FaultInjector("aldi:wrong_type=1.0@G102", seed=1)
    kinds = [typed.wrong_type("aldi", "G102", s) for s in skus]
    other_seed = FaultInjector("aldi:wrong_type=1.0@G102", seed=9)
    assert kinds == [other_seed.wrong_type("aldi", "G102", s) for s in skus]  # by SKU alone
    assert {k: kinds.count(k) > 500 for k in ("brand", "name", "price")} == dict.fromkeys(
        ("brand", "name", "price"), True
    )  # rotates among the three by SKU
    assert all(typed.wrong_type("aldi", "G107", s) is None for s in skus)


@pytest.mark.parametrize("company", list(RETAILERS))
def test_thin_leaves_a_share_out_of_pages_and_totals(
    clean: SimState, thin: SimState, company: str
) -> None:
    pages, key, faulted, other = RETAILERS[company]
    full_total, full = pages(clean, faulted)
    total, served = pages(thin, faulted)
    served_skus, full_skus = _skus(served, key), _skus(full, key)
    expected = [s for s in full_skus if not thin.faults.thinned(company, faulted, s)]
    assert served_skus == expected and total == len(served) < full_total == len(full)
    assert abs(1 - total / full_total - SHARES[company]) < 0.06
    assert pages(thin, other) == pages(clean, other)  # another store is untouched
    assert store_truth(thin, company, faulted) == store_truth(clean, company, faulted)


def test_thin_shrinks_the_coles_menu_counts(clean: SimState, thin: SimState) -> None:
    def pantry(state: SimState) -> int:
        store = state.stores.get("coles", "COL:401")
        assert store is not None
        items = coles_graphql.menu_items(state, store, WEDNESDAY)["data"]["menuItems"]["items"]
        return next(i["productCount"] for i in items if i["seoToken"] == "pantry")

    total, _ = _coles(thin, "COL:401")
    assert pantry(thin) == total < pantry(clean)


def _differences(a: Any, b: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The paths where two JSON values differ in value or in type."""
    if isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys():
        return [d for k in a for d in _differences(a[k], b[k], (*path, k))]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        pairs = enumerate(zip(a, b, strict=True))
        return [d for i, (x, y) in pairs for d in _differences(x, y, (*path, i))]
    return [] if a == b and type(a) is type(b) else [path]


PRICE_FIELDS = {("pricing", "now"), ("Price",), ("price", "amount"), ("wholePrice",)}


def _is_number(value: Any) -> bool:
    try:
        Decimal(str(value))
    except InvalidOperation:
        return False
    return not isinstance(value, bool)


@pytest.mark.parametrize("company", list(RETAILERS))
def test_wrong_type_serves_one_field_of_the_wrong_type(
    clean: SimState, mistyped: SimState, company: str
) -> None:
    pages, key, faulted, _ = RETAILERS[company]
    _, good = pages(clean, faulted)
    _, served = pages(mistyped, faulted)
    assert _skus(served, key) == _skus(good, key)  # nothing left out, nothing added
    seen: dict[str, int] = {}
    for before, after in zip(good, served, strict=True):
        kind = mistyped.faults.wrong_type(company, faulted, str(before[key]))
        changed = _differences(before, after)
        if kind is None:
            assert changed == []  # the rest is served exactly as without the fault
            continue
        seen[kind] = seen.get(kind, 0) + 1
        assert len(changed) == 1, changed
        value = after
        for step in changed[0]:
            value = value[step]
        if kind == "brand":
            assert changed[0][-1] in ("brand", "Brand", "brandName") and type(value) is int
        elif kind == "name":
            assert changed[0] in (("name",), ("Name",)) and isinstance(value, list)
        else:
            assert changed[0] in PRICE_FIELDS or changed[0] == ("tprPrice", 0, "wholePrice")
            assert isinstance(value, str) and not _is_number(value)
    assert set(seen) == {"brand", "name", "price"}
    assert abs(sum(seen.values()) / len(good) - 0.3) < 0.06


def test_storm_is_uncapped_deterministic_and_per_retailer() -> None:
    def run(seed: int) -> list[str | None]:
        injector = FaultInjector("aldi:storm=0.7", seed=seed)
        return [injector.decide("aldi", "GET /same") for _ in range(300)]

    outcomes = run(5)
    assert outcomes == run(5) != run(6)
    assert set(outcomes) == {"storm", None}
    assert 0.6 < outcomes.count("storm") / len(outcomes) < 0.8
    longest = max(len(run_) for run_ in "".join("s" if o else "." for o in outcomes).split("."))
    assert longest > MAX_CONSECUTIVE  # a storm may outlast a client's retries
    injector = FaultInjector("aldi:storm=0.7", seed=5)
    assert all(injector.decide("coles", f"GET /{i}") is None for i in range(50))


def test_storm_leaves_the_capped_kinds_capped() -> None:
    injector = FaultInjector("aldi:storm=0.5,aldi:503=1.0", seed=2)
    outcomes = [injector.decide("aldi", "GET /page") for _ in range(200)]
    assert {"storm", "503", None} == set(outcomes)
    capped = "".join("x" if o == "503" else "." for o in outcomes if o != "storm")
    assert "x" * (MAX_CONSECUTIVE + 1) not in capped
