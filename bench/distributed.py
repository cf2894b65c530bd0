"""Benchmark: sampled crawls of one state's Aldi stores on 1, 2 and 3 Scrapyd nodes.

The simulator (in this process, latency ``--latency`` ms on every response and
``aldi:client_rate=N``: at most N answered requests per second per client address) and, for
each node count, a fresh database on the ``GROCER_TEST_POSTGRES_URL`` server (dropped after),
that many ``grocer node serve --slots 2`` nodes with source addresses 127.0.0.2, .3, .4
(``GROCER_NODE_RATE`` = the client rate, so no row is lost to 429s), and ``grocer daemon``
dispatching to them (``GROCER_SCRAPYD_NODES``) with ``--per-company`` and ``--max-crawls`` =
all slots, ``--sample 250`` (the health check's sampled crawl), ``--jobs crawls`` and a time
scale that ticks the crawl job every 2 s without a simulated day passing.  The first
``--stores`` crawlable Aldi stores of ``--state`` in id order are crawled; the time is taken
from the daemon's start until every store has a ``complete`` run in ``crawl_runs``.  Every
process is stopped after each count: the daemon with SIGTERM (killed if it lingers), the nodes'
process groups killed.

Ends with one line of JSON: ``stores_per_min_<n>``, ``speedup_<n>`` (against one node),
``clients_<n>`` (the addresses the simulator answered), ``lost_rows`` (price rows missing or
extra against the one-node run, compared as multisets of store, SKU, price state and dates),
``failed_runs`` (runs that ended other than complete), ``rate_limited`` (429s answered),
``elapsed_s`` per count, and under ``counts`` each count's figures: ``cpu_s`` (CPU seconds of
this benchmark's processes) and ``cpu_other_s`` (the rest of the machine's: another job on a
shared machine slows the crawls, and a warning says so), ``slot_busy`` (share of slot time
with a run made and not finished), ``rate_floor_s`` (requests / (rate x nodes): every
address at its limit throughout), ``first_crawl_s`` (daemon start to the first crawl
process), and median per crawl, from the nodes' Scrapyd and crawl logs: ``dispatch_s`` (run
row made to its process started), ``startup_s`` (process start to spider open), ``crawl_s``
(spider open to close), ``close_s`` (close to the run row finished), ``requests`` and
``waited_429_s``.  Scrapyd's log has whole seconds, so ``dispatch_s``/``startup_s`` are +-1 s.
Goal: ``speedup_2`` >= 1.7, ``clients_3`` = 3, ``lost_rows`` = 0.

    python bench/distributed.py [--stores 24] [--nodes 1,2,3] [--sample 250] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grocer.constants import COMPLETE  # noqa: E402
from grocer.db.engine import make_engine  # noqa: E402
from grocer.db.models import CrawlRun, Listing, Price, Store  # noqa: E402
from grocer.normalize.price_state import STORED_FIELDS  # noqa: E402
from grocer.sim.server import SimulatorServer  # noqa: E402
from tests.nodes import Node, free_port  # noqa: E402
from tests.postgres import scratch_database  # noqa: E402

DATE = "2025-09-17"
SERVER = os.environ.get("GROCER_TEST_POSTGRES_URL") or "postgresql://postgres@127.0.0.1:5432/test"
# The crawl job every 600 s / 300 = 2 s; a simulated day lasts 288 s of real time.
TIME_SCALE = 300.0
SETTINGS = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "LOG_LEVEL=INFO"]
POLL_S = 0.5
TICKS = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1
PROCESS_STARTED = re.compile(r"^(\S+) \[scrapyd\.launcher#info\] Process started: .*? job='(\d+)'")
STAT = re.compile(
    r"'(elapsed_time_seconds|downloader/request_count|grocer/retry/waited_seconds)': ([\d.]+)"
)
START_TIME = re.compile(r"'start_time': datetime\.datetime\(([\d, ]+)")
PRICE_COLUMNS = (Store.retailer_store_id, Listing.sku, *(getattr(Price, f) for f in STORED_FIELDS),
                 Price.first_seen, Price.last_seen)  # fmt: skip


def say(text: str) -> None:
    """Progress, to stderr."""
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def pick_stores(sim_url: str, state: str, count: int) -> list[str]:
    """The first ``count`` crawlable Aldi stores of ``state`` in id order (the simulator's
    store list)."""
    with urllib.request.urlopen(f"{sim_url}/_sim/stores?company=aldi&crawlable=1") as answer:
        stores = json.load(answer)["stores"]
    found = sorted(s["store_id"] for s in stores if s["state"] == state and s["crawlable"])
    if len(found) < count:
        raise SystemExit(f"the simulator has {len(found)} crawlable Aldi stores in {state}")
    return found[:count]


def clean_env(**values: str) -> dict[str, str]:
    """This environment without grocer's or Scrapy's variables, plus ``values``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GROCER_", "SCRAPY"))}
    return {**env, "GROCER_ENV": "dev", **values}


