"""Price zones on crawled data: a store the simulator moves onto prices of its own is ejected."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from grocer.analysis.zones.maintain import maintain_zones
from grocer.analysis.zones.report import zones_report
from grocer.sim.server import SimulatorServer
from tests.e2e.conftest import Crawler

pytestmark = pytest.mark.e2e

NSW = ("G391", "G467", "G501")  # three Aldi stores of one price zone
FIRST = date(2025, 9, 18)  # a Thursday: every crawl of a round is in one price week
LATER = FIRST + timedelta(days=7)


def anchor_of(crawler: Crawler, store: str) -> str:
    with crawler.engine().connect() as connection:
        report = zones_report(connection, companies=["aldi"])
    for zone in report.companies["aldi"]:
        if store in {s.retailer_store_id for s in zone.stores}:
            return zone.anchor.retailer_store_id
    raise AssertionError(f"{store} is in no zone")


def aldi_zones(crawler: Crawler) -> set[frozenset[str]]:
    """The Aldi zones of the crawled stores, as sets of store ids."""
    with crawler.engine().connect() as connection:
        report = zones_report(connection, companies=["aldi"])
    zones = {frozenset(s.retailer_store_id for s in z.stores) for z in report.companies["aldi"]}
    return {z for z in zones if z & set(NSW)}


def crawl_round(crawler: Crawler, sim: SimulatorServer, day: date) -> None:
    sim.set_date(day)
    for store in NSW:
        crawler.run("aldi", store=store)


def test_a_store_moved_onto_its_own_prices_is_ejected_and_nothing_else_moves(
    crawler: Crawler, sim: SimulatorServer
) -> None:
    crawl_round(crawler, sim, FIRST)
    first = maintain_zones(crawler.engine(), as_of=FIRST, companies=["aldi"])
    assert aldi_zones(crawler) == {frozenset(NSW)}
    assert first.companies["aldi"].merges == 2

    anchor = anchor_of(crawler, NSW[0])
    moved, mate = [s for s in NSW if s != anchor][:2]  # a member leaves; the anchor stays
    sim.move_to_own_prices("aldi", moved, LATER)
    truth_before = sim.truth("aldi", moved, FIRST)["products"]
    truth_after = sim.truth("aldi", moved, LATER)["products"]
    zone_mate = {p["sku"]: p["price"] for p in sim.truth("aldi", mate, LATER)["products"]}
    differing = sum(1 for p in truth_after if zone_mate.get(p["sku"], p["price"]) != p["price"])
    assert differing > 0.02 * len(truth_after)  # over 2% of its listings now differ
    assert len(truth_before) > 1000

    crawl_round(crawler, sim, LATER)
    later = maintain_zones(crawler.engine(), as_of=LATER, companies=["aldi"])
    assert later.companies["aldi"].ejections == 1
    assert later.companies["aldi"].merges == 0
    assert aldi_zones(crawler) == {frozenset({moved}), frozenset(set(NSW) - {moved})}
    assert anchor_of(crawler, mate) == anchor
