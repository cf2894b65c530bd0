"""The cheapest way to buy a list in at most N stores: a mixed-integer program (PuLP, HiGHS).

Each line may be served at a store by one option (a product, packs and their cost); a line is
bought where it is cheapest among the stores used, so only the choice of stores is a decision:
binary ``open[s]``, at most ``max_stores`` of them.  The model is the cover ("radius")
formulation of the p-median problem: a line's distinct costs ``c_1 < ... < c_m`` at the stores
that sell it, then ``c_{m+1}`` = not bought; a continuous ``z[l, k]`` is 1 when the line costs
``c_k`` or more, ``z[l, k] + sum(open[s] for s where it costs less than c_k) >= 1``, and the
line costs ``c_1 + sum_k (c_k - c_{k-1}) z[l, k]``.  Its relaxation is much tighter than one
assignment variable per line and store (HiGHS proves 50 lines over 30 stores in tenths of a
second, not seconds).  Not buying a line costs more than the dearest possible basket, so the plan
covers as many lines as any plan can, then costs the least (in whole cents); gaps are 0, so the
answer is the optimum.  Stores that serve the same lines at the same costs (a price zone's)
enter the model once (:func:`distinct_stores`).
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import pulp


@dataclass(frozen=True)
class Option:
    """One way to serve a line at a store: a product, the packs bought, their cost (cents),
    the substitute level (0: the product asked for or one linked to it) and the multi-buy
    offer it is bought by, if any: ``(quantity, cents)`` and the packs beyond those asked for."""

    line: int
    store: int
    product_id: int
    packs: int
    cost: int
    level: int = 0
    multibuy: tuple[int, int] | None = None
    extra_packs: int = 0


@dataclass(frozen=True)
class Plan:
    """The chosen option per covered line, the stores used, the total (cents), and how the
    solver ended (status, final relative gap)."""

    chosen: dict[int, Option]
    stores: tuple[int, ...]
    total: int
    status: str
    gap: float


def offer_cost(packs: int, price: int, offer: tuple[int, int] | None) -> tuple[int, int]:
    """Cents for ``packs`` at shelf price ``price`` with an offer of ``n`` for ``P`` cents,
    and the packs bought: ``min(floor(k/n)*P + (k mod n)*p, ceil(k/n)*P)`` (up to n-1 more
    when that is cheaper).

    >>> offer_cost(3, 200, (2, 300)), offer_cost(3, 200, (4, 500)), offer_cost(2, 200, None)
    ((500, 3), (500, 4), (400, 2))
    """
    if offer is None or offer[0] < 2:
        return packs * price, packs
    n, bundle = offer
    exact = (packs // n) * bundle + (packs % n) * price
    rounded_up = math.ceil(packs / n) * bundle
    if rounded_up < exact:
        return rounded_up, math.ceil(packs / n) * n
    return exact, packs


def cheapest_per_store(options: Sequence[Option]) -> dict[tuple[int, int], Option]:
    """Per (line, store) its cheapest option (then the lowest level, then product id)."""
    best: dict[tuple[int, int], Option] = {}
    for option in options:
        key = (option.line, option.store)
        held = best.get(key)
        rank = (option.cost, option.level, option.product_id)
        if held is None or rank < (held.cost, held.level, held.product_id):
            best[key] = option
    return best


def distinct_stores(
    best: dict[tuple[int, int], Option], preference: Sequence[int] = ()
) -> dict[tuple[int, int], Option]:
    """``best`` with one store of each set that serves the same lines at the same costs: the
    first in ``preference`` (then the lowest id).  Stores of one price zone are such a set;
    keeping one of each leaves the optimum's lines and total as they were and spares the
    solver telling interchangeable stores apart."""
    served: dict[int, list[tuple[int, int]]] = {}
    for (line, store), option in best.items():
        served.setdefault(store, []).append((line, option.cost))
    rank = {store: n for n, store in enumerate(preference)}
    kept: dict[tuple[tuple[int, int], ...], int] = {}
    for store in sorted(served, key=lambda s: (rank.get(s, len(rank)), s)):
        kept.setdefault(tuple(sorted(served[store])), store)
    chosen = set(kept.values())
    return {key: option for key, option in best.items() if key[1] in chosen}


def solve(options: Sequence[Option], max_stores: int, preference: Sequence[int] = ()) -> Plan:
    """The plan covering the most lines, then costing the least, in ``max_stores`` stores;
    among stores serving the same lines at the same costs, the first in ``preference`` (the
    nearest, as :mod:`grocer.shopper.basket` gives them) is the one used."""
    best = distinct_stores(cheapest_per_store(options), preference)
    if not best:
        return Plan({}, (), 0, "optimal", 0.0)
    costs: dict[int, dict[int, int]] = {}
    for (line, store), option in best.items():
        costs.setdefault(line, {})[store] = option.cost
    not_bought = sum(max(found.values()) for found in costs.values()) + 1
    model = pulp.LpProblem("basket", pulp.LpMinimize)
    open_ = {
        s: model.add_variable(f"open_{s}", cat="Binary") for s in sorted({s for _l, s in best})
    }
    objective: list[Any] = []
    for line, found in sorted(costs.items()):
        steps = [*sorted(set(found.values())), not_bought]
        objective.append(steps[0])
        for k in range(1, len(steps)):
            at_least = model.add_variable(f"z_{line}_{k}", lowBound=0)
            objective.append((steps[k] - steps[k - 1]) * at_least)
            cheaper = [open_[s] for s, cost in found.items() if cost < steps[k]]
            model += at_least + pulp.lpSum(cheaper) >= 1
    model += pulp.lpSum(objective)
    model += pulp.lpSum(open_.values()) <= max_stores
    # Presolve off: its probing cost more than the whole solve on these small, tight models
    # (bench/basket.py: 0.03-0.09 s against 0.13-0.22 s).
    solver = pulp.HiGHS(msg=False, gapRel=0, gapAbs=0, presolve="off")
    with _solver_output_to_stderr():
        model.solve(solver)
    status = pulp.LpStatus[model.status].lower()
    opened = {s for s, variable in open_.items() if (variable.value() or 0) > 0.5}
    rank = {store: n for n, store in enumerate(preference)}
    chosen: dict[int, Option] = {}
    for (line, store), option in sorted(best.items()):
        held = chosen.get(line)
        if store in opened and (held is None or _rank(option, rank) < _rank(held, rank)):
            chosen[line] = option
    used = tuple(sorted({o.store for o in chosen.values()}))
    return Plan(chosen, used, sum(o.cost for o in chosen.values()), status, _gap(solver))


def _rank(option: Option, preference: dict[int, int]) -> tuple[int, int, int, int]:
    """Cheapest first, then the lowest level, the preferred store, the lowest product id."""
    where = preference.get(option.store, len(preference))
    return (option.cost, option.level, where, option.product_id)


def _gap(solver: pulp.HiGHS) -> float:
    """The solver's final relative MIP gap (0 when it proved the optimum)."""
    highs = getattr(solver, "solverModel", None)
    if highs is None:
        return 0.0
    gap = float(highs.getInfo().mip_gap)
    return 0.0 if math.isinf(gap) or gap < 0 else gap


