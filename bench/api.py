"""Benchmark: the HTTP API (``grocer serve``) under an open-loop load, then a full export.

A SQLite database of ``--products`` products (50,000) and exactly ``--prices`` price rows
(1,000,000) over 200 stores is built once into ``--work`` (bench/api_data.py: migrated by
grocer's own upgrade, bulk inserted, search index rebuilt; about 45 s) and reused while its
parameters, its counts and the schema revision still match.  ``grocer serve`` is started on it
on a free port and warmed up, then driven open-loop for ``--seconds`` (20) per phase: request
*i* is scheduled at ``t0 + i * 10 ms`` whatever happened to the earlier ones, at most 16 are in
flight (a request waits for a slot), and each latency runs from the request's scheduled start,
so a slow server is charged for the queue it causes.  Phases:

- search: ``/v1/products?q=<one or two name words>&sort=unit_price``;
- product page: ``/v1/products/{id}`` (uniform random ids);
- history: ``/v1/products/{id}/prices``;

then one ``/v1/export/prices`` is streamed to the end (lines counted) while the server's RSS
is sampled every 50 ms (growth: the peak during the export minus the RSS just before).  An
endpoint the server does not have yet (404) is skipped and its figures are null.  The client
is aiohttp (about 1 ms of CPU a request; httpx took 5 ms, a quarter of a core at this rate on
a 2-core machine the server shares).

Progress goes to stderr; stdout gets one JSON line: ``products``, ``price_rows``,
``offered_rps``, ``achieved_rps`` (200 answers per second of phase wall time, over the phases
run), ``<phase>_p50_ms`` / ``<phase>_p95_ms`` (every request's latency, a failed one's too),
``export_rows``, ``export_rows_per_s``, ``export_rss_growth_mb``, ``errors`` (answers other
than 200 and failed requests, per phase), ``server_cpu_ms_per_request`` and
``client_cpu_ms_per_request`` per phase, ``goals_met`` (p95s < 150 ms, achieved_rps >= 95,
export >= 50,000 rows/s, RSS growth < 50 MB), ``first_search_s`` (the first search builds the
server's current-price index), ``baseline_search_ms`` (that first search: what every search
cost when current prices were resolved per request) and ``search_speedup_vs_baseline``
(``baseline_search_ms / search_p50_ms``), ``build_s`` and the 1-minute load average when the
run began and ended.  The server's log is ``<work>/serve.log``.

    python bench/api.py [--work DIR] [--products 50000] [--prices 1000000] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import api_data  # bench/api_data.py (bench/, the script's folder, is on sys.path)
from sqlalchemy import func, select

from grocer.db.engine import make_engine
from grocer.db.migrate import SCHEMA_REVISION, upgrade
from grocer.db.models import Price, Product

ROOT = Path(__file__).resolve().parent.parent
INTERVAL_S = 0.010  # one request scheduled every 10 ms
IN_FLIGHT = 16
WARM_UP = 5  # requests of each kind before measuring
REQUEST_TIMEOUT = 30  # seconds; a request taking longer counts as an error
EXPORT_TIMEOUT = 600
WARM_UP_TIMEOUT = 300  # seconds: the first search may build the server's price index
RSS_EVERY_S = 0.05
GOAL_P95_MS, GOAL_RPS, GOAL_EXPORT_RPS, GOAL_RSS_MB = 150, 95, 50_000, 50
PHASES = ("search", "product", "history")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def prepare_database(work: Path, products: int, prices: int, seed: int) -> tuple[str, float]:
    """The benchmark database in ``work`` (built unless the one there matches); its URL and
    the seconds spent building it (0 when reused)."""
    path, meta_path = work / "api.sqlite3", work / "api.json"
    url = f"sqlite:///{path}"
    meta = {"products": products, "prices": prices, "seed": seed,
            "version": api_data.VERSION, "schema": SCHEMA_REVISION}  # fmt: skip
    if path.exists() and meta_path.exists() and json.loads(meta_path.read_text()) == meta:
        engine = make_engine(url)
        with engine.connect() as c:
            counts = (
                c.execute(select(func.count()).select_from(Product)).scalar_one(),
                c.execute(select(func.count()).select_from(Price)).scalar_one(),
            )
        engine.dispose()
        if counts == (products, prices):
            log(f"reusing {path}")
            return url, 0.0
    for stale in (path, meta_path, *work.glob("api.sqlite3-*")):
        stale.unlink(missing_ok=True)
    log(f"building {path}: {products} products, {prices} price rows")
    started = time.perf_counter()
    engine = upgrade(url)
    api_data.build(engine, products, prices, seed)
    engine.dispose()
    meta_path.write_text(json.dumps(meta))
    seconds = time.perf_counter() - started
    log(f"built in {seconds:.1f} s")
    return url, seconds


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def grocer_command() -> list[str]:
    script = Path(sys.executable).with_name("grocer")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from grocer.cli import main; sys.exit(main())"]


def start_server(url: str, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "GROCER_DATABASE_URL": url}
    env.pop("GROCER_ENV", None)
    with log_path.open("wb") as out:
        return subprocess.Popen(
            [*grocer_command(), "serve", "--port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def wait_ready(base: str, server: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"grocer serve exited {server.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{base}/v1/status", timeout=10) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise SystemExit(f"grocer serve did not answer /v1/status in 60 s (log: {log_path})")


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def cpu_s(pid: int) -> float:
    """User plus system CPU seconds of the process so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def warm_cache(path: Path) -> None:
    """Read the database file once, so the OS holds it as a long-running server's would."""
    with path.open("rb") as f:
        while f.read(1 << 22):
            pass


