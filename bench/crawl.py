"""Benchmark: crawling a 30,000-product simulated store end to end into SQLite.

Starts the simulator (``python -m grocer.sim --scale N``) in its own process, then measures,
against the same Aldi store and date:

1. grocer: ``scrapy crawl aldi`` in a subprocess, the whole pipeline into a fresh SQLite file;
   products/s (wall) and the crawler process's CPU seconds per 1,000 products;
2. the floor: a bare Scrapy spider in a subprocess that requests and parses the same pages
   with the same parser functions, yields the products as items and writes nothing (CPU
   seconds per 1,000 products; the goal is judged against it), and the same spider yielding
   no items, only requests: the cost of fetching and parsing alone, shown for comparison;
3. a naive scraper in this process: sequential ``urllib`` requests, the same parsing,
   validation and normalisation, then per product an INSERT and a commit into a SQLite file
   opened the way ``sqlite3`` opens it, over a ``--naive-pages`` sample of the listing pages
   (its rate is per product, so a sample suffices).

The floor and grocer run ``--repeat`` times, alternating, and their medians are compared: on a
shared two-core machine one run's CPU time varies by about 10%.  Throughput is measured twice:
on loopback, where a response costs only its parsing, and with ``--latency`` milliseconds
added to every response by the simulator, as a retailer's server and the network add them.
Concurrency pays off only against latency, so the ratio to the naive scraper is judged there
(docs/crawl-benchmark.md).

    python bench/crawl.py [--scale 37000] [--repeat 3] [--latency 100] [--naive-pages 120]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

from grocer.db.migrate import upgrade
from grocer.normalize.product import normalize_item
from grocer.normalize.validate import validate_item
from grocer.retailers import aldi
from grocer.retailers.common import loads_json

ROOT = Path(__file__).resolve().parent.parent

STORE = "G102"
DATABASE = "grocer-dev.sqlite3"  # the dev database in GROCER_DATA_DIR
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


def timed_child(
    command: list[str], env: dict[str, str], cwd: Path = ROOT
) -> tuple[float, float, str]:
    """Run a child to completion; its wall seconds, CPU seconds and stdout."""
    cpu, wall = child_cpu(), time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
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


def set_latency(url: str, milliseconds: int) -> None:
    """Make the simulator add ``milliseconds`` to every response (0: none)."""
    body = json.dumps({"spec": f"latency={milliseconds}ms"}).encode()
    request = urllib.request.Request(
        f"{url}/_sim/faults", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request) as answer:
        answer.read()


def run_floor(
    base: str, env: dict[str, str], outside: Path, *, items: bool = True
) -> tuple[float, float, int]:
    """The bare Scrapy spider, run from ``outside`` the project so that Scrapy's defaults
    apply, yielding its products as items or not: wall seconds, CPU seconds, products parsed."""
    script = str(ROOT / "bench" / "bare_spider.py")
    command = [sys.executable, "-m", "scrapy", "runspider", script, "-a", f"base={base}"]
    command += ["-a", f"store={STORE}", "-a", f"items={int(items)}"]
    wall, cpu, out = timed_child(command, env, cwd=outside)
    return wall, cpu, json.loads(out.strip().splitlines()[-1])["products"]


def run_grocer(env: dict[str, str], data_dir: Path) -> tuple[float, float, int]:
    """``scrapy crawl aldi`` into an empty database: wall seconds, CPU seconds, price rows.

    The schema is created first, untimed, as ``grocer db upgrade`` creates it once for every
    later crawl."""
    env = {**env, "GROCER_DATA_DIR": str(data_dir)}
    upgrade(f"sqlite:///{data_dir / DATABASE}").dispose()
    command = [sys.executable, "-m", "scrapy", "crawl", "aldi", "-a", f"store={STORE}", *FAST]
    wall, cpu, _ = timed_child(command, env)
    with sqlite3.connect(data_dir / DATABASE) as db:
        stored = db.execute("SELECT COUNT(*) FROM prices").fetchone()[0]
    return wall, cpu, stored


def timed_naive(base: str, pages: int, database: Path) -> float:
    """The naive scraper's products per second."""
    start = time.perf_counter()
    products = naive_scrape(base, pages, database)
    return products / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=37_000, help="products per retailer")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the floor and grocer")
    parser.add_argument("--latency", type=int, default=100, help="ms per response; 0: skip")
    parser.add_argument("--naive-pages", type=int, default=120)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="grocer-crawl-bench-") as tmp:
        sim, url = start_simulator(args.scale, Path(tmp) / "simulator.log")
        try:
            env = {k: v for k, v in os.environ.items() if not k.startswith("GROCER_")}
            env.update(GROCER_ENV="dev", GROCER_SIM_URL=url)
            base = f"{url}/aldi"
            # The floor runs first and fills the simulator's page cache, so grocer's crawl is
            # not slowed by first renders; each process's CPU is its own either way.
            floors, parse_only, crawls = [], [], []
            for run in range(args.repeat):
                floors.append(run_floor(base, env, Path(tmp)))
                parse_only.append(run_floor(base, env, Path(tmp), items=False))
                crawls.append(run_grocer(env, Path(tmp) / f"grocer-{run}"))
                print(f"run {run + 1}/{args.repeat}", file=sys.stderr)
            naive_rate = timed_naive(base, args.naive_pages, Path(tmp) / "naive.sqlite3")
            if args.latency:
                set_latency(url, args.latency)
                slow_wall, _, slow_stored = run_grocer(env, Path(tmp) / "grocer-latency")
                slow_naive = timed_naive(base, args.naive_pages, Path(tmp) / "naive-l.sqlite3")
        finally:
            sim.terminate()
            sim.wait(10)

    products = floors[0][2]
    stored = crawls[0][2]
    if any(c[2] != stored for c in crawls) or any(f[2] != products for f in floors + parse_only):
        raise SystemExit(f"runs disagree: floor {floors} {parse_only}, grocer {crawls}")
    wall = statistics.median(c[0] for c in crawls)
    cpu_per_k = statistics.median(c[1] for c in crawls) / stored * 1000
    floor_per_k = statistics.median(f[1] for f in floors) / products * 1000
    parse_per_k = statistics.median(f[1] for f in parse_only) / products * 1000
    rate = stored / wall
    print(f"store {STORE} at scale {args.scale}: {products} products served, {stored} price rows")
    print(f"medians of {args.repeat} runs each:")
    print(f"  grocer crawl: {wall:.1f} s = {rate:,.0f} products/s, {cpu_per_k:.3f} CPU s/1,000")
    print(f"  bare Scrapy floor (yields its items): {floor_per_k:.3f} CPU s/1,000")
    print(f"  the same yielding no items: {parse_per_k:.3f} CPU s/1,000")
    print(
        f"  CPU vs floor: {cpu_per_k / floor_per_k:.2f}x (goal <= 2x); "
        f"vs fetching and parsing alone: {cpu_per_k / parse_per_k:.2f}x"
    )
    print(f"loopback: naive {naive_rate:,.0f} products/s, grocer {rate / naive_rate:.1f}x")
    result = {
        "bench": "crawl",
        "products": stored,
        "products_per_s": round(rate),
        "cpu_s_per_1000": round(cpu_per_k, 3),
        "floor_cpu_s_per_1000": round(floor_per_k, 3),
        "cpu_vs_floor": round(cpu_per_k / floor_per_k, 2),
        "parse_only_cpu_s_per_1000": round(parse_per_k, 3),
        "cpu_vs_parse_only": round(cpu_per_k / parse_per_k, 2),
        "baseline_products_per_s": round(naive_rate),
        "ratio_loopback": round(rate / naive_rate, 1),
    }
    if args.latency:
        slow_rate = slow_stored / slow_wall
        print(
            f"{args.latency} ms a response: grocer {slow_rate:,.0f} products/s, naive "
            f"{slow_naive:,.0f}/s, ratio {slow_rate / slow_naive:.1f}x (goal >= 10x)"
        )
        result.update(
            latency_ms=args.latency,
            products_per_s_at_latency=round(slow_rate),
            baseline_products_per_s_at_latency=round(slow_naive),
            ratio=round(slow_rate / slow_naive, 1),
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
