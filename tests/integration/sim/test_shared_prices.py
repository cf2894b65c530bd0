"""Products grocer identifies as one are served close in price everywhere, every day, so the
simulator's only cross-retailer bargains are its planted ones (docs/simulator-bargains.md)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest

from grocer.sim.catalogue import SHARED_SPREAD, Product, load_catalogue, shared_band
from grocer.sim.equivalents import equivalent_groups, planted_table
from grocer.sim.state import SimConfig, SimState, build_state

START = date(2025, 9, 17)
# Six price weeks in a row, then every 16th week for two years: specials change weekly,
# regular prices move about once in 100 weeks.
DAYS = [START + timedelta(weeks=n) for n in (*range(6), *range(16, 105, 16))]


def _groups(products: dict[str, list[Product]]) -> dict[tuple[str, str], int]:
    return {
        (p.company, p.sku): p.extra["grp"]
        for ps in products.values()
        for p in ps
        if "grp" in p.extra
    }


def test_the_shipped_groups_are_the_simulators_equivalents() -> None:
    """``grp`` partitions the products exactly as the simulator's own truth does (shared
    barcodes and the planted table), and one group has one band."""
    catalogue = load_catalogue()
    records = {
        company: [
            {
                "sku": p.sku,
                "name": p.name,
                "brand": p.brand,
                "size": p.size,
                "gtin": p.gtin,
                "uos": p.extra.get("uos"),
            }
            for p in products
        ]  # fmt: skip
        for company, products in catalogue.products.items()
    }
    recomputed = {frozenset(group) for group in equivalent_groups(records)}
    shipped: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for member, number in _groups(catalogue.products).items():
        shipped[number].add(member)
    assert {frozenset(g) for g in shipped.values()} == recomputed
    assert len(recomputed) > 3000
    for members in shipped.values():
        bands = {catalogue.get(*member).band for member in members}  # type: ignore[union-attr]
        assert len(bands) == 1 and None not in bands


def test_a_band_spans_less_than_the_bargain_threshold() -> None:
    assert SHARED_SPREAD**2 < Decimal("1.4")
    for ref in range(10, 20_000):  # shelf prices are 10c or more
        cheap, dear = shared_band(ref)
        assert 10 <= cheap <= dear <= SHARED_SPREAD**2 * cheap, ref
        assert ref < 100 or cheap <= ref <= dear  # a few cents have too few shelf prices
        assert cheap % 10 in (0, 5, 9) and dear % 10 in (0, 5, 9)


@pytest.fixture(scope="module")
def state() -> SimState:
    return build_state(SimConfig(start=START, seed=0))


def _zone_stores(state: SimState) -> list[tuple[str, str]]:
    """One crawlable store per price zone (Aldi's states, the national zones and the stores
    on their own prices), and the first three IGA stores (each its own zone)."""
    chosen: dict[tuple[str, str], str] = {}
    for company, stores in state.stores.stores.items():
        for store in stores:
            if store.crawlable:
                chosen.setdefault((company, store.zone), store.store_id)
    iga = [k for k in chosen if k[0] == "iga"]
    for key in iga[3:]:
        del chosen[key]
    return [(company, store) for (company, _), store in chosen.items()]


@pytest.mark.slow
def test_shared_products_stay_within_their_band_in_every_zone(state: SimState) -> None:
    planted = {
        (c, s) for c in ("coles", "woolworths", "aldi", "iga") for s in state.planted.skus(c)
    }
    groups = {m: g for m, g in _groups(state.catalogue.products).items() if m not in planted}
    stores = _zone_stores(state)
    assert {c for c, _ in stores} == {"aldi", "coles", "iga", "woolworths"} and len(stores) > 10
    specials = 0
    for day in DAYS:
        prices: dict[int, list[int]] = defaultdict(list)
        for company, store_id in stores:
            store = state.stores.get(company, store_id)
            assert store is not None
            for sku, listing in state.listings(store, day).items():
                group = groups.get((company, sku))
                if group is None:
                    continue
                band = listing.product.band
                assert band is not None and band[0] <= listing.price <= band[1], (day, sku)
                if listing.was is not None:
                    assert listing.price < listing.was <= band[1]
                    specials += 1
                prices[group].append(listing.price)
        worst = max(max(p) / min(p) for p in prices.values())
        assert worst < 1.4, (day, worst)
    assert specials > 1000  # shared products still go on special, only not so deep


def test_each_planted_equivalent_joins_listings_no_barcode_joins() -> None:
    """The table adds what barcodes cannot say: every entry joins at least two listings that
    share no barcode, and no entry joins two different barcodes."""
    catalogue = load_catalogue()
    table = planted_table()
    assert len(table["equivalents"]) > 80
    for entry in table["equivalents"]:
        products = [catalogue.get(ref["company"], ref["sku"]) for ref in entry["listings"]]
        assert None not in products, entry["product"]
        codes = {p.gtin for p in products if p is not None and p.gtin}
        assert len(codes) <= 1, entry["product"]
        assert any(p is not None and not p.gtin for p in products) or len(products) > len(codes)