@dataclass
class Phase:
    name: str
    latencies_ms: list[float] = field(default_factory=list)  # every request's, failed too
    ok: int = 0
    errors: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    wall_s: float = 0.0
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0

    def percentile(self, q: float) -> float | None:
        """Nearest-rank percentile of the latencies (a failure's too: a timeout is slow)."""
        if not self.latencies_ms:
            return None
        ordered = sorted(self.latencies_ms)
        return round(ordered[max(0, math.ceil(q * len(ordered)) - 1)], 1)


def own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def get(session: aiohttp.ClientSession, path: str, timeout: float = REQUEST_TIMEOUT) -> str:
    """The status of a GET whose body is read to the end, or the name of its failure."""
    try:
        async with session.get(path, timeout=aiohttp.ClientTimeout(total=timeout)) as answer:
            await answer.read()
            return str(answer.status)
    except (aiohttp.ClientError, TimeoutError) as problem:
        return type(problem).__name__


async def run_phase(
    session: aiohttp.ClientSession, name: str, paths: Callable[[], str], seconds: float, pid: int
) -> Phase:
    """Open loop: request i scheduled at t0 + i * INTERVAL_S, at most IN_FLIGHT in flight."""
    phase = Phase(name)
    slots = asyncio.Semaphore(IN_FLIGHT)
    loop = asyncio.get_running_loop()

    async def one(path: str, scheduled: float) -> None:
        async with slots:
            status = await get(session, path)
            done = loop.time()
        phase.statuses[status] = phase.statuses.get(status, 0) + 1
        phase.latencies_ms.append((done - scheduled) * 1000)
        if status == "200":
            phase.ok += 1
        else:
            phase.errors += 1

    cpu_before, own_before = cpu_s(pid), own_cpu_s()
    t0 = loop.time() + 0.05
    tasks = []
    for i in range(round(seconds / INTERVAL_S)):
        scheduled = t0 + i * INTERVAL_S
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(paths(), scheduled)))
    await asyncio.gather(*tasks)
    phase.wall_s = loop.time() - t0
    phase.server_cpu_s = cpu_s(pid) - cpu_before
    phase.client_cpu_s = own_cpu_s() - own_before
    return phase