def start_nodes(count: int, slots: int, env: dict[str, str], work: Path) -> list[Node]:
    """``count`` nodes, each with its own data folder and source address 127.0.0.<2+i>,
    answering; a node that does not start stops those started."""
    nodes: list[Node] = []
    try:
        for index in range(count):
            data_dir = work / f"node-{index + 1}"
            data_dir.mkdir()
            node_env = {**env, "GROCER_DATA_DIR": str(data_dir)}
            source = f"127.0.0.{index + 2}"
            nodes.append(Node.start(free_port(), node_env, work, slots=slots, source=source))
        for node in nodes:
            node.wait_until_ready()
    except BaseException:
        for node in nodes:
            node.kill_group()
        raise
    return nodes


def stop_daemon(daemon: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it is still there 30 s later."""
    if daemon.poll() is None:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(30)
        except subprocess.TimeoutExpired:
            say("the daemon outlived SIGTERM by 30 s: killed")
            daemon.kill()
            daemon.wait(10)


def run_rows(engine: Engine, stores: list[str]) -> list[dict[str, Any]]:
    """The crawl runs of ``stores``: id, store, status, reason, node, timestamps, stats."""
    query = (
        select(CrawlRun.id, Store.retailer_store_id.label("store"), CrawlRun.status,
               CrawlRun.finish_reason, CrawlRun.node, CrawlRun.attempt, CrawlRun.started_at,
               CrawlRun.finished_at, CrawlRun.stats)
        .join(Store, Store.id == CrawlRun.store_id)
        .where(CrawlRun.spider == "aldi", Store.retailer_store_id.in_(stores))
        .order_by(CrawlRun.id)
    )  # fmt: skip
    with engine.connect() as connection:
        return [row._asdict() for row in connection.execute(query)]


def wait_complete(
    engine: Engine,
    stores: list[str],
    daemon: subprocess.Popen[bytes],
    meter: CpuMeter,
    timeout: float,
) -> float:
    """Seconds from now until every store has a ``complete`` run.

    Raises:
        RuntimeError: the daemon exited, or the time ran out.
    """
    started = time.monotonic()
    done = 0
    while time.monotonic() - started < timeout:
        meter.sample()
        complete = {r["store"] for r in run_rows(engine, stores) if r["status"] == COMPLETE}
        if len(complete) == len(stores):
            return time.monotonic() - started
        if len(complete) != done:
            done = len(complete)
            say(f"  {done}/{len(stores)} stores complete after {time.monotonic() - started:.0f} s")
        if daemon.poll() is not None:
            raise RuntimeError(f"the daemon exited {daemon.returncode}")
        time.sleep(POLL_S)
    raise RuntimeError(f"not every store complete within {timeout:.0f} s")


def price_rows(engine: Engine, stores: list[str]) -> Counter[tuple[Any, ...]]:
    """The price rows of ``stores`` as a multiset of (store, SKU, price state, dates)."""
    query = (
        select(*PRICE_COLUMNS)
        .join(Store, Store.id == Price.store_id)
        .join(Listing, Listing.id == Price.listing_id)
        .where(Store.retailer_store_id.in_(stores))
    )
    with engine.connect() as connection:
        return Counter(tuple(row) for row in connection.execute(query))


def machine_busy_s() -> float:
    """The machine's busy CPU seconds so far, all cores (``/proc/stat``; idle and iowait are
    not busy)."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / TICKS


