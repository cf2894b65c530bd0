"""A crawl's run from the launcher's row to its status: one row per crawl, made once, written
only by grocer/db/runs.py, and a status that says how the crawl went."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from grocer.config import load_config
from grocer.crawl.launch.local import LocalLauncher
from grocer.db.migrate import upgrade
from grocer.db.models import CrawlPage, CrawlRun, Store
from grocer.ingest.runner import ingest_files
from grocer.pipelines import PRICE_PIPELINES
from grocer.sim.server import SimulatorServer
from tests.conftest import SAMPLES
from tests.e2e.conftest import FAST, ROOT, Crawler, runs
from tests.e2e.statement_origins import watch

pytestmark = pytest.mark.e2e


def test_a_pipeline_failing_on_one_page_leaves_the_run_partial_with_the_error_counted(
    crawler: Crawler,
) -> None:
    pipelines = {**PRICE_PIPELINES, "tests.e2e.faulty.RaiseOncePipeline": 250}
    command = crawler.command(
        "aldi", "-s", f"ITEM_PIPELINES={json.dumps(pipelines)}", store="G102", sample="50"
    )
    done = subprocess.run(command, cwd=ROOT, env=crawler.env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    [run] = runs(crawler.engine())
    assert run["status"] == "partial" and run["finish_reason"] == "finished"
    assert run["stats"]["grocer/run/item_errors"] == 1
    with crawler.engine().connect() as connection:
        marked = connection.execute(
            select(func.count()).where(CrawlPage.page.not_like("%#end"))
        ).scalar_one()
    assert marked == run["stats"]["grocer/db/pages"]  # the failed page is not marked done
    assert run["stats"]["grocer/sample/pages"] == marked + 1


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
