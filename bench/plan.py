"""Benchmark: the crawl budget with price zones learned on the simulator for a whole store master.

On a fresh SQLite database: imports the store master (``grocer stores import``), crawls every
crawlable store of each retailer in full once (``grocer crawl RETAILER --all``, one Scrapy
process per retailer), learns the zones (``grocer analyze zones``), gives ``--samples`` members
per retailer a sampled health check (``--sample 250``, measuring what one costs) and prints
``grocer plan --report``: requests per day to keep every store current, crawling every store
versus anchors in full plus sampled health checks of members.  Zones are learned from full
crawls, as the daemon learns them (a never-crawled store is crawled in full): a 250-listing
sample cannot tell apart zones that differ on 1% of listings, such as Aldi's NSW and QLD.
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
from pathlib import Path

from grocer.db.migrate import upgrade
from grocer.scheduler.budget import crawl_budget
from grocer.scheduler.state import store_states
from grocer.sim.server import SimulatorServer

ROOT = Path(__file__).resolve().parent.parent
DAY = "2025-09-17"
COMPANIES = ("coles", "woolworths", "aldi")
FAST = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0"]


def run(command: list[str], env: dict[str, str]) -> float:
    """Run a step to completion; its wall seconds."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(
            f"{' '.join(command[:6])} failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}"
        )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--master", type=Path, default=ROOT.parent / "shared/corpus/stores/companies.store.json.gz"
    )
    parser.add_argument("--parallel", type=int, default=4, help="crawls at once")
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
        for company in COMPANIES:
            timings[f"full_{company}"] = run(
                [*grocer, "crawl", company, "--all", "--parallel", str(args.parallel), *FAST], env
            )
        timings["zones"] = run([*grocer, "analyze", "zones", "--as-of", DAY], env)
        engine = upgrade(f"sqlite:///{tmp}/grocer-dev.sqlite3")
        with engine.connect() as connection:
            members = {
                company: [s.store_id for s in store_states(connection, companies=[company])
                          if s.is_member][: args.samples]
                for company in COMPANIES
            }  # fmt: skip
        for company, stores in members.items():
            timings[f"sample_{company}"] = run(
                [*grocer, "crawl", company, *stores, "--sample", "250", *FAST], env
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
    print(
        json.dumps(
            {
                "bench": "plan",
                **{f"{c}_zones": b.zones for c, b in budgets.items()},
                **{f"{c}_stores": b.stores for c, b in budgets.items()},
                **{
                    f"{c}_every_store_per_day": round(b.every_store_per_day or 0)
                    for c, b in budgets.items()
                },
                **{
                    f"{c}_with_zones_per_day": round(b.zoned_per_day or 0)
                    for c, b in budgets.items()
                },
                **{f"{c}_ratio": r for c, r in ratios.items()},
                "seconds": round(sum(timings.values()), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
