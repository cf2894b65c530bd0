"""Crawls on two real Scrapyd nodes (``grocer node serve``) over PostgreSQL, dispatched by the
daemon: the same prices as the local launcher's, and nothing lost or doubled when a node dies.

One test, to fit the CI budget: twelve stores of the four retailers, sampled, one run per
retailer at a time; node A is killed (its process group, SIGKILL) while it crawls, with one
more job waiting in its Scrapyd queue; node B finishes everything; A, restarted on its
folder, runs the job left in its queue, which exits at once.  A third node runs another
checkout's code (``mismatch``) and gets nothing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from grocer.config import load_config
from grocer.constants import COMPLETE, RUNNING
from grocer.crawl.launch import plan_runs
from grocer.crawl.launch.local import LocalLauncher
from grocer.db.engine import make_engine
from grocer.db.migrate import upgrade
from grocer.db.models import CrawlNode, CrawlPage, CrawlRun, Listing, Price, Store
from grocer.db.store_rows import COMPANY_SLUGS, StoreRow, ensure_store
from grocer.sim.server import SimulatorServer
from tests.e2e.conftest import FAST, ROOT, START_DATE
from tests.nodes import Node, free_port
from tests.prerequisites import missing

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

STORES = (
    ("aldi", "G102"), ("aldi", "G107"), ("aldi", "G391"),
    ("woolworths", "1147"), ("woolworths", "1304"), ("woolworths", "1002"),
    ("coles", "COL:401"), ("coles", "COL:205"), ("coles", "COL:219"),
    ("iga", "14850"), ("iga", "14127"), ("iga", "14132"),
)  # fmt: skip
EXTRA = ("aldi", "G467")  # scheduled on node A by hand, beyond its slots, before the kill
LATE = ("aldi", "G001")  # planned once node B is drained
SAMPLE = 50
PASSWORD = "n0de-s3cret"
TIMEOUT_S = 10  # GROCER_NODE_TIMEOUT: a node or a run silent this long is lost
DONE_S = 240.0


def price_rows(engine: Engine) -> Counter[tuple[Any, ...]]:
    """Every price interval as (company, store, sku, its fields), counted."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                Store.company_id, Store.retailer_store_id, Listing.sku, Price.price,
                Price.was_price, Price.unit_price, Price.unit, Price.is_special,
                Price.promo_text, Price.price_hash, Price.first_seen, Price.last_seen,
            )
            .join(Listing, Listing.id == Price.listing_id)
            .join(Store, Store.id == Price.store_id)
        )  # fmt: skip
        return Counter((COMPANY_SLUGS[r[0]], *r[1:]) for r in rows)


def store_runs(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                CrawlRun.id, CrawlRun.company_id, Store.retailer_store_id, CrawlRun.status,
                CrawlRun.attempt, CrawlRun.node,
            )
            .join(Store, Store.id == CrawlRun.store_id)
            .order_by(CrawlRun.id)
        )  # fmt: skip
        return [{**r._asdict(), "company": COMPANY_SLUGS[r.company_id]} for r in rows]


def know_stores(sim: SimulatorServer, engine: Engine) -> None:
    """The stores as their locators would leave them (IGA's online shop ids, states)."""
    with engine.begin() as connection:
        for company in ("aldi", "woolworths", "coles", "iga"):
            url = f"{sim.url}/_sim/stores?company={company}"
            with urllib.request.urlopen(url) as answer:
                known = {s["store_id"]: s for s in json.load(answer)["stores"]}
            for c, store_id in (*STORES, EXTRA, LATE):
                if c == company:
                    store = known[store_id]
                    ensure_store(connection, StoreRow(
                        company, store_id, name=store["name"], state=store["state"],
                        aux_id=store.get("retailer_store_id"),
                    ))  # fmt: skip


def reference_prices(sim: SimulatorServer, tmp_path: Path) -> Counter[tuple[Any, ...]]:
    """The same crawls through the local launcher, into SQLite."""
    config = replace(
        load_config(dev=True), sim_url=sim.url, data_dir=tmp_path / "local",
        database_url=f"sqlite:///{tmp_path / 'local' / 'grocer.sqlite3'}",
    )  # fmt: skip
    engine = upgrade(config.database_url)
    know_stores(sim, engine)
    launcher = LocalLauncher(engine, config, scrapy_args=FAST)
    run_ids = []
    for company in ("aldi", "woolworths", "coles", "iga"):
        stores = [store for c, store in (*STORES, EXTRA, LATE) if c == company]
        run_ids += launcher.start(company, stores, {"sample": SAMPLE})
        statuses = launcher.wait(run_ids)
        assert set(statuses.values()) == {COMPLETE}, statuses
    prices = price_rows(engine)
    engine.dispose()
    return prices


