"""Benchmark: the crawl budget with price zones learned on the simulator for a whole store master.

On a fresh SQLite database:

1. imports the store master (``grocer stores import``);
2. learns the zones from every crawlable store's full catalogue on one day: what a full crawl
   of each store would store, taken from the simulator's ground truth (which the end-to-end tests
   hold equal to what a crawl stores) and loaded with ``grocer ingest``, because crawling 2,453
   stores in full here would take hours; then ``grocer analyze zones``.  Zones are learned from
   full data, as the daemon learns them (a never-crawled store is crawled in full): a
   250-listing sample cannot tell apart zones that differ on 1% of listings;
3. the next day, measures what the crawls cost with real crawls through the real engine: one
   store per retailer in full (``scrapy crawl``) and ``--samples`` zone members per retailer by
   a sampled health check (``grocer crawl RETAILER ... --sample 250``);
4. prints ``grocer plan --report``: requests per day to keep every store current, crawling every
   store versus anchors in full plus sampled health checks of members.

Goal: Coles, Woolworths and Aldi at least 50x fewer with zones.  Ends with one line of JSON.

    python bench/plan.py [--master ../shared/corpus/stores/companies.store.json.gz]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from grocer.db.migrate import upgrade
from grocer.scheduler.budget import crawl_budget
from grocer.scheduler.state import store_states
from grocer.sim.server import SimulatorServer

ROOT = Path(__file__).resolve().parent.parent
DAY = date(2025, 9, 17)
COMPANIES = ("coles", "woolworths", "aldi")
MEASURED = {"coles": "COL:401", "woolworths": "1147", "aldi": "G102"}
FAST = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0"]


def run(command: list[str], env: dict[str, str]) -> float:
    """Run a step to completion; its wall seconds."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        output = done.stdout[-2000:] + done.stderr[-3000:]
        raise SystemExit(f"{' '.join(command[:6])} failed:\n{output}")
    return time.perf_counter() - start


def write_full_catalogues(sim: SimulatorServer, company: str, folder: Path) -> tuple[int, int]:
    """Every crawlable store's served catalogue on DAY as feed records (one file per company);
    the stores and lines written."""
    stores = sim.state.stores.crawlable(company)
    lines = 0
    with (folder / f"{company}.jsonl").open("w") as out:
        for store in stores:
            for product in sim.truth(company, store.store_id, DAY)["products"]:
                if product["marketplace"]:
                    continue  # a crawl filters Woolworths' marketplace sellers out
                record = {
                    "company": company,
                    "store_id": store.store_id,
                    "observed_on": DAY.isoformat(),
                    "sku": product["sku"],
                    "name": product["name"],
                    "brand": product["brand"],
                    "size": product["size"],
                    "category_path": [product["category"]],
                    "price": product["price"],
                    "was_price": product["was_price"],
                    "unit_price_text": product["unit_price_text"],
                    "barcode": product["barcode"],
                    "is_available": product["available"],
                }
                out.write(json.dumps(record) + "\n")
                lines += 1
    return len(stores), lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--master", type=Path, default=ROOT.parent / "shared/corpus/stores/companies.store.json.gz"
    )
    parser.add_argument("--samples", type=int, default=20, help="members sampled per retailer")
    args = parser.parse_args()
    if not args.master.exists():
        raise SystemExit(f"no store master at {args.master} (--master PATH)")

    grocer = [sys.executable, "-m", "grocer.cli"]
    timings: dict[str, float] = {}
    with (
        tempfile.TemporaryDirectory(prefix="grocer-plan-bench-") as tmp,
        SimulatorServer(date=DAY, seed=0) as sim,
    ):
        env = {k: v for k, v in os.environ.items() if not k.startswith("GROCER_")}
        env.update(GROCER_ENV="dev", GROCER_SIM_URL=sim.url, GROCER_DATA_DIR=tmp)
        timings["import"] = run([*grocer, "stores", "import", str(args.master)], env)
        catalogues = Path(tmp) / "catalogues"
        catalogues.mkdir()
        start = time.perf_counter()
        for company in COMPANIES:
            stores, lines = write_full_catalogues(sim, company, catalogues)
            print(f"{company}: {stores} stores, {lines:,} observations on {DAY}")
        timings["catalogues"] = time.perf_counter() - start
        timings["ingest"] = run([*grocer, "ingest", *map(str, catalogues.iterdir())], env)
        timings["zones"] = run([*grocer, "analyze", "zones", "--as-of", DAY.isoformat()], env)

        sim.set_date(DAY + timedelta(days=1))
        engine = upgrade(f"sqlite:///{tmp}/grocer-dev.sqlite3")
        with engine.connect() as connection:
            members = {
                company: [s.store_id for s in store_states(connection, companies=[company])
                          if s.is_member][: args.samples]
                for company in COMPANIES
            }  # fmt: skip
        for company in COMPANIES:
            timings[f"full_{company}"] = run(
                [sys.executable, "-m", "scrapy", "crawl", company,
                 "-a", f"store={MEASURED[company]}", *FAST],
                env,
            )  # fmt: skip
            timings[f"sample_{company}"] = run(
                [*grocer, "crawl", company, *members[company], "--sample", "250", *FAST], env
            )
        report = subprocess.run(
            [*grocer, "plan", "--report"], cwd=ROOT, env=env, capture_output=True, text=True
        ).stdout
        with engine.connect() as connection:
            budgets = {b.company: b for b in crawl_budget(connection, companies=list(COMPANIES))}
        engine.dispose()

    print(report, end="")
    for step, seconds in timings.items():
        print(f"  {step:<20} {seconds:7.1f} s")
    ratios = {c: round(b.ratio, 1) if b.ratio else None for c, b in budgets.items()}
    print(f"saving with zones: {ratios} (goal >= 50x each)")
    figures: dict[str, object] = {"bench": "plan"}
    for company, b in budgets.items():
        figures.update(
            {
                f"{company}_stores": b.stores,
                f"{company}_zones": b.zones,
                f"{company}_full_requests": b.full_requests,
                f"{company}_sample_requests": b.sample_requests,
                f"{company}_every_store_per_day": round(b.every_store_per_day or 0),
                f"{company}_with_zones_per_day": round(b.zoned_per_day or 0),
                f"{company}_ratio": ratios[company],
            }
        )
    figures["seconds"] = round(sum(timings.values()), 1)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
