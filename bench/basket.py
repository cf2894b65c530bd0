"""Benchmark: the basket optimiser (grocer.shopper.optimise.solve) on a 50-line list over the
30 stores nearest a point, at most 2 stores.

The data is built here, seeded: 30 stores of the four retailers (8 Coles, 8 Woolworths, 7 Aldi,
7 IGA); 50 lines, every one ``~2`` and one in three an amount (``3L``, ``500g``), each with its
product, a linked product at another retailer and up to six substitutes of level 1 or 2.  A
retailer sells a product at each of its stores or at none (60% of products per retailer), at a
retailer-wide price varied per price zone (Coles and Woolworths: three zones, Aldi: one, IGA:
each store its own); one zone's listing in twenty has a multi-buy offer (2-4 for 10-25% less).
Stores are nearest first by id.  Each option's packs come from the line (``xN`` or
``ceil(amount / pack content)``) and its cost from :func:`~grocer.shopper.optimise.offer_cost`,
as :mod:`grocer.shopper.basket` builds them from the database.

``seconds`` is the optimiser's wall time, model and solve (the options built), the median of
``--repeat`` runs (5); ``gap`` the solver's final relative gap.  One JSON line on stdout:
``{"lines", "stores", "distinct_stores", "options", "seconds", "seconds_max", "gap", "status",
"covered", "stores_used", "brute_force_seconds", "speedup_vs_brute_force", "matches_brute_force",
"goal_met"}`` (``distinct_stores``: after stores of one price zone are taken as one).  The
baseline is :func:`~grocer.shopper.optimise.brute_force`, every set of at most 2 of the stores
tried once, which must reach the same lines and total (goal: seconds < 1, status optimal, gap
<= 1e-9, the baseline's answer).

``--own-prices`` prices every store on its own (no two alike): the optimiser's worst case.

    python bench/basket.py [--seed 7] [--repeat 5] [--own-prices]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import time

from grocer.shopper.optimise import (
    Option,
    brute_force,
    cheapest_per_store,
    distinct_stores,
    offer_cost,
    solve,
)

COMPANIES = ("coles",) * 8 + ("woolworths",) * 8 + ("aldi",) * 7 + ("iga",) * 7
LINES = 50
MAX_STORES = 2
PACK_CONTENTS = (250, 500, 750, 1000, 1250, 2000, 3000)  # g or ml


def price_zones(rng: random.Random, own_prices: bool) -> dict[int, tuple[str, int]]:
    """Each store's retailer and price zone: Coles and Woolworths three zones, Aldi one (a
    state), each IGA store its own; with ``own_prices`` every store its own."""
    zones = {}
    for store, company in enumerate(COMPANIES, start=1):
        zone = {"aldi": 0, "iga": store}.get(company, rng.randrange(3))
        zone = store if own_prices else zone
        zones[store] = (company, zone)
    return zones


def build_options(rng: random.Random, own_prices: bool = False) -> list[Option]:
    """Every option of a 50-line list over 30 stores (see the module)."""
    zones = price_zones(rng, own_prices)
    options: list[Option] = []
    product_id = 0
    for line in range(LINES):
        amount = rng.choice((1000, 3000, 500, 2000)) if line % 3 == 0 else None
        packs_asked = 1 if amount else rng.choice((1, 1, 2, 3))
        base = rng.randint(150, 1200)  # cents
        candidates = [0, 0] + [rng.choice((1, 2)) for _ in range(rng.randint(2, 6))]
        for level in candidates:
            product_id += 1
            content = rng.choice(PACK_CONTENTS)
            packs = math.ceil(amount / content) if amount else packs_asked
            shelf_base = base * content // 1000 if amount else base
            sold = [c for c in dict.fromkeys(COMPANIES) if rng.random() < 0.6]
            retailer_price = {c: max(50, int(shelf_base * rng.uniform(0.8, 1.3))) for c in sold}
            zone_terms: dict[tuple[str, int], tuple[int, tuple[int, int] | None]] = {}
            for store, (company, zone) in zones.items():
                if company not in sold:
                    continue
                if (company, zone) not in zone_terms:
                    price = retailer_price[company] + 10 * rng.randrange(4)
                    offer = None
                    if rng.random() < 0.05:
                        n = rng.randint(2, 4)
                        offer = (n, price * n * rng.randint(75, 90) // 100)
                    zone_terms[company, zone] = (price, offer)
                price, offer = zone_terms[company, zone]
                cost, bought = offer_cost(packs, price, offer)
                used = offer if offer and bought >= offer[0] else None
                options.append(
                    Option(line, store, product_id, bought, cost, level, used, bought - packs)
                )
    return options


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--own-prices", action="store_true", help="every store its own prices (no zones)"
    )
    args = parser.parse_args()
    options = build_options(random.Random(args.seed), args.own_prices)
    distinct = {store for _line, store in distinct_stores(cheapest_per_store(options))}
    timings, plan = [], None
    progress = sys.stderr.isatty()
    for run in range(args.repeat):
        started = time.perf_counter()
        plan = solve(options, MAX_STORES, range(1, len(COMPANIES) + 1))
        timings.append(time.perf_counter() - started)
        if progress:
            print(f"\rsolve {run + 1}/{args.repeat}", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    assert plan is not None
    seconds = statistics.median(timings)
    started = time.perf_counter()
    baseline = brute_force(options, MAX_STORES)  # every set of stores tried: the same optimum
    baseline_seconds = time.perf_counter() - started
    matches = baseline == (len(plan.chosen), plan.total)
    result = {
        "lines": LINES,
        "stores": len({o.store for o in options}),
        "distinct_stores": len(distinct),
        "options": len(options),
        "seconds": round(seconds, 4),
        "seconds_max": round(max(timings), 4),
        "gap": plan.gap,
        "status": plan.status,
        "covered": len(plan.chosen),
        "stores_used": len(plan.stores),
        "brute_force_seconds": round(baseline_seconds, 4),
        "speedup_vs_brute_force": round(baseline_seconds / seconds, 1),
        "matches_brute_force": matches,
        "goal_met": seconds < 1 and plan.status == "optimal" and plan.gap <= 1e-9 and matches,
    }
    print(json.dumps(result))
    return 0 if result["goal_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