@contextlib.contextmanager
def _solver_output_to_stderr() -> Iterator[None]:
    """HiGHS prints a banner on standard output whatever its options: send it to standard
    error, so a command's ``--json`` output stays one object."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


@dataclass(frozen=True)
class SingleStore:
    """The one store covering the most lines, the cheapest on them among ties."""

    store: int | None
    chosen: dict[int, Option]
    total: int
    uncovered: tuple[int, ...]


def single_store(lines: Sequence[int], options: Sequence[Option]) -> SingleStore:
    """The best single store (see :class:`SingleStore`); ties go to the lower store id."""
    best = cheapest_per_store(options)
    by_store: dict[int, dict[int, Option]] = {}
    for (line, store), option in best.items():
        by_store.setdefault(store, {})[line] = option
    if not by_store:
        return SingleStore(None, {}, 0, tuple(lines))
    store = min(
        by_store, key=lambda s: (-len(by_store[s]), sum(o.cost for o in by_store[s].values()), s)
    )
    chosen = by_store[store]
    uncovered = tuple(line for line in lines if line not in chosen)
    return SingleStore(store, chosen, sum(o.cost for o in chosen.values()), uncovered)


def brute_force(options: Sequence[Option], max_stores: int) -> tuple[int, int]:
    """(lines covered, total) of the best plan by trying every set of stores: the check of
    :func:`solve` on small instances."""
    best = cheapest_per_store(options)
    stores = sorted({store for _line, store in best})
    answer = (0, 0)
    for size in range(1, min(max_stores, len(stores)) + 1):
        for chosen in combinations(stores, size):
            costs: dict[int, int] = {}
            for (line, store), option in best.items():
                if store in chosen and (line not in costs or option.cost < costs[line]):
                    costs[line] = option.cost
            found = (len(costs), sum(costs.values()))
            if (found[0], -found[1]) > (answer[0], -answer[1]):
                answer = found
    return answer