class CpuMeter:
    """CPU seconds of this benchmark's processes (this one, which serves the simulator; the
    daemon; the nodes' process groups; the database server's sessions of ``database``),
    sampled from ``/proc`` (a crawl's last moments before it exits are missed), and of the
    whole machine: the rest is other load, which slows the crawls on a shared machine."""

    def __init__(self, pids: set[int], groups: set[int], database: str) -> None:
        self.pids, self.groups, self.database = pids, groups, database.rsplit("/", 1)[-1]
        self.seen: dict[int, float] = {}
        self.start_total, self.machine = 0.0, machine_busy_s()

    def _ours(self, pid: int, group: int, entry: Path) -> bool:
        if pid in self.pids or group in self.groups:
            return True
        with suppress(OSError):
            command = (entry / "cmdline").read_bytes()
            return command.startswith(b"postgres:") and self.database.encode() in command
        return False

    def sample(self) -> None:
        """Note the CPU time of each of this benchmark's processes now."""
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with suppress(OSError, ValueError):
                stat = (entry / "stat").read_text()
                fields = stat[stat.rindex(")") + 2 :].split()
                if self._ours(int(entry.name), int(fields[2]), entry):
                    self.seen[int(entry.name)] = (int(fields[11]) + int(fields[12])) / TICKS

    def figures(self) -> dict[str, float]:
        """``cpu_s`` (this benchmark's processes) and ``cpu_other_s`` since the start."""
        self.sample()
        ours = sum(self.seen.values()) - self.start_total
        other = machine_busy_s() - self.machine - ours
        return {"cpu_s": round(ours, 1), "cpu_other_s": round(max(other, 0.0), 1)}

    def begin(self) -> None:
        """Count from now: CPU the processes already had is left out."""
        self.sample()
        self.start_total = sum(self.seen.values())
        self.machine = machine_busy_s()


def process_starts(nodes: list[Node]) -> dict[int, float]:
    """When each job's crawl process started (run id -> Unix time), from the nodes' Scrapyd
    logs (second resolution)."""
    starts: dict[int, float] = {}
    for node in nodes:
        for line in node.log.read_text(errors="replace").splitlines():
            if found := PROCESS_STARTED.match(line):
                starts[int(found[2])] = datetime.strptime(
                    found[1], "%Y-%m-%dT%H:%M:%S%z"
                ).timestamp()
    return starts


def crawl_figures(log: Path) -> dict[str, float]:
    """The Scrapy stats of a crawl's log this needs: ``start_time`` (spider opened, Unix
    time), ``elapsed_time_seconds``, ``downloader/request_count``, waits for 429s."""
    if not log.exists():
        return {}
    text = log.read_text(errors="replace")
    figures = {name: float(value) for name, value in STAT.findall(text)}
    if found := START_TIME.search(text):
        parts = [int(part) for part in found[1].split(",") if part.strip()]
        figures["start_time"] = datetime(*parts, tzinfo=UTC).timestamp()  # type: ignore[arg-type]
    return figures


