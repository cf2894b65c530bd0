"""Benchmark: what the store locators ask of each retailer, with and without covered cells.

Starts the simulator in this process and runs each grid locator (``aldi_stores``,
``coles_stores``, ``woolworths_stores``) twice with ``scrapy crawl`` into fresh SQLite files:
as it runs (an answer vouches for every store nearer than its farthest, so the grid cells it
holds are not asked) and with ``-a cover=0`` (every grid point asked).  Reports, per locator,
the requests (and their ratio to the full sweep's), the stores found, the cells skipped and
refined and the wall seconds of each, as one JSON line.  Exit 1 if skipping cells lost a
store the full sweep found.

    python bench/locators.py [--spiders aldi_stores,coles_stores,woolworths_stores]
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
from typing import Any

from sqlalchemy import select

from grocer.db.engine import make_engine
from grocer.db.models import CrawlRun, Store
from grocer.progress import progress
from grocer.sim.server import SimulatorServer

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "grocer-dev.sqlite3"  # the dev database in GROCER_DATA_DIR
FAST = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0", "-s", "LOG_LEVEL=WARNING"]
SPIDERS = ("aldi_stores", "coles_stores", "woolworths_stores")


def sweep(sim_url: str, spider: str, *args: str) -> dict[str, Any]:
    """One locator crawl into a fresh database: its requests, stores and seconds."""
    with tempfile.TemporaryDirectory() as data:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GROCER_")}
        env.update(GROCER_ENV="dev", GROCER_SIM_URL=sim_url, GROCER_DATA_DIR=data)
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", spider, *FAST, *args],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800,
        )  # fmt: skip
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"{spider} {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
        engine = make_engine(f"sqlite:///{Path(data) / DATABASE}")
        try:
            with engine.connect() as connection:
                stores = set(connection.execute(select(Store.retailer_store_id)).scalars())
                stats = connection.execute(select(CrawlRun.stats)).scalar_one()
        finally:
            engine.dispose()
    return {
        "requests": stats.get("downloader/request_count", 0),
        "stores": stores,
        "covered": stats.get("grocer/stores/points_covered", 0),
        "refined": stats.get("grocer/stores/cells_refined", 0),
        "seconds": round(seconds, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spiders", default=",".join(SPIDERS))
    args = parser.parse_args()
    result: dict[str, Any] = {}
    lost_any = False
    spiders = args.spiders.split(",")
    with SimulatorServer() as sim, progress(2 * len(spiders), "locator crawls") as bar:
        for spider in spiders:
            covering = sweep(sim.url, spider)
            bar.update()
            full = sweep(sim.url, spider, "-a", "cover=0")
            bar.update()
            lost = len(full["stores"] - covering["stores"])
            lost_any |= lost > 0
            result[spider] = {
                "requests": covering["requests"],
                "requests_full_sweep": full["requests"],
                "requests_vs_full_sweep": round(covering["requests"] / max(full["requests"], 1), 3),
                "stores": len(covering["stores"]),
                "stores_full_sweep": len(full["stores"]),
                "stores_lost": lost,
                "cells_covered": covering["covered"],
                "cells_refined": covering["refined"],
                "cells_refined_full_sweep": full["refined"],
                "seconds": covering["seconds"],
                "seconds_full_sweep": full["seconds"],
            }
    print(json.dumps(result))
    return 1 if lost_any else 0


if __name__ == "__main__":
    sys.exit(main())
