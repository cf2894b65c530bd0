"""End to end: ``scrapy crawl coles`` against the simulator, through Chromium and the real engine.

Each test starts a simulator on a free port and runs the crawl as a subprocess (its own
process group, killed whatever happens), then reads the SQLite database it wrote.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, func, select

from grocer.db.models import CrawlRun, Listing, Price, Store
from grocer.db.store_rows import COMPANY_IDS
from grocer.normalize.unit_price import standard_unit_price
from grocer.sim.server import SimulatorServer
from tests.e2e.conftest import assert_checks_passed

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
DAY = "2025-09-17"
STORE = "COL:401"
FAST = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0", "-s", "CONCURRENT_ITEMS=4"]
CRAWL_TIMEOUT = 240

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("chromium")]


# ---------------------------------------------------------------------------- helpers


def crawl_env(sim: SimulatorServer, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GROCER_")}
    env.update(GROCER_ENV="dev", GROCER_SIM_URL=sim.url, GROCER_DATA_DIR=str(data_dir))
    return env


@contextmanager
def start_crawl(
    sim: SimulatorServer, data_dir: Path, spider: str, store: str, *extra: str
) -> Iterator[subprocess.Popen[bytes]]:
    """``scrapy crawl`` as a subprocess in its own process group, killed on the way out."""
    data_dir.mkdir(parents=True, exist_ok=True)
    log = open(data_dir / f"{spider}.log", "ab")  # noqa: SIM115 - closed below
    command = [sys.executable, "-m", "scrapy", "crawl", spider, "-a", f"store={store}"]
    process = subprocess.Popen(
        [*command, *FAST, *extra],
        cwd=ROOT,
        env=crawl_env(sim, data_dir),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        family = descendants(process.pid)  # the browser leaves the process group
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        for pid in family:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait(timeout=30)
        log.close()


def descendants(root: int) -> set[int]:
    """Process ids below ``root`` (from /proc), the Playwright driver's Chromium included."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with suppress(OSError, ValueError, IndexError):
                stat = (entry / "stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry.name))
    found: set[int] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    """Those of ``pids`` still running (zombies count as gone)."""
    running = set()
    for pid in pids:
        with suppress(OSError):
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                running.add(pid)
    return running


def crawl(
    sim: SimulatorServer, data_dir: Path, spider: str, store: str, *extra: str, expect: int = 0
) -> None:
    """Run a crawl to its end; fail with its log if it crashes or its exit code (0 complete,
    3 partial) is not ``expect``."""
    with start_crawl(sim, data_dir, spider, store, *extra) as process:
        code = process.wait(timeout=CRAWL_TIMEOUT)
    text = (data_dir / f"{spider}.log").read_text(errors="replace")
    assert code == expect, text[-4000:]
    assert "Traceback" not in text, text[-4000:]


def database(data_dir: Path) -> Engine:
    return create_engine(f"sqlite:///{data_dir / 'grocer-dev.sqlite3'}")


@dataclass(frozen=True)
class Run:
    id: int
    status: str
    finish_reason: str | None
    stats: dict[str, Any]


def runs(engine: Engine, spider: str) -> list[Run]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(CrawlRun.id, CrawlRun.status, CrawlRun.finish_reason, CrawlRun.stats)
            .where(CrawlRun.spider == spider)
            .order_by(CrawlRun.id)
        )
        return [Run(i, c, r, s if isinstance(s, dict) else json.loads(s)) for i, c, r, s in rows]


def current_prices(engine: Engine, company: str, store: str) -> dict[str, tuple[Any, ...]]:
    """sku -> (price, was, special, unit price, unit, unit text, multi-buy quantity and price)
    of the current interval."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                Listing.sku,
                Price.first_seen,
                Price.price,
                Price.was_price,
                Price.is_special,
                Price.unit_price,
                Price.unit,
                Price.unit_text,
                Price.multibuy_qty,
                Price.multibuy_price,
            )
            .join(Listing, Listing.id == Price.listing_id)
            .join(Store, Store.id == Price.store_id)
            .where(Store.company_id == COMPANY_IDS[company], Store.retailer_store_id == store)
        )
        latest: dict[str, tuple[Any, ...]] = {}
        seen: dict[str, Any] = {}
        for sku, first, *state in rows:
            if sku not in seen or first > seen[sku]:
                seen[sku], latest[sku] = first, tuple(state)
        return latest


def price_rows(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(Price)).scalar_one())


def expected_prices(truth: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    """The same tuple as :func:`current_prices`, from the simulator's ground truth."""
    expected: dict[str, tuple[Any, ...]] = {}
    for product in truth["products"]:
        price = Decimal(product["price"])
        was = Decimal(product["was_price"]) if product["was_price"] else None
        text = product["unit_price_text"] or None
        amount = re.search(r"\$([\d,]+(?:\.\d+)?)", text) if text else None
        value = Decimal(amount.group(1).replace(",", "")) if amount else None  # "$1,440.00"
        unit = standard_unit_price(value, None, text) if text else None
        offer = product["multibuy"]
        expected[product["sku"]] = (
            price,
            was,
            was is not None and was > price,
            unit.amount if unit else None,
            unit.unit if unit else None,
            text,
            offer["quantity"] if offer else None,
            Decimal(offer["price"]) if offer else None,
        )
    return expected


def assert_matches_truth(engine: Engine, sim: SimulatorServer) -> None:
    got = current_prices(engine, "coles", STORE)
    want = expected_prices(sim.truth("coles", STORE, DAY))
    assert set(got) == set(want), (
        f"missing {sorted(set(want) - set(got))[:10]}, extra {sorted(set(got) - set(want))[:10]}"
    )
    wrong = {sku: (got[sku], want[sku]) for sku in want if got[sku] != want[sku]}
    assert not wrong, f"{len(wrong)} products differ, e.g. {list(wrong.items())[:3]}"


def served(sim: SimulatorServer, endpoint: str, outcome: str | None = None) -> int:
    outcomes = sim.requests()["outcomes"].get(endpoint, {})
    return sum(n for o, n in outcomes.items() if outcome is None or o == outcome)


# ---------------------------------------------------------------------------- tests


def test_store_crawl_equals_ground_truth(tmp_path: Path) -> None:
    with SimulatorServer(date=DAY) as sim:
        crawl(sim, tmp_path, "coles", STORE)
        engine = database(tmp_path)
        assert_matches_truth(engine, sim)
        [run] = runs(engine, "coles")
        assert run.status == "complete" and run.finish_reason == "finished"
        assert_checks_passed(engine, {"id": run.id}, "full", "coles")
        assert run.stats["grocer/coles_session/browser_loads"] == 1
        assert served(sim, "coles.home", "200") >= 1  # the browser passed the challenge
        # Pagination never passes ceil(noOfResults / 48): one request per page, no empty page.
        pages = sum((n + 47) // 48 for n in department_counts(sim).values())
        assert served(sim, "coles.browse") == pages
        # Each tile's description, Coles' shelf label, is kept as its listing's label.
        with engine.connect() as connection:
            labels = connection.execute(select(Listing.label, Listing.sku)).all()
        assert labels and all(label for label, _ in labels)
        assert ("BEGA SPREAD PEANUT BUTTER:CRUNCHY:.:470 GRAM", "5390911") in labels


def department_counts(sim: SimulatorServer) -> dict[str, int]:
    counts: dict[str, int] = {}
    for product in sim.truth("coles", STORE, DAY)["products"]:
        counts[product["category"]] = counts.get(product["category"], 0) + 1
    return counts


def test_session_expiring_mid_crawl_is_refreshed(tmp_path: Path) -> None:
    with SimulatorServer(date=DAY, coles_session_requests=20) as sim:
        crawl(sim, tmp_path, "coles", STORE)
        engine = database(tmp_path)
        [run] = runs(engine, "coles")
        assert run.status == "complete" and run.finish_reason == "finished", run.stats
        assert run.stats["grocer/coles_session/browser_loads"] >= 3
        assert run.stats["grocer/coles_session/block_pages"] >= 2
        assert_matches_truth(engine, sim)


def test_no_session_stops_blocked_and_partial(tmp_path: Path) -> None:
    # Every session the simulator grants is spent by the home page itself: each refresh
    # "works" in the browser, yet every plain request meets a block page.
    with SimulatorServer(date=DAY, coles_session_requests=1) as sim:
        crawl(sim, tmp_path, "coles", STORE, "-s", "GROCER_COLES_SESSION_REFRESHES=2", expect=3)
        engine = database(tmp_path)
        [run] = runs(engine, "coles")
        assert run.status == "partial" and run.finish_reason == "blocked"
        assert run.stats["grocer/coles_session/browser_loads"] == 3  # first + 2 refreshes
        assert price_rows(engine) == 0
        assert served(sim, "coles.browse") == 0  # the menu never passed: no page requested


def test_wrong_store_pages_write_nothing(tmp_path: Path) -> None:
    with SimulatorServer(date=DAY, faults="coles:wrong_store=1") as sim:
        crawl(sim, tmp_path, "coles", STORE, expect=3)
        engine = database(tmp_path)
        [run] = runs(engine, "coles")
        assert run.status == "partial" and run.finish_reason == "store_mismatch"
        assert run.stats["grocer/listing/store_mismatch"] >= 2  # first page, then its retry
        assert served(sim, "coles.browse", "fault:wrong_store") >= 2
        assert price_rows(engine) == 0
        # The retry of a mismatch went out with a fresh session.
        assert run.stats["grocer/coles_session/browser_loads"] >= 2