@dataclass
class Export:
    status: int
    rows: int
    seconds: float
    rss_before_kb: int
    rss_peak_kb: int


async def run_export(session: aiohttp.ClientSession, pid: int) -> Export:
    """Stream the whole price export, counting its rows, sampling the server's RSS."""
    before = rss_kb(pid)
    peak = [before]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(RSS_EVERY_S):
            try:
                peak[0] = max(peak[0], rss_kb(pid))
            except OSError:
                return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    lines, last = 0, b"\n"
    try:
        timeout = aiohttp.ClientTimeout(total=EXPORT_TIMEOUT)
        async with session.get("/v1/export/prices", timeout=timeout) as response:
            async for chunk in response.content.iter_chunked(1 << 16):
                lines += chunk.count(b"\n")
                last = chunk[-1:] or last
            header = "csv" in response.headers.get("content-type", "")
            status = response.status
    finally:
        seconds = time.perf_counter() - started
        stop.set()
        sampler.join()
    lines += last != b"\n"  # a last line without its newline
    return Export(status, lines - header, seconds, before, peak[0])


async def exists(session: aiohttp.ClientSession, path: str) -> tuple[bool, float]:
    """Whether the server routes ``path`` (any answer but 404; only the head is read), and
    the seconds its answer took (the first search builds the server's current-price index)."""
    started = time.perf_counter()
    timeout = aiohttp.ClientTimeout(total=WARM_UP_TIMEOUT)
    async with session.get(path, timeout=timeout) as response:
        return response.status != 404, time.perf_counter() - started


async def measure(base: str, args: argparse.Namespace, pid: int, ids: tuple[int, int]) -> Any:
    rng = random.Random(args.seed)

    def product_id() -> int:
        return rng.randint(*ids)

    makers: dict[str, Callable[[], str]] = {
        "search": lambda: (
            "/v1/products?" + urlencode({"q": api_data.random_query(rng), "sort": "unit_price"})
        ),
        "product": lambda: f"/v1/products/{product_id()}",
        "history": lambda: f"/v1/products/{product_id()}/prices",
    }
    connector = aiohttp.TCPConnector(limit=IN_FLIGHT)
    async with aiohttp.ClientSession(base, connector=connector) as session:
        probes = {name: await exists(session, makers[name]()) for name in PHASES}
        probes["export"] = await exists(session, "/v1/export/prices")
        available = {name: found for name, (found, _s) in probes.items()}
        log(f"first search answered in {probes['search'][1]:.1f} s")
        phases: dict[str, Phase] = {}
        for name in PHASES:
            if not available[name]:
                log(f"{name}: the server has no such endpoint yet, skipped")
                continue
            for _ in range(WARM_UP):
                status = await get(session, makers[name](), WARM_UP_TIMEOUT)
                if status != "200":
                    log(f"{name}: a warm-up request answered {status}")
            log(f"{name}: {args.seconds:g} s at {1 / INTERVAL_S:g} requests/s")
            phases[name] = phase = await run_phase(session, name, makers[name], args.seconds, pid)
            log(f"  p50 {phase.percentile(0.5)} ms, p95 {phase.percentile(0.95)} ms, "
                f"{phase.ok} ok in {phase.wall_s:.1f} s, statuses {phase.statuses}, "
                f"server CPU {phase.server_cpu_s:.1f} s")  # fmt: skip
        export = None
        if available["export"]:
            log("export: streaming /v1/export/prices")
            export = await run_export(session, pid)
            before, peak = export.rss_before_kb // 1024, export.rss_peak_kb // 1024
            log(f"  {export.rows} rows in {export.seconds:.1f} s (status {export.status}), "
                f"server RSS {before} -> peak {peak} MB")  # fmt: skip
        else:
            log("export: the server has no /v1/export/prices yet, skipped")
    return phases, export, probes["search"][1] if available["search"] else None


