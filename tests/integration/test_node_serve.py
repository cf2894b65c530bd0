"""A real node: ``grocer node serve`` runs Scrapyd, which answers ``/grocer.json``, serves no
egg upload, and crawls a run scheduled through ``schedule.json`` from its source address.

Scrapyd failing to start fails the test (in CI and elsewhere); only a missing Scrapyd package
skips it, and with ``CI`` set fails it too.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from grocer.constants import PENDING, RUNNING
from grocer.crawl.launch import plan_runs
from grocer.db import runs
from grocer.db.migrate import SCHEMA_REVISION, upgrade
from grocer.node.identity import code_version
from grocer.sim.server import SimulatorServer
from tests.nodes import Node, free_port
from tests.prerequisites import missing

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

SOURCE = "127.0.0.2"
FAST = ["AUTOTHROTTLE_ENABLED=0", "DOWNLOAD_DELAY=0", "LOG_LEVEL=INFO"]
RATE = 2  # the simulator's client_rate, and the node's GROCER_NODE_RATE (as the bench sets)
CRAWL_S = 60.0


@pytest.fixture
def node(tmp_path: Path) -> Iterator[tuple[Node, SimulatorServer, Engine]]:
    try:
        import scrapyd  # noqa: F401
    except ImportError:
        missing("Scrapyd is not installed")
    data_dir = tmp_path / "data"
    database_url = f"sqlite:///{data_dir / 'grocer.sqlite3'}"
    data_dir.mkdir()
    engine = upgrade(database_url)
    port = free_port()
    with SimulatorServer(date="2025-09-17", seed=0) as sim:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GROCER_", "SCRAPY"))}
        env.update(
            GROCER_ENV="dev", GROCER_SIM_URL=sim.url, GROCER_DATA_DIR=str(data_dir),
            GROCER_DATABASE_URL=database_url, GROCER_NODE_RATE=str(RATE),
        )  # fmt: skip
        # cwd outside the checkout: no scrapy.cfg to lean on, SCRAPY_SETTINGS_MODULE does it
        started = Node.start(port, env, tmp_path, source=SOURCE)
        try:
            try:
                started.wait_until_ready()
            except RuntimeError as error:
                pytest.fail(str(error))
            yield started, sim, engine
        finally:
            started.kill_group()
            engine.dispose()


def wait_for_run(engine: Engine, run_id: int, node: Node) -> str:
    deadline = time.monotonic() + CRAWL_S
    status = PENDING
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            status = runs.statuses(connection, [run_id])[run_id]
        if status not in (PENDING, RUNNING):
            return status
        time.sleep(0.3)
    logs = list((node.folder / "logs").rglob("*.log"))
    tail = logs[0].read_text()[-3000:] if logs else "(no crawl log)"
    pytest.fail(f"run {run_id} still {status} after {CRAWL_S:.0f} s:\n{tail}")


def test_a_node_tells_what_it_runs_and_crawls_a_scheduled_run(
    node: tuple[Node, SimulatorServer, Engine],
) -> None:
    served, sim, engine = node
    status, info = served.get("grocer.json")
    assert status == 200 and info["status"] == "ok"
    assert info["slots"] == 2 and info["source_address"] == SOURCE
    assert info["schema_revision"] == SCHEMA_REVISION
    code_version.cache_clear()  # the tree as it is now (the node reads it at each call)
    assert info["git_sha"] == code_version()
    assert served.get("addversion.json")[0] == 404
    assert served.get("delproject.json")[0] == 404
    conf = (served.folder / "scrapyd.conf").read_text()
    assert "max_proc = 2" in conf

    planned, refused = plan_runs(engine, "aldi", ["G102"], {"sample": 20})
    assert refused == {} and len(planned) == 1
    run_id = planned[0].run_id
    fields = [("project", "default"), ("spider", "aldi"), ("jobid", str(run_id)),
              ("store", "G102"), ("sample", "20")] + [("setting", s) for s in FAST]  # fmt: skip
    sim.set_faults(f"aldi:client_rate={RATE}")
    sim.reset_requests()
    scheduled = served.post("schedule.json", fields)
    assert scheduled == {"jobid": str(run_id), "status": "ok", "node_name": info["node_name"]}

    assert wait_for_run(engine, run_id, served) == "complete"
    seen = sim.requests()
    assert set(seen["clients"]) == {SOURCE} and seen["clients"][SOURCE] > 0
    assert seen["rate_limited"] == {}  # paced at RATE / 2 slots, under the client limit
    log = (served.folder / "logs" / "default" / "aldi" / f"{run_id}.log").read_text()
    assert f"'DOWNLOAD_BIND_ADDRESS': '{SOURCE}'" in log
    assert "'DOWNLOAD_DELAY': 1.0" in log  # slots / GROCER_NODE_RATE, over the -s 0

    served.process.send_signal(signal.SIGTERM)  # stops Scrapyd, then exits 0
    assert served.process.wait(timeout=30) == 0
    served.kill_group()  # nothing of its group is left: it returns at once