def git_dir_of_another_commit(tmp_path: Path) -> Path:
    """A repository whose HEAD is another commit: a node reading it runs 'other code'."""
    other = tmp_path / "other-checkout"
    other.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(other)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "other"], check=True)
    return other / ".git"


class Cluster:
    """Nodes, the daemon and the database of the test."""

    def __init__(self, sim: SimulatorServer, database_url: str, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        base = {k: v for k, v in os.environ.items() if not k.startswith(("GROCER_", "SCRAPY"))}
        self.env = base | {
            "GROCER_ENV": "dev", "GROCER_SIM_URL": sim.url, "GROCER_DATABASE_URL": database_url,
            "GROCER_NODE_TIMEOUT": str(TIMEOUT_S), "SCRAPYD_USERNAME": "grocer",
            "SCRAPYD_PASSWORD": PASSWORD,
        }  # fmt: skip
        self.nodes: list[Node] = []
        self.daemon: subprocess.Popen[str] | None = None

    def node(self, name: str, port: int, source: str, **extra: str) -> Node:
        env = self.env | {"GROCER_DATA_DIR": str(self.tmp_path / name)} | extra
        node = Node.start(port, env, self.tmp_path, source=source)
        self.nodes.append(node)
        try:
            node.wait_until_ready()
        except RuntimeError as error:
            pytest.fail(str(error))
        return node

    def start_daemon(self, nodes: list[Node]) -> None:
        urls = ",".join(n.url.replace("http://", f"http://grocer:{PASSWORD}@") for n in nodes)
        env = self.env | {"GROCER_SCRAPYD_NODES": urls, "GROCER_DATA_DIR": str(self.tmp_path)}
        stores = ",".join(f"{c}:{s}" for c, s in STORES)
        command = [
            sys.executable, "-m", "grocer.cli", "--dev", "daemon", "--time-scale", "120",
            "--start-date", START_DATE, "--stores", stores, "--per-company", "1",
            "--max-crawls", "4", "--sample", str(SAMPLE), "--jobs", "crawls", "--grace", "5",
            *FAST,
        ]  # fmt: skip
        log = (self.tmp_path / "daemon.log").open("w")
        self.daemon = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True
        )

    def grocer(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A ``grocer`` command on the test's database."""
        env = self.env | {"GROCER_DATA_DIR": str(self.tmp_path)}
        command = [sys.executable, "-m", "grocer.cli", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)

    def daemon_log(self) -> str:
        return (self.tmp_path / "daemon.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.daemon is not None and self.daemon.poll() is None:
            self.daemon.send_signal(signal.SIGTERM)
            try:
                self.daemon.wait(60)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
        for node in self.nodes:
            node.kill_group()


def node_state(engine: Engine, url: str) -> str | None:
    with engine.connect() as connection:
        return connection.execute(select(CrawlNode.state).where(CrawlNode.url == url)).scalar()


def watch_until(engine: Engine, done: Any, seen: list[list[dict[str, Any]]], why: str) -> None:
    """Poll the runs every 0.1 s (kept in ``seen``) until ``done(runs)``."""
    deadline = time.monotonic() + DONE_S
    while time.monotonic() < deadline:
        rows = store_runs(engine)
        seen.append(rows)
        if done(rows):
            return
        time.sleep(0.1)
    pytest.fail(f"not {why} within {DONE_S:.0f} s: {rows}")


def test_two_nodes_crawl_like_one_machine_and_lose_nothing_when_one_dies(
    postgres_url: str, tmp_path: Path
) -> None:
    try:
        import scrapyd  # noqa: F401
    except ImportError:
        missing("Scrapyd is not installed")
    with SimulatorServer(date=START_DATE, seed=0) as sim:
        expected = reference_prices(sim, tmp_path)
        sim.reset_requests()
        engine = make_engine(postgres_url)
        know_stores(sim, engine)
        cluster = Cluster(sim, postgres_url, tmp_path)
        try:
            port_a = free_port()
            # A paces its crawls (a second between requests): they are mid-crawl when it dies
            a = cluster.node("a", port_a, "127.0.0.2", GROCER_NODE_RATE="2")
            b = cluster.node("b", free_port(), "127.0.0.3")
            other = git_dir_of_another_commit(tmp_path)
            c = cluster.node("c", free_port(), "127.0.0.4", GIT_DIR=str(other))
            cluster.start_daemon([a, b, c])
            seen: list[list[dict[str, Any]]] = []

            def a_is_crawling(rows: list[dict[str, Any]]) -> bool:
                return sum(r["node"] == a.url and r["status"] == RUNNING for r in rows) == 2

            watch_until(engine, a_is_crawling, seen, "crawling on node A")
            # one more job for A, beyond its two slots: it waits in A's Scrapyd queue
            (extra, *_), _ = plan_runs(engine, EXTRA[0], [EXTRA[1]], {"sample": SAMPLE}, node=a.url)
            fields = [("project", "default"), ("spider", EXTRA[0]), ("jobid", str(extra.run_id)),
                      ("store", EXTRA[1]), ("sample", str(SAMPLE)), ("node", a.url)]  # fmt: skip
            fields += [("setting", s) for s in FAST[1::2]]
            a.post("schedule.json", fields)
            queued = [job["id"] for job in a.get("listjobs.json")[1]["pending"]]
            a.kill_group()
            assert queued == [str(extra.run_id)]
            killed = {
                r["id"] for r in store_runs(engine)
                if r["node"] == a.url and r["status"] != COMPLETE and r["id"] != extra.run_id
            }  # fmt: skip
            everything = {*STORES, EXTRA}

            def all_complete(rows: list[dict[str, Any]]) -> bool:
                done = {
                    (r["company"], r["retailer_store_id"]) for r in rows if r["status"] == COMPLETE
                }
                return done == everything

            watch_until(engine, all_complete, seen, "every store complete")
            prices_before_restart = price_rows(engine)

            a = cluster.node("a", port_a, "127.0.0.2", GROCER_NODE_RATE="2")  # its folder again
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                finished = [job["id"] for job in a.get("listjobs.json")[1]["finished"]]
                if str(extra.run_id) in finished:
                    break
                time.sleep(0.3)
            else:
                pytest.fail(f"the queued job {extra.run_id} did not run on the restarted node")
            prices_after_restart = price_rows(engine)

            # B drained: the next run goes to A, back and active, not to B
            drained = cluster.grocer("node", "drain", b.url.replace("//", f"//grocer:{PASSWORD}@"))
            assert drained.returncode == 0 and PASSWORD not in drained.stdout + drained.stderr
            watch_until(engine, lambda _: node_state(engine, a.url) == "active", seen, "A back")
            (late, *_), _ = plan_runs(engine, LATE[0], [LATE[1]], {"sample": SAMPLE}, node=None)
            watch_until(engine, lambda rows: rows[-1]["status"] == COMPLETE, seen, "late done")
            status = cluster.grocer("status", "--json")
        finally:
            cluster.stop()

        # the same prices as the local launcher's, none doubled, none lost
        assert price_rows(engine) == expected
        assert prices_after_restart == prices_before_restart  # the restarted job wrote nothing
        with engine.connect() as connection:
            marks = select(func.count()).select_from(CrawlPage)
            assert connection.execute(marks).scalar() == 0  # complete runs keep none
        final = store_runs(engine)
        per_store = Counter((r["company"], r["retailer_store_id"]) for r in final)
        assert per_store == dict.fromkeys({*everything, LATE}, 1)  # one run per store, no second
        assert {r["status"] for r in final} == {COMPLETE}
        by_id = {r["id"]: r for r in final}
        assert by_id[late.run_id]["node"] == a.url  # not the drained B
        assert killed and all(by_id[i]["node"] == b.url for i in killed | {extra.run_id})
        assert any(by_id[i]["attempt"] >= 2 for i in killed)  # resumed under its id
        # one run of a retailer at a time (--per-company 1), on whichever node
        for rows in seen:
            busy = Counter(r["company"] for r in rows if r["status"] == RUNNING)
            assert max(busy.values(), default=0) <= 1, rows
        assert all(r["node"] != c.url for r in final)  # another checkout's node gets nothing
        clients = sim.requests()["clients"]
        assert {"127.0.0.2", "127.0.0.3"} <= set(clients) and "127.0.0.4" not in clients
        log = (a.folder / "logs" / "default" / EXTRA[0] / f"{extra.run_id}.log").read_text()
        assert f"run {extra.run_id} is complete: nothing to do" in log

        assert status.returncode == 0, status.stderr[-2000:]
        assert PASSWORD not in status.stdout + status.stderr + cluster.daemon_log()
        nodes = {n["url"]: n for n in json.loads(status.stdout)["nodes"]}
        assert set(nodes) == {a.url, b.url, c.url}
        assert nodes[c.url]["state"] == "mismatch"
        assert (nodes[b.url]["state"], nodes[b.url]["slots"]) == ("draining", 2)
        engine.dispose()
