"""Benchmark: price-zone maintenance over a synthetic chain, against a naive comparer.

A chain of ``--stores`` stores (default 2,000) x ``--listings`` listings (5,000) in ``--zones``
true zones (20) is written through the normal tables (stores, products, listings, crawl runs,
change-only price rows with real price hashes).  Each zone's price list differs from every other
on ~6% of listings; stores differ in assortment (up to 10% missing) and one in five has a
one-off markdown.  Every store is observed on one day of the same price week.

One maintenance run (phase 1, phase 2, retention) is timed in a child process that only
maintains, so its peak RSS is the maintenance's own, not the chain builder's; its SQL
statements are counted (``before_cursor_execute``) and the zones it finds compared with the
true ones.  The baseline, a naive comparer that queries both stores of every pair and
compares them in Python (joining each store to the first anchor it matches), runs on a
``--subset`` chain (200 stores) next to the engine on the same subset.  Ends with one line of JSON.

    python bench/zones.py [--stores 2000] [--listings 5000] [--zones 20] [--subset 200]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select

from grocer.analysis.zones.compare import Outcome, PriceMap, compare_price_maps
from grocer.analysis.zones.maintain import maintain_zones
from grocer.db.bulk import insert_rows
from grocer.db.migrate import upgrade
from grocer.db.models import CrawlRun, GroupMembership, Listing, Price, Product, Store
from grocer.db.store_rows import COMPANY_IDS
from grocer.normalize.price_state import price_hash

ROOT = Path(__file__).resolve().parent.parent
AS_OF = date(2025, 9, 23)  # a Tuesday: every store is observed on Sunday and Tuesday
FIRST = AS_OF - timedelta(days=2)
ALDI = COMPANY_IDS["aldi"]


def build_chain(
    engine: Engine, stores: int, listings: int, zones: int, seed: int
) -> dict[int, int]:
    """Write the chain; returns store id -> true zone."""
    rng = random.Random(seed)
    base = [Decimal(rng.randrange(99, 2999)) / 100 for _ in range(listings)]
    zone_prices = []
    for _ in range(zones):
        prices = list(base)
        for j in rng.sample(range(listings), listings * 3 // 100):
            prices[j] += Decimal("0.10") * rng.randrange(1, 9)
        zone_prices.append(prices)
    hashes: dict[Decimal, str] = {}

    def hashed(price: Decimal) -> str:
        if price not in hashes:
            hashes[price] = price_hash(price, None, None, None, False, None)
        return hashes[price]

    now = datetime.now(UTC)
    with engine.begin() as connection:
        insert_rows(
            connection,
            Product.__table__,
            [
                {"name": f"Bench product {j}", "sizes": "", "matching_key": f"bench {j}"}
                for j in range(listings)
            ],
        )
        product_ids = list(connection.execute(select(Product.id).order_by(Product.id)).scalars())
        insert_rows(
            connection,
            Listing.__table__,
            [
                {"company_id": ALDI, "sku": f"B{j:07d}", "product_id": product_ids[j]}
                for j in range(listings)
            ],
        )
        listing_ids = list(connection.execute(select(Listing.id).order_by(Listing.id)).scalars())
        insert_rows(
            connection,
            Store.__table__,
            [
                {
                    "company_id": ALDI,
                    "retailer_store_id": f"B{i:05d}",
                    "name": f"Bench {i}",
                    "state": "NSW",
                    "timezone": "Australia/Sydney",
                    "crawlable": True,
                    "needs_rescrape": False,
                }
                for i in range(stores)
            ],
        )
        store_ids = list(
            connection.execute(
                select(Store.id).where(Store.retailer_store_id.like("B%")).order_by(Store.id)
            ).scalars()
        )
    # load the price rows without the two secondary indexes, then build them once
    secondary = [("ix_prices_last_seen", "last_seen"), ("ix_prices_listing", "listing_id")]
    with engine.begin() as connection:
        for name, _ in secondary:
            connection.exec_driver_sql(f"DROP INDEX {name}")
    truth = {}
    for i, store_id in enumerate(store_ids):
        zone = i % zones
        truth[store_id] = zone
        missing = set(rng.sample(range(listings), rng.randrange(0, listings // 10)))
        prices = zone_prices[zone]
        markdown = rng.randrange(listings) if rng.random() < 0.2 else -1
        rows = []
        for j in range(listings):
            if j in missing:
                continue
            price = prices[j] - (Decimal("0.50") if j == markdown and prices[j] > 1 else 0)
            rows.append(
                {
                    "store_id": store_id,
                    "listing_id": listing_ids[j],
                    "price": price,
                    "is_special": False,
                    "price_hash": hashed(price),
                    "first_seen": FIRST,
                    "last_seen": AS_OF,
                }
            )
        with engine.begin() as connection:
            connection.execute(
                insert(CrawlRun),
                [
                    dict(
                        spider="bench",
                        company_id=ALDI,
                        store_id=store_id,
                        observed_on=day,
                        started_at=now,
                        finished_at=now,
                        status="complete",
                        items=len(rows),
                        rejected=0,
                        stats={},
                    )
                    for day in (FIRST, AS_OF)
                ],
            )
            insert_rows(connection, Price.__table__, rows)
        if sys.stderr.isatty():
            print(f"\rwriting stores {i + 1}/{stores}", end="", file=sys.stderr)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    with engine.begin() as connection:
        for name, column in secondary:
            connection.exec_driver_sql(f"CREATE INDEX {name} ON prices ({column})")
    return truth


def found_zones(engine: Engine) -> set[frozenset[int]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(GroupMembership.group_id, GroupMembership.store_id).where(
                GroupMembership.valid_to.is_(None)
            )
        )
        groups: dict[int, set[int]] = defaultdict(set)
        for group, store in rows:
            groups[group].add(store)
    return {frozenset(g) for g in groups.values()}


def true_zones(truth: dict[int, int]) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = defaultdict(set)
    for store, zone in truth.items():
        groups[zone].add(store)
    return {frozenset(g) for g in groups.values()}


def naive_zones(engine: Engine, store_ids: list[int]) -> tuple[set[frozenset[int]], int]:
    """Each store is compared with each anchor so far, querying both stores every time."""

    def price_map(connection: Any, store: int) -> PriceMap:
        day = connection.execute(
            select(func.max(CrawlRun.observed_on)).where(CrawlRun.store_id == store)
        ).scalar_one()
        rows = connection.execute(
            select(Price.listing_id, Price.price_hash).where(
                Price.store_id == store, Price.first_seen <= day, Price.last_seen >= day
            )
        )
        return PriceMap(store, "aldi", day, dict(rows.all()))

    anchors: dict[int, set[int]] = {}
    comparisons = 0
    with engine.connect() as connection:
        for store in store_ids:
            for anchor, members in anchors.items():
                comparisons += 1
                outcome = compare_price_maps(
                    price_map(connection, store), price_map(connection, anchor), as_of=AS_OF
                ).outcome
                if outcome == Outcome.MATCH:
                    members.add(store)
                    break
            else:
                anchors[store] = {store}
    return {frozenset(m) for m in anchors.values()}, comparisons


# The maintenance run, alone in a process: seconds, statements, its summary and peak RSS.
CHILD = """
import json, sys, time
from datetime import date
from sqlalchemy import event
from grocer.analysis.zones.maintain import maintain_zones
from grocer.db.engine import make_engine
engine = make_engine(sys.argv[1])
statements = [0]
def count(*_):
    statements[0] += 1
