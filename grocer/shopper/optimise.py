"""The cheapest way to buy a list in at most N stores: a mixed-integer program (PuLP, HiGHS).

Each line may be served at a store by one option (a product, packs and their cost).  Variables:
``open[s]`` (a store is used) and ``take[l, s]`` (line ``l`` bought at ``s``); each line at most
once, only at an open store, at most ``max_stores`` open.  The objective is lexicographic in
one sum over whole cents: every covered line is worth more than the dearest possible basket, so
the plan covers as many lines as any plan can, then costs the least; gaps are 0, so the answer
is the optimum.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations

import pulp


@dataclass(frozen=True)
class Option:
    """One way to serve a line at a store: a product, the packs bought, their cost (cents),
    the substitute level (0: the product asked for or one linked to it) and any multi-buy."""

    line: int
    store: int
    product_id: int
    packs: int
    cost: int
    level: int = 0
    multibuy: str | None = None


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


def solve(options: Sequence[Option], max_stores: int) -> Plan:
    """The plan covering the most lines, then costing the least, in ``max_stores`` stores."""
    best = cheapest_per_store(options)
    if not best:
        return Plan({}, (), 0, "optimal", 0.0)
    stores = sorted({store for _line, store in best})
    lines = sorted({line for line, _store in best})
    worth = sum(max(o.cost for k, o in best.items() if k[0] == line) for line in lines) + 1
    model = pulp.LpProblem("basket", pulp.LpMinimize)
    open_ = {s: model.add_variable(f"open_{s}", cat="Binary") for s in stores}
    take = {k: model.add_variable(f"take_{k[0]}_{k[1]}", cat="Binary") for k in best}
    model += pulp.lpSum((best[k].cost - worth) * take[k] for k in best)
    for line in lines:
        model += pulp.lpSum(take[k] for k in best if k[0] == line) <= 1
    for k in best:
        model += take[k] <= open_[k[1]]
    model += pulp.lpSum(open_.values()) <= max_stores
    solver = pulp.HiGHS(msg=False, gapRel=0, gapAbs=0)
    with _solver_output_to_stderr():
        model.solve(solver)
    status = pulp.LpStatus[model.status].lower()
    chosen = {k[0]: best[k] for k in best if (take[k].value() or 0) > 0.5}
    used = tuple(sorted({o.store for o in chosen.values()}))
    return Plan(chosen, used, sum(o.cost for o in chosen.values()), status, _gap(solver))


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
