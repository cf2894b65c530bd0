"""Benchmark: what crawl health costs a crawl (schema validation and the Spidermon checks).

``bench/crawl.py``'s store (Aldi G102 at ``--scale`` products per retailer, on loopback) is
crawled ``--pairs`` times with everything on and ``--pairs`` times without
(``-s SPIDERMON_ENABLED=0 -s GROCER_SCHEMA_VALIDATION=0``), in alternating pairs whose order
alternates too, each into a fresh SQLite database; one run's CPU time varies 10-20% on this
machine, so the overhead is the median of the paired with/without ratios, minus one.  Ends
with one line of JSON: ``cpu_per_1000_with``, ``cpu_per_1000_without`` (CPU seconds of the
crawl process per 1,000 products, medians), ``overhead`` and ``runs``.  Goal: overhead <= 0.10.

    python bench/crawl_health.py [--scale 37000] [--pairs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
from pathlib import Path

from crawl import DATABASE, FAST, STORE, start_simulator, timed_child

from grocer.db.migrate import upgrade

WITHOUT = ["-s", "SPIDERMON_ENABLED=0", "-s", "GROCER_SCHEMA_VALIDATION=0"]


def crawl(env: dict[str, str], data_dir: Path, extra: list[str]) -> tuple[float, int, str]:
    """One ``scrapy crawl aldi`` into an empty database: CPU seconds, price rows, status."""
    env = {**env, "GROCER_DATA_DIR": str(data_dir)}
    upgrade(f"sqlite:///{data_dir / DATABASE}").dispose()
    command = [sys.executable, "-m", "scrapy", "crawl", "aldi", "-a", f"store={STORE}", *FAST]
    _, cpu, _ = timed_child([*command, *extra], env)
    with sqlite3.connect(data_dir / DATABASE) as db:
        stored = db.execute("SELECT COUNT(*) FROM prices").fetchone()[0]
        checks = db.execute("SELECT COUNT(*) FROM run_checks WHERE passed").fetchone()[0]
        status = db.execute("SELECT status FROM crawl_runs").fetchone()[0]
    return cpu, stored, f"{status}, {checks} checks passed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=37_000, help="products per retailer")
    parser.add_argument("--pairs", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="grocer-health-bench-") as tmp:
        sim, url = start_simulator(args.scale, Path(tmp) / "simulator.log")
        try:
            env = {k: v for k, v in os.environ.items() if not k.startswith("GROCER_")}
            env.update(GROCER_ENV="dev", GROCER_SIM_URL=url)
            crawl(env, Path(tmp) / "warm-up", [])  # fills the simulator's page cache
            runs: list[dict[str, object]] = []
            for pair in range(args.pairs):
                sides = [("with", []), ("without", WITHOUT)]
                figures = {}
                for side, extra in sides if pair % 2 == 0 else sides[::-1]:
                    cpu, stored, outcome = crawl(env, Path(tmp) / f"{side}-{pair}", extra)
                    figures[side] = round(cpu / stored * 1000, 4)
                    runs.append({"pair": pair, "side": side, "cpu_s": round(cpu, 3),
                                 "products": stored, "run": outcome})  # fmt: skip
                print(f"pair {pair + 1}/{args.pairs}: {figures}", file=sys.stderr)
        finally:
            sim.terminate()
            sim.wait(10)

    def per_1000(side: str) -> list[float]:
        return [r["cpu_s"] / r["products"] * 1000 for r in runs if r["side"] == side]  # type: ignore[operator]

    with_, without = per_1000("with"), per_1000("without")
    ratios = [w / o for w, o in zip(with_, without, strict=True)]
    print(json.dumps({
        "bench": "crawl_health",
        "store": STORE,
        "products": runs[0]["products"],
        "cpu_per_1000_with": round(statistics.median(with_), 4),
        "cpu_per_1000_without": round(statistics.median(without), 4),
        "overhead": round(statistics.median(ratios) - 1, 4),
        "runs": runs,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