event.listen(engine, "before_cursor_execute", count)
started = time.perf_counter()
summary = maintain_zones(engine, as_of=date.fromisoformat(sys.argv[2]), companies=["aldi"])
seconds = time.perf_counter() - started
engine.dispose()
with open("/proc/self/status") as status:  # VmHWM: the peak RSS since exec
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
aldi = summary.companies["aldi"]
print(json.dumps({"seconds": seconds, "statements": statements[0], "peak_rss_kb": peak,
                  "retention_s": summary.retention_seconds, "comparisons": aldi.comparisons,
                  "merges": aldi.merges, "rows_deleted": aldi.rows_deleted}))
"""


def child_maintenance(url: str) -> dict[str, Any]:
    """One maintenance run as of ``AS_OF`` in a fresh process; its figures."""
    args = [sys.executable, "-c", CHILD, url, AS_OF.isoformat()]
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=2000)
    parser.add_argument("--listings", type=int, default=5000)
    parser.add_argument("--zones", type=int, default=20)
    parser.add_argument("--subset", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", default=None, help="folder for the SQLite files")
    args = parser.parse_args()
    folder = Path(args.dir or tempfile.mkdtemp(prefix="grocer-bench-zones-"))
    folder.mkdir(parents=True, exist_ok=True)

    # the subset: naive comparer, then the engine, on the same 200 stores
    subset = upgrade(f"sqlite:///{folder / 'subset.sqlite3'}")
    subset_truth = build_chain(subset, args.subset, args.listings, args.zones, args.seed)
    started = time.perf_counter()
    naive, naive_comparisons = naive_zones(subset, sorted(subset_truth))
    naive_s = time.perf_counter() - started
    started = time.perf_counter()
    subset_summary = maintain_zones(subset, as_of=AS_OF, companies=["aldi"])
    subset_s = time.perf_counter() - started
    # the naive comparer deletes nothing: compare it with the engine's grouping work too
    subset_grouping_s = subset_s - subset_summary.retention_seconds
    subset_ok = found_zones(subset) == true_zones(subset_truth) == naive
    subset.dispose()
    print(
        f"subset of {args.subset} stores: naive {naive_s:.2f}s ({naive_comparisons} "
        f"comparisons), engine {subset_s:.2f}s with retention, {subset_grouping_s:.2f}s "
        f"grouping; ratio {naive_s / subset_s:.1f} (grouping only "
        f"{naive_s / subset_grouping_s:.1f}), zones right: {subset_ok}"
    )

    engine = upgrade(f"sqlite:///{folder / 'chain.sqlite3'}")
    started = time.perf_counter()
    truth = build_chain(engine, args.stores, args.listings, args.zones, args.seed)
    build_s = time.perf_counter() - started
    with engine.connect() as connection:
        rows_before = connection.execute(select(func.count()).select_from(Price)).scalar_one()
    engine.dispose()
    run = child_maintenance(str(engine.url))
    maintenance_s, sql_statements = run["seconds"], run["statements"]
    found = found_zones(engine)
    exact = found == true_zones(truth)
    with engine.connect() as connection:
        rows_after = connection.execute(select(func.count()).select_from(Price)).scalar_one()
    engine.dispose()
    print(
        f"chain: {args.stores} stores x {args.listings} listings, {rows_before} price rows "
        f"written in {build_s:.1f}s"
    )
    print(
        f"maintenance: {maintenance_s:.2f}s ({run['retention_s']:.2f}s of it deleting "
        f"rows), {sql_statements} SQL statements, {run['comparisons']} exact comparisons, "
        f"{run['merges']} merges, peak RSS {run['peak_rss_kb'] / 1024:.0f} MB"
    )
    print(f"zones found: {len(found)} (true: {args.zones}), exactly the true zones: {exact}")
    print(f"price rows: {rows_before} -> {rows_after} ({run['rows_deleted']} deleted)")
    figures = {
        "bench": "zones",
        "stores": args.stores,
        "listings": args.listings,
        "true_zones": args.zones,
        "zones_found": len(found),
        "zones_exact": exact,
        "maintenance_s": round(maintenance_s, 2),
        "retention_s": round(run["retention_s"], 2),
        "peak_rss_kb": run["peak_rss_kb"],
        "sql_statements": sql_statements,
        "rows_before": rows_before,
        "rows_after": rows_after,
        "subset_stores": args.subset,
        "subset_naive_s": round(naive_s, 2),
        "subset_engine_s": round(subset_s, 2),
        "subset_grouping_s": round(subset_grouping_s, 2),
        "subset_zones_exact": subset_ok,
        "ratio": round(naive_s / subset_s, 1),
        "grouping_ratio": round(naive_s / subset_grouping_s, 1),
    }
    print(json.dumps(figures))
    return 0 if exact and subset_ok else 1


if __name__ == "__main__":
    sys.exit(main())