def phases(rows: list[dict[str, Any]], nodes: list[Node], began: float) -> dict[str, Any]:
    """Median seconds of a complete crawl's phases (see the module), requests per crawl, and
    the first crawl process's start after the daemon's (``began``, Unix time)."""
    folders = {node.url: node.folder for node in nodes}
    starts = process_starts(nodes)
    names = ("dispatch_s", "startup_s", "crawl_s", "close_s", "requests", "waited_429_s")
    found: dict[str, list[float]] = {name: [] for name in names}
    for row in rows:
        folder = folders.get(row["node"])
        if row["status"] != COMPLETE or folder is None:
            continue
        stats = crawl_figures(folder / "logs" / "default" / "aldi" / f"{row['id']}.log")
        process = starts.get(row["id"])
        opened, elapsed = stats.get("start_time"), stats.get("elapsed_time_seconds")
        if process is not None:
            found["dispatch_s"].append(process - row["started_at"].timestamp())
            if opened is not None:
                found["startup_s"].append(opened - process)
        if opened is not None and elapsed is not None and row["finished_at"] is not None:
            found["crawl_s"].append(elapsed)
            found["close_s"].append(row["finished_at"].timestamp() - opened - elapsed)
        found["requests"].append(stats.get("downloader/request_count", 0))
        found["waited_429_s"].append(stats.get("grocer/retry/waited_seconds", 0))
    out: dict[str, Any] = {
        name: round(statistics.median(values), 2) if values else None
        for name, values in found.items()
    }
    out["requests_total"] = int(sum(found["requests"]))
    out["first_crawl_s"] = round(min(starts.values()) - began, 1) if starts else None
    return out


