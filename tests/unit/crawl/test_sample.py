"""Which first pages a sampled crawl asks for, and when it stops."""

from __future__ import annotations

from datetime import date

from grocer.crawl.sample import SamplePlan, sample_order
from grocer.retailers.common import Category

CATEGORIES = [Category(key=f"c{n:02d}", slug=f"c{n}", path=("Root", f"C{n}")) for n in range(40)]


def test_every_store_samples_the_same_categories_in_a_week_and_others_the_next() -> None:
    wednesday, sunday = date(2025, 9, 17), date(2025, 9, 21)  # one ISO week
    order = sample_order("aldi", wednesday, CATEGORIES)
    assert sorted(order, key=lambda c: c.key) == sorted(CATEGORIES, key=lambda c: c.key)
    assert sample_order("aldi", sunday, list(reversed(CATEGORIES))) == order
    assert sample_order("aldi", date(2025, 9, 24), CATEGORIES) != order
    assert sample_order("woolworths", wednesday, CATEGORIES) != order


def test_waves_are_sized_for_the_missing_listings_and_stop_when_enough() -> None:
    plan = SamplePlan(wanted=100, page_size=30, order=CATEGORIES)
    first = plan.next_wave()
    assert first == CATEGORIES[:4]  # 100 listings at 30 a page
    assert plan.next_wave() == []  # nothing more until the wave has arrived
    for n, _ in enumerate(first):
        plan.arrived([f"sku{n}-{i}" for i in range(15)])  # half-full pages
    assert plan.listings == 60
    assert plan.next_wave() == CATEGORIES[4:6]  # 40 missing: two more pages
    plan.arrived([f"x{i}" for i in range(30)])
    plan.arrived(["x1", "x2"])  # a product already seen counts once
    assert plan.listings == 90
    assert plan.next_wave() == CATEGORIES[6:7]
    plan.arrived([])  # a lost page
    assert plan.next_wave() == CATEGORIES[7:8]
    plan.arrived([f"y{i}" for i in range(30)])
    assert plan.listings == 120 and plan.next_wave() == []


def test_a_sample_ends_when_the_categories_run_out() -> None:
    plan = SamplePlan(wanted=1000, page_size=30, order=CATEGORIES[:3])
    assert len(plan.next_wave()) == 3
    for _ in range(3):
        plan.arrived(["a"])
    assert plan.next_wave() == []


def test_a_sample_takes_each_department_in_turn() -> None:
    fresh = [Category(f"f{n}", f"f{n}", ("Fresh", f"F{n}")) for n in range(3)]
    pantry = [Category(f"p{n}", f"p{n}", ("Pantry", f"P{n}")) for n in range(12)]
    order = sample_order("aldi", date(2025, 9, 17), pantry + fresh)
    assert {order[0].path[0], order[1].path[0]} == {"Fresh", "Pantry"}  # both in the first two
    assert [c.path[0] for c in order[6:]] == ["Pantry"] * 9  # the rest once Fresh runs out
