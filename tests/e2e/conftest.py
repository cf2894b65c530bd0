"""End-to-end fixtures: the simulator on a free port, and real crawls in subprocesses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from grocer.db.engine import make_engine
from grocer.db.models import CrawlRun, Listing, Price, Product, Store
from grocer.db.run_checks import checks_of
from grocer.db.store_rows import COMPANY_IDS
from grocer.health.checks import checks_for
from grocer.sim.server import SimulatorServer

ROOT = Path(__file__).resolve().parents[2]
START_DATE = "2025-09-17"
FAST = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0", "-s", "LOG_LEVEL=INFO"]


@dataclass
class Crawler:
    """Runs ``scrapy crawl`` against the simulator into one data folder (one database)."""

    sim: SimulatorServer
    data_dir: Path

    @property
    def database(self) -> Path:
        return self.data_dir / "grocer-dev.sqlite3"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GROCER_")}
        env.update(
            GROCER_ENV="dev", GROCER_SIM_URL=self.sim.url, GROCER_DATA_DIR=str(self.data_dir)
        )
        return env

    def command(self, spider: str, *args: str, **spider_args: str) -> list[str]:
        command = [sys.executable, "-m", "scrapy", "crawl", spider, *FAST, *args]
        for key, value in spider_args.items():
            command += ["-a", f"{key}={value}"]
        return command

    def run(
        self, spider: str, *args: str, timeout: float = 300, expect: int = 0, **spider_args: str
    ) -> str:
        """Run a crawl to its end; returns its log.  Fails the test if it crashes or its exit
        code (how its run ended: 0 complete, 3 partial, 1 failed or skipped) is not
        ``expect``."""
        done = subprocess.run(
            self.command(spider, *args, **spider_args), cwd=ROOT, env=self.env(),
            capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        assert "Traceback" not in done.stderr, done.stderr[-4000:]
        assert done.returncode == expect, done.stderr[-4000:]
        return done.stderr

    def start(self, spider: str, *args: str, **spider_args: str) -> subprocess.Popen[str]:
        """Start a crawl in the background; its log goes to a file in the data folder (a pipe
        nobody reads would stall the crawl once full)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.data_dir / f"{spider}-{time.monotonic_ns()}.log"
        with log.open("w") as stderr:
            return subprocess.Popen(
                self.command(spider, *args, **spider_args), cwd=ROOT, env=self.env(),
                stdout=subprocess.DEVNULL, stderr=stderr, text=True,
            )  # fmt: skip

    def engine(self) -> Engine:
        return make_engine(f"sqlite:///{self.database}")

    def sim_stores(self, company: str) -> list[dict[str, Any]]:
        """The stores the simulator knows for a company (its store master)."""
        with urllib.request.urlopen(f"{self.sim.url}/_sim/stores?company={company}") as answer:
            return list(json.load(answer)["stores"])


@pytest.fixture
def sim() -> Iterator[SimulatorServer]:
    with SimulatorServer(date=START_DATE, seed=0) as server:
        yield server


@pytest.fixture
def crawler(sim: SimulatorServer, tmp_path: Path) -> Crawler:
    return Crawler(sim, tmp_path / "data")


def current_prices(engine: Engine, company: str, store_id: str) -> dict[str, dict[str, Any]]:
    """The newest price interval of every listing of a store, by sku."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                Listing.sku, Price.price, Price.was_price, Price.is_special, Price.unit_text,
                Price.unit_price, Price.first_seen, Price.last_seen, Product.barcode,
                Listing.instore_code, Price.multibuy_qty, Price.multibuy_price,
            )
            .join(Listing, Listing.id == Price.listing_id)
            .join(Product, Product.id == Listing.product_id)
            .join(Store, Store.id == Price.store_id)
            .where(Store.company_id == COMPANY_IDS[company], Store.retailer_store_id == store_id)
            .order_by(Price.first_seen)
        )  # fmt: skip
        return {row.sku: row._asdict() for row in rows}


def runs(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                CrawlRun.id, CrawlRun.spider, CrawlRun.status, CrawlRun.finish_reason, CrawlRun.items,
                CrawlRun.observed_on, CrawlRun.stats,
            ).order_by(CrawlRun.id)
        )  # fmt: skip
        return [row._asdict() for row in rows]


def run_checks(engine: Engine, run_id: int) -> dict[str, Any]:
    """The run's checks by name (``passed``, ``value``, ``threshold``, ``reason``)."""
    with engine.connect() as connection:
        return {check.name: check for check in checks_of(connection, [run_id]).get(run_id, [])}


def assert_checks_passed(engine: Engine, run: dict[str, Any], kind: str, company: str) -> None:
    """Every check of the run's kind ran and passed."""
    checks = run_checks(engine, run["id"])
    assert set(checks) == set(checks_for(kind, company)), sorted(checks)
    assert all(c.passed for c in checks.values()), [c.reason for c in checks.values()]


def wait_until(condition: Callable[[], bool], timeout: float = 60, every: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(every)


def stop(process: subprocess.Popen[str], sig: signal.Signals, timeout: float = 60) -> None:
    process.send_signal(sig)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise
