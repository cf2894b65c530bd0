"""Benchmark: crawling a 30,000-product simulated store end to end into SQLite.

Starts the simulator (``python -m grocer.sim --scale N``) in its own process, then measures,
against the same Aldi store and date:

1. grocer: ``scrapy crawl aldi`` in a subprocess, the whole pipeline into a fresh SQLite file;
   products/s (wall) and the crawler process's CPU seconds per 1,000 products;
2. the floor: a bare Scrapy spider in a subprocess that requests and parses the same pages
   with the same parser functions and writes nothing (CPU seconds per 1,000 products);
3. a naive scraper in this process: sequential ``urllib`` requests, the same parsing,
   validation and normalisation, then per product an INSERT and a commit into a SQLite file
   opened the way ``sqlite3`` opens it, over a ``--naive-pages`` sample of the listing pages
   (its rate is per product, so a sample suffices).

    python bench/crawl.py [--scale 30000] [--naive-pages 120]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

from grocer.pipelines.normalize import normalize_item
from grocer.pipelines.validate import validate_item
from grocer.retailers import aldi
from grocer.retailers.common import loads_json

ROOT = Path(__file__).resolve().parent.parent

STORE = "G102"
DATE = "2025-09-17"
FAST = [
    "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0", "-s", "LOG_LEVEL=WARNING",
    "-s", "CONCURRENT_REQUESTS=16", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
]  # fmt: skip


def start_simulator(scale: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """The simulator in its own process; its output goes to ``log`` (a pipe nobody drains
    would fill up and stall it)."""
    command = [sys.executable, "-m", "grocer.sim", "--port", "0", "--date", DATE]
    process = subprocess.Popen([*command, "--scale", str(scale)], stdout=log.open("wb"))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        first = log.read_text().partition("\n")
        if first[1]:
            return process, first[0].strip()
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    raise SystemExit(f"simulator did not start: {log.read_text()[:500]!r}")


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_child(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run a child to completion; its wall seconds, CPU seconds and stdout."""
    cpu, wall = child_cpu(), time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{command[:4]} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - wall, child_cpu() - cpu, done.stdout


def naive_scrape(base: str, pages: int, database: Path) -> int:
    """The naive scraper: one request at a time, the same parsing, validation and
    normalisation, then per product an INSERT and a commit into SQLite as ``sqlite3`` opens
    it (default journal).  Returns the products written."""
    db = sqlite3.connect(database)
    db.execute(
        "CREATE TABLE prices (store TEXT, sku TEXT, name TEXT, price TEXT, was_price TEXT,"
        " unit_price TEXT, unit TEXT, price_hash TEXT, observed_on TEXT)"
    )
    with urllib.request.urlopen(aldi.categories_request(base, store_id=STORE).url) as answer:
        categories = aldi.parse_categories(loads_json(answer.read()))
    fetched = written = 0
    for category in categories:
        offset: int | None = 0
        while offset is not None and fetched < pages:
            url = aldi.search_request(base, category, offset, store_id=STORE).url
            try:
                with urllib.request.urlopen(url) as answer:
                    payload = loads_json(answer.read())
            except urllib.error.HTTPError as error:
                if aldi.is_end_of_listing(error.code):
                    break
                raise
            fetched += 1
            page = aldi.parse_search(
                payload, store_id=STORE, offset=offset, category_path=category.path
            )
            for item in page.items:
                item.observed_on = date.fromisoformat(DATE)
                checked, _ = validate_item(item)
                obs, _ = normalize_item(checked)
                db.execute(
                    "INSERT INTO prices VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (STORE, obs.sku, obs.identity.name, str(obs.price), str(obs.was_price),
                     str(obs.unit_price), obs.unit, obs.price_hash, DATE),
                )  # fmt: skip
                db.commit()
                written += 1
            offset = page.next_page
        if fetched >= pages:
            break
    db.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=37_000, help="products per retailer")
    parser.add_argument("--naive-pages", type=int, default=120)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="grocer-crawl-bench-") as tmp:
        sim, url = start_simulator(args.scale, Path(tmp) / "simulator.log")
        try:
            env = {k: v for k, v in os.environ.items() if not k.startswith("GROCER_")}
            env.update(GROCER_ENV="dev", GROCER_SIM_URL=url, GROCER_DATA_DIR=tmp)
            base = f"{url}/aldi"

            # The floor runs first and fills the simulator's page cache, so grocer's crawl is
            # not slowed by first renders; the floor's CPU is its own process's either way.
            floor_wall, floor_cpu, out = timed_child(
                [sys.executable, str(ROOT / "bench" / "bare_spider.py"), base, STORE], env
            )
            products = json.loads(out.strip().splitlines()[-1])["products"]

            wall, cpu, _ = timed_child(
                [sys.executable, "-m", "scrapy", "crawl", "aldi", "-a", f"store={STORE}", *FAST],
                env,
            )
            with sqlite3.connect(Path(tmp) / "grocer-dev.sqlite3") as db:
                stored = db.execute("SELECT COUNT(*) FROM prices").fetchone()[0]

            start = time.perf_counter()
            naive_products = naive_scrape(base, args.naive_pages, Path(tmp) / "naive.sqlite3")
            naive_wall = time.perf_counter() - start
        finally:
            sim.terminate()
            sim.wait(10)

    rate = stored / wall
    naive_rate = naive_products / naive_wall
    cpu_per_k = cpu / stored * 1000
    floor_per_k = floor_cpu / products * 1000
    print(f"store {STORE} at scale {args.scale}: {products} products served, {stored} price rows")
    print(f"grocer crawl: {wall:.1f} s = {rate:,.0f} products/s, {cpu_per_k:.3f} CPU s/1,000")
    print(f"bare Scrapy floor: {floor_wall:.1f} s, {floor_per_k:.3f} CPU s/1,000")
    print(f"naive scraper: {naive_products} products in {naive_wall:.1f} s = {naive_rate:,.0f}/s")
    print(
        f"ratio to naive: {rate / naive_rate:.1f}x (goal >= 10x); "
        f"CPU vs floor: {cpu_per_k / floor_per_k:.2f}x (goal <= 2x)"
    )
    print(
        json.dumps(
            {
                "bench": "crawl",
                "products": stored,
                "products_per_s": round(rate),
                "cpu_s_per_1000": round(cpu_per_k, 3),
                "floor_cpu_s_per_1000": round(floor_per_k, 3),
                "cpu_vs_floor": round(cpu_per_k / floor_per_k, 2),
                "baseline_products_per_s": round(naive_rate),
                "ratio": round(rate / naive_rate, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