def measure(
    sim: SimulatorServer, stores: list[str], count: int, args: argparse.Namespace, work: Path
) -> tuple[dict[str, Any], Counter[tuple[Any, ...]]]:
    """One node count on a fresh database: its figures and its price rows."""
    slots = count * args.slots
    with scratch_database(SERVER) as database:
        env = clean_env(GROCER_SIM_URL=sim.url, GROCER_DATABASE_URL=database)
        node_env = {**env, "GROCER_NODE_RATE": str(args.client_rate)}
        nodes = start_nodes(count, args.slots, node_env, work)
        daemon_dir = work / "daemon"
        daemon_dir.mkdir()
        daemon_env = {**env, "GROCER_DATA_DIR": str(daemon_dir),
                      "GROCER_SCRAPYD_NODES": ",".join(node.url for node in nodes)}  # fmt: skip
        command = [
            sys.executable, "-m", "grocer.cli", "daemon", "--time-scale", str(TIME_SCALE),
            "--start-date", DATE, "--stores", ",".join(f"aldi:{s}" for s in stores),
            "--per-company", str(slots), "--max-crawls", str(slots), "--sample",
            str(args.sample), "--jobs", "crawls", *SETTINGS,
        ]  # fmt: skip
        engine = make_engine(database)
        daemon: subprocess.Popen[bytes] | None = None
        try:
            sim.reset_requests()
            groups = {node.process.pid for node in nodes}
            meter = CpuMeter({os.getpid()}, groups, database)
            meter.begin()
            began = time.time()
            with (work / "daemon.log").open("wb") as log:
                daemon = subprocess.Popen(command, cwd=ROOT, env=daemon_env, stderr=log)
            meter.pids.add(daemon.pid)
            elapsed = wait_complete(engine, stores, daemon, meter, args.timeout)
            cpu, seen = meter.figures(), sim.requests()
            rows = run_rows(engine, stores)
            prices = price_rows(engine, stores)
        finally:
            if daemon is not None:
                stop_daemon(daemon)
            for node in nodes:
                node.kill_group()
            engine.dispose()
    failed = [{"store": r["store"], "status": r["status"], "reason": r["finish_reason"]}
              for r in rows if r["status"] != COMPLETE]  # fmt: skip
    busy = sum((r["finished_at"] - r["started_at"]).total_seconds() for r in rows
               if r["finished_at"] is not None)  # fmt: skip
    figures = {
        "elapsed_s": round(elapsed, 1),
        "stores_per_min": round(len(stores) / (elapsed / 60), 2),
        "clients": seen["clients"],
        "rate_limited": sum(seen["rate_limited"].values()),
        "runs": len(rows),
        "attempts": sum(r["attempt"] for r in rows),
        "failed_runs": failed,
        "price_rows": sum(prices.values()),
        **cpu,
        "cpu_busy": round((cpu["cpu_s"] + cpu["cpu_other_s"]) / (CORES * elapsed), 2),
        "slot_busy": round(busy / (slots * elapsed), 2),
        **phases(rows, nodes, began),
    }
    floor = figures["requests_total"] / (args.client_rate * count)
    figures["rate_floor_s"] = round(floor, 1)  # every address at its limit all along
    if cpu["cpu_other_s"] > 0.25 * CORES * elapsed:
        say(f"  warning: other load used {cpu['cpu_other_s']} CPU s meanwhile: a slower count")
    if elapsed > 86400 / TIME_SCALE:
        say(f"  warning: {elapsed:.0f} s is past the daemon's simulated day: stores went due again")
    return figures, prices


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=24, help="Aldi stores crawled")
    parser.add_argument("--nodes", default="1,2,3", help="node counts, comma separated")
    parser.add_argument("--sample", type=int, default=250, help="listings per sampled crawl")
    parser.add_argument("--slots", type=int, default=2, help="crawls at once per node")
    parser.add_argument("--latency", type=int, default=100, help="ms added to each response")
    parser.add_argument("--client-rate", type=int, default=4, help="requests/s per address")
    parser.add_argument("--state", default="NSW", help="the stores' state")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per node count")
    parser.add_argument("--work", type=Path, help="keep logs here (default: a temporary folder)")
    args = parser.parse_args()
    counts = [int(n) for n in args.nodes.split(",") if n.strip()]

    results: dict[int, dict[str, Any]] = {}
    prices: dict[int, Counter[tuple[Any, ...]]] = {}
    with tempfile.TemporaryDirectory(prefix="grocer-distributed-bench-") as tmp:
        work = args.work or Path(tmp)
        with SimulatorServer(date=DATE, seed=0) as sim:
            sim.set_faults(f"latency={args.latency}ms,aldi:client_rate={args.client_rate}")
            stores = pick_stores(sim.url, args.state, args.stores)
            say(f"{len(stores)} Aldi {args.state} stores: {stores[0]}..{stores[-1]}")
            for count in counts:
                folder = work / f"nodes-{count}"
                folder.mkdir(parents=True)
                say(f"{count} node(s) of {args.slots} slots ({folder})")
                results[count], prices[count] = measure(sim, stores, count, args, folder)
                say(f"{count} node(s): {json.dumps(results[count])}")

    base = counts[0]  # the one-node run when measured
    lost = {
        count: sum(((prices[count] - prices[base]) + (prices[base] - prices[count])).values())
        for count in counts
    }
    out: dict[str, Any] = {
        "bench": "distributed",
        "stores": args.stores,
        "slots_per_node": args.slots,
        "latency_ms": args.latency,
        "client_rate": args.client_rate,
        "sample": args.sample,
    }
    for count in counts:
        out[f"stores_per_min_{count}"] = results[count]["stores_per_min"]
    for count in counts:
        if count != base:
            speedup = results[count]["stores_per_min"] / results[base]["stores_per_min"]
            out[f"speedup_{count}"] = round(speedup, 2)
    for count in counts:
        out[f"clients_{count}"] = len(results[count]["clients"])
    out["lost_rows"] = sum(lost.values())
    out["failed_runs"] = sum(len(results[c]["failed_runs"]) for c in counts)
    out["rate_limited"] = sum(results[c]["rate_limited"] for c in counts)
    out["elapsed_s"] = {str(c): results[c]["elapsed_s"] for c in counts}
    out["counts"] = {str(c): {**results[c], "lost_rows": lost[c]} for c in counts}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