def figures(
    args: argparse.Namespace, phases: dict[str, Phase], export: Export | None, build_s: float,
    load: float,
) -> dict[str, Any]:  # fmt: skip
    ok = sum(p.ok for p in phases.values())
    wall = sum(p.wall_s for p in phases.values())
    result: dict[str, Any] = {
        "bench": "api",
        "products": args.products,
        "price_rows": args.prices,
        "offered_rps": round(1 / INTERVAL_S),
        "achieved_rps": round(ok / wall, 1) if wall else None,
    }
    for name in PHASES:
        phase = phases.get(name)
        result[f"{name}_p50_ms"] = phase.percentile(0.5) if phase else None
        result[f"{name}_p95_ms"] = phase.percentile(0.95) if phase else None
    exported = export is not None and export.status == 200
    result["export_rows"] = export.rows if exported else None
    result["export_rows_per_s"] = round(export.rows / export.seconds) if exported else None
    result["export_rss_growth_mb"] = (
        round((export.rss_peak_kb - export.rss_before_kb) / 1024, 1) if exported else None
    )
    result["errors"] = {name: p.errors for name, p in phases.items()}
    if export is not None:
        result["errors"]["export"] = int(export.status != 200)
    result["server_cpu_ms_per_request"] = {
        name: round(1000 * p.server_cpu_s / max(1, len(p.latencies_ms)), 1)
        for name, p in phases.items()
    }
    result["client_cpu_ms_per_request"] = {
        name: round(1000 * p.client_cpu_s / max(1, len(p.latencies_ms)), 2)
        for name, p in phases.items()
    }

    def below(value: float | None, goal: float) -> bool | None:
        return None if value is None else value < goal

    def reaches(value: float | None, goal: float) -> bool | None:
        return None if value is None else value >= goal

    result["goals_met"] = {
        **{f"{name}_p95": below(result[f"{name}_p95_ms"], GOAL_P95_MS) for name in PHASES},
        "achieved_rps": reaches(result["achieved_rps"], GOAL_RPS),
        "export_rows_per_s": reaches(result["export_rows_per_s"], GOAL_EXPORT_RPS),
        "export_rss_growth": below(result["export_rss_growth_mb"], GOAL_RSS_MB),
    }
    result["seconds_per_phase"] = args.seconds
    result["build_s"] = round(build_s, 1)
    result["load_avg_1m"] = load  # when the run began
    result["load_avg_1m_end"] = round(os.getloadavg()[0], 2)  # this run's own load is in it
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", help="folder of the database (kept; default: a temp folder)")
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--prices", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    load = round(os.getloadavg()[0], 2)
    work = Path(args.work or tempfile.mkdtemp(prefix="grocer-bench-api-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        url, build_s = prepare_database(work, args.products, args.prices, args.seed)
        engine = make_engine(url)
        with engine.connect() as c:
            ids = c.execute(select(func.min(Product.id), func.max(Product.id))).one()
        engine.dispose()
        warm_cache(work / "api.sqlite3")
        port, log_path = free_port(), work / "serve.log"
        base = f"http://127.0.0.1:{port}"
        server = start_server(url, port, log_path)
        try:
            wait_ready(base, server, log_path)
            log(f"grocer serve (pid {server.pid}) answers on {base}")
            phases, export, first_search_s = asyncio.run(
                measure(base, args, server.pid, tuple(ids))
            )
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    result = figures(args, phases, export, build_s, load)
    result["first_search_s"] = None if first_search_s is None else round(first_search_s, 1)
    # The baseline: a search resolving every listing's current price in the request, as the
    # first one does to build the index (the API before it kept one).
    p50 = result["search_p50_ms"]
    result["baseline_search_ms"] = None if first_search_s is None else round(1000 * first_search_s)
    result["search_speedup_vs_baseline"] = (
        round(1000 * first_search_s / p50) if first_search_s is not None and p50 else None
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
