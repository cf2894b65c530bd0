"""A crawl's run from the launcher's row to its status: one row per crawl, made once, written
only by grocer/db/runs.py, and a status that says how the crawl went."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from grocer.config import load_config
from grocer.crawl.launch import plan_runs
from grocer.crawl.launch.local import LocalLauncher
from grocer.db.engine import make_engine
from grocer.db.migrate import upgrade
from grocer.db.models import CrawlPage, CrawlRun, Listing, Store
from grocer.db.runs import requeue
from grocer.ingest.runner import ingest_files
from grocer.pipelines import PRICE_PIPELINES
from grocer.sim.server import SimulatorServer
from tests.conftest import SAMPLES
from tests.e2e.conftest import FAST, ROOT, Crawler, current_prices, runs, wait_until
from tests.e2e.faulty import SPOILED_SKU_FILE
from tests.e2e.statement_origins import watch

pytestmark = pytest.mark.e2e


@pytest.fixture
def unused_port() -> int:
    """A loopback port where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_product_the_database_refuses_leaves_its_page_unmarked_and_a_resume_fetches_it(
    crawler: Crawler,
) -> None:
    pipelines = {**PRICE_PIPELINES, "tests.e2e.faulty.SpoilOnePipeline": 250}
    spoil = ["-s", f"ITEM_PIPELINES={json.dumps(pipelines)}"]
    done = subprocess.run(
        crawler.command("aldi", *spoil, store="G102"), cwd=ROOT, env=crawler.env(),
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 3, done.stderr[-3000:]  # partial
    [run] = runs(crawler.engine())
    assert run["status"] == "partial" and run["finish_reason"] == "finished"
    assert run["stats"]["grocer/run/item_errors"] == 1
    assert run["stats"]["grocer/db/refused"] == 1
    sku, page = (crawler.data_dir / SPOILED_SKU_FILE).read_text().split()
    priced = current_prices(crawler.engine(), "aldi", "G102")
    assert sku not in priced
    with crawler.engine().connect() as connection:
        marks = set(connection.execute(select(CrawlPage.page)).scalars())
        others = connection.execute(
            select(func.count()).select_from(Listing).where(Listing.sku != sku)
        ).scalar_one()
    assert page not in marks  # the page's other products landed, the page is unmarked
    assert len(priced) == others

    # the same run again (same _job): only the unmarked page is fetched, and it lands now
    with crawler.engine().begin() as connection:
        assert requeue(connection, run["id"])
    crawler.sim.reset_requests()
    crawler.run("aldi", store="G102", _job=str(run["id"]), expect=3)  # its errors stay counted
    assert crawler.sim.requests()["endpoints"].get("aldi.search") == 1
    assert sku in current_prices(crawler.engine(), "aldi", "G102")
    [again] = runs(crawler.engine())
    assert again["id"] == run["id"] and again["stats"]["grocer/resume/holes"] == 1


def test_the_launcher_makes_the_rows_and_the_crawls_open_them(
    sim: SimulatorServer, tmp_path: Path
) -> None:
    config = replace(
        load_config(dev=True),
        sim_url=sim.url,
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'grocer.sqlite3'}",
    )
    engine = upgrade(config.database_url)
    launcher = LocalLauncher(engine, config, scrapy_args=FAST)
    run_ids = launcher.start("aldi", ["G102", "g107"], {"sample": 50})
    assert len(run_ids) == 2
    assert set(launcher.poll(run_ids).values()) == {"pending"}  # before any crawl opens one
    assert launcher.wait(run_ids) == dict.fromkeys(run_ids, "complete")
    with engine.connect() as connection:
        rows = connection.execute(
            select(CrawlRun.id, Store.retailer_store_id, CrawlRun.kind, CrawlRun.attempt,
                   CrawlRun.node, CrawlRun.args)
            .join(Store, Store.id == CrawlRun.store_id)
            .order_by(CrawlRun.id)
        ).all()  # fmt: skip
    assert [tuple(r) for r in rows] == [
        (run_ids[0], "G102", "sample", 1, "local", {"sample": "50"}),
        (run_ids[1], "G107", "sample", 1, "local", {"sample": "50"}),
    ]  # the crawls made no row of their own
    engine.dispose()


