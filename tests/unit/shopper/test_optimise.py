"""The basket optimiser against brute force, the single-store rule and the offer cost rule."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from grocer.shopper.optimise import Option, brute_force, offer_cost, single_store, solve


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[Option], int]:
    lines = draw(st.integers(1, 8))
    stores = draw(st.integers(1, 6))
    options = []
    for line in range(lines):
        for store in range(1, stores + 1):
            for level in range(draw(st.integers(0, 2))):  # the product, then a substitute
                packs = draw(st.integers(1, 4))
                price = draw(st.integers(50, 2000))
                offer = draw(st.none() | st.tuples(st.integers(2, 4), st.integers(80, 5000)))
                cost, bought = offer_cost(packs, price, offer)
                options.append(Option(line, store, 100 * level + line, bought, cost, level))
    for twin in range(draw(st.integers(0, 2))):  # stores of one price zone: the same prices
        model = draw(st.integers(1, stores))
        options += [replace(o, store=50 + twin) for o in options if o.store == model]
    return options, draw(st.integers(1, 3))


@settings(max_examples=150, deadline=None)
@given(instances())
def test_the_plan_is_the_brute_force_optimum_within_the_store_limit(
    instance: tuple[list[Option], int],
) -> None:
    options, max_stores = instance
    plan = solve(options, max_stores)
    assert plan.status == "optimal"
    assert len(plan.stores) <= max_stores
    assert (len(plan.chosen), plan.total) == brute_force(options, max_stores)
    available = {(o.line, o.store, o.cost) for o in options}
    for line, option in plan.chosen.items():
        assert option.line == line and (line, option.store, option.cost) in available
        assert option.store in plan.stores


def test_the_single_store_sells_the_most_lines_then_costs_least() -> None:
    options = [
        Option(0, 1, 10, 1, 300), Option(1, 1, 11, 1, 200),  # store 1: lines 0, 1 for 5.00
        Option(0, 2, 10, 1, 250), Option(2, 2, 12, 1, 100),  # store 2: lines 0, 2 for 3.50
        Option(1, 3, 11, 1, 100),  # store 3: one line only
    ]  # fmt: skip
    best = single_store([0, 1, 2], options)
    assert (best.store, best.total, best.uncovered) == (2, 350, (1,))
    plan = solve(options, 2)  # two stores cover all three lines: 2 and 3
    assert (sorted(plan.chosen), plan.stores, plan.total) == ([0, 1, 2], (2, 3), 450)


def test_an_offer_is_used_when_buying_more_costs_less() -> None:
    assert offer_cost(3, 150, (4, 400)) == (400, 4)  # 4 for $4 beats 3 x $1.50
    assert offer_cost(5, 150, (4, 400)) == (550, 5)  # 4 for $4 + 1 x $1.50
    assert offer_cost(7, 150, (4, 400)) == (800, 8)  # two offers beat 4 for $4 + 3 x $1.50
    assert offer_cost(1, 150, (2, 500)) == (150, 1)  # a dearer offer is ignored


def test_of_stores_priced_alike_the_preferred_one_is_used() -> None:
    alike = [Option(0, store, 10, 1, 250) for store in (3, 5, 8)] + [Option(1, 8, 11, 1, 100)]
    assert solve(alike[:3], 1, preference=[5, 3, 8]).stores == (5,)
    assert solve(alike[:3], 1).stores == (3,)  # no preference: the lowest id
    assert solve(alike, 1, preference=[5, 3, 8]).stores == (8,)  # store 8 sells both lines
