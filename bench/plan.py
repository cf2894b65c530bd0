"""Benchmark: the crawl budget with price zones learned on the simulator for a whole store master.

On a fresh SQLite database: imports the store master (``grocer stores import``), crawls one
store per retailer in full (``scrapy crawl``, measuring a full crawl's requests), then gives
every crawlable store a sampled crawl (``grocer crawl RETAILER --all --sample 250``, one Scrapy
process per retailer), learns the zones (``grocer analyze zones``) and prints ``grocer plan
--report``: requests per day to keep every store current, crawling every store versus anchors
in full plus sampled health checks of members.  Goal: Coles, Woolworths and Aldi at least 50x
fewer with zones.  Ends with one line of JSON.

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
from grocer.sim.server import SimulatorServer

ROOT = Path(__file__).resolve().parent.parent
DAY = "2025-09-17"
FULL_CRAWLS = {"coles": "COL:401", "woolworths": "1147", "aldi": "G102"}
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
    parser.add_argument("--parallel", type=int, default=8, help="sampled crawls at once")
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
        for company, store in FULL_CRAWLS.items():
            timings[f"full_{company}"] = run(
                [sys.executable, "-m", "scrapy", "crawl", company, "-a", f"store={store}", *FAST],
                env,
            )
        for company in FULL_CRAWLS:
            timings[f"sample_{company}"] = run(
                [*grocer, "crawl", company, "--all", "--sample", "250",
                 "--parallel", str(args.parallel), *FAST],
                env,
            )  # fmt: skip
        timings["zones"] = run([*grocer, "analyze", "zones", "--as-of", DAY], env)
        report = subprocess.run(
            [*grocer, "plan", "--report"], cwd=ROOT, env=env, capture_output=True, text=True
        ).stdout
        engine = upgrade(f"sqlite:///{tmp}/grocer-dev.sqlite3")
        with engine.connect() as connection:
            budgets = {b.company: b for b in crawl_budget(connection, companies=list(FULL_CRAWLS))}
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