def test_crawl_runs_are_written_only_by_grocer_db_runs(crawler: Crawler, tmp_path: Path) -> None:
    out = tmp_path / "statements.json"
    command = [
        sys.executable, "-m", "tests.e2e.statement_origins", "scrapy", "crawl", "aldi", *FAST,
        "-a", "store=G102", "-a", "sample=50",
    ]  # fmt: skip
    env = {**crawler.env(), "GROCER_TEST_STATEMENTS": str(out)}
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    crawled = json.loads(out.read_text())
    engine = upgrade(f"sqlite:///{tmp_path / 'ingest.sqlite3'}")
    ingested: list[dict[str, str]] = []
    stop = watch(engine, ingested)
    ingest_files(engine, [SAMPLES / "aldi-carindale-g102-2025-09-09.jsonl.gz"])
    stop()
    engine.dispose()
    for records in (crawled, ingested):
        writes = [r for r in records if not r["origin"].startswith("grocer/db/migrations/")]
        assert any(r["statement"].upper().startswith("INSERT") for r in writes)
        assert any(r["statement"].upper().startswith("UPDATE") for r in writes)
        assert {r["origin"] for r in writes} == {"grocer/db/runs.py"}, writes


def statuses(crawler: Crawler) -> list[str]:
    """The runs' statuses, none while the first crawl has not made the schema yet."""
    try:
        return [r["status"] for r in runs(crawler.engine())]
    except OperationalError:
        return []


def test_a_second_crawl_of_a_leased_store_exits_at_once(crawler: Crawler) -> None:
    crawler.sim.set_faults("latency=200ms")  # the first crawl stays busy long enough
    first = crawler.start("aldi", store="G102")
    try:
        wait_until(lambda: statuses(crawler) == ["running"], 60)
        started = time.monotonic()
        done = subprocess.run(
            crawler.command("aldi", store="G102"), cwd=ROOT, env=crawler.env(),
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert time.monotonic() - started < 10
        assert done.returncode == 1
        holder, second = runs(crawler.engine())
        assert f"being crawled by run {holder['id']}" in done.stderr
        assert holder["status"] == "running"  # left alone
        assert (second["status"], second["finish_reason"]) == ("skipped", "store_busy")
        assert second["items"] == 0
    finally:
        first.terminate()
        first.wait(60)


def test_a_crawl_that_reaches_nothing_fails_and_says_what_to_start(
    tmp_path: Path, unused_port: int
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GROCER_")}
    sim_url = f"http://127.0.0.1:{unused_port}"
    env.update(GROCER_ENV="dev", GROCER_SIM_URL=sim_url, GROCER_DATA_DIR=str(tmp_path))
    command = [sys.executable, "-m", "scrapy", "crawl", "aldi", "-a", "store=G102", *FAST]
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=90)
    assert time.monotonic() - started < 60
    assert done.returncode == 1
    assert f"could not reach {sim_url}/aldi" in done.stderr
    assert f"is `grocer sim serve` running on {sim_url}?" in done.stderr
    engine = make_engine(f"sqlite:///{tmp_path / 'grocer-dev.sqlite3'}")
    with engine.connect() as connection:
        status = connection.execute(select(CrawlRun.status)).scalar_one()
    engine.dispose()
    assert status == "failed"


def test_a_job_whose_run_was_sent_to_another_node_exits_at_open(crawler: Crawler) -> None:
    """A node back from the dead starts a job left in its queue: its run went elsewhere."""
    engine = upgrade(f"sqlite:///{crawler.database}")
    (run, *_), _ = plan_runs(engine, "aldi", ["G102"], {"sample": 20}, node="http://10.0.0.2:6800")
    done = subprocess.run(
        crawler.command("aldi", store="G102", sample="20", _job=str(run.run_id),
                        node="http://10.0.0.1:6800"),
        cwd=ROOT, env=crawler.env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr[-3000:]
    assert "was sent on to http://10.0.0.2:6800" in done.stderr
    (row,) = runs(engine)
    assert (row["status"], row["items"]) == ("pending", 0)  # left as it was
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(CrawlPage)).scalar() == 0
    engine.dispose()
