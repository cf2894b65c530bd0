"""``grocer daemon`` against the simulator with a fast clock (a simulated day lasts 4 s)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from grocer.db.engine import make_engine
from grocer.db.models import AnalysisRun, CrawlRun, Daemon, DaemonJob, Price
from grocer.sim.server import SimulatorServer
from tests.e2e.conftest import ROOT, wait_until

pytestmark = pytest.mark.e2e

DAY_SECONDS = 4.0
START = "2025-09-17"
STORES = "aldi:G102,woolworths:1147"


def crawls_of(data_dir: Path) -> list[int]:
    """Live ``scrapy crawl`` processes working for this test's data folder."""
    marker = f"GROCER_DATA_DIR={data_dir}".encode()
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            command = (proc / "cmdline").read_bytes()
            environ = (proc / "environ").read_bytes()
        except OSError:
            continue
        if b"scrapy\x00crawl" in command and marker in environ.split(b"\x00"):
            pids.append(int(proc.name))
    return pids


def crawled_days(engine: Engine) -> int:
    """The fewest days with a complete crawl among the daemon's two stores."""
    with engine.connect() as connection:
        runs = connection.execute(
            select(CrawlRun.spider, CrawlRun.observed_on).where(CrawlRun.status == "complete")
        ).all()
    return min(len({r.observed_on for r in runs if r.spider == s}) for s in ("aldi", "woolworths"))


def test_the_daemon_crawls_when_due_runs_maintenance_and_stops_cleanly(tmp_path: Path) -> None:
    with SimulatorServer(date=START, day_seconds=DAY_SECONDS, seed=0) as sim:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GROCER_")}
        env.update(GROCER_SIM_URL=sim.url, GROCER_DATA_DIR=str(tmp_path))
        command = [
            sys.executable, "-m", "grocer.cli", "--dev", "daemon",
            "--time-scale", str(86400 / DAY_SECONDS), "--start-date", START,
            "--stores", STORES, "--grace", "5", "--jobs", "crawls,maintenance",
            "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0",
        ]  # fmt: skip
        log = tmp_path / "daemon.log"
        with log.open("w") as stderr:
            daemon = subprocess.Popen(command, cwd=ROOT, env=env, stderr=stderr, text=True)
        engine = make_engine(f"sqlite:///{tmp_path / 'grocer-dev.sqlite3'}")
        try:
            # a crawl killed part-way is retried and resumed by the daemon
            wait_until(lambda: bool(crawls_of(tmp_path)), timeout=60)
            time.sleep(0.5)
            for pid in crawls_of(tmp_path):
                os.kill(pid, signal.SIGKILL)
            time.sleep(6 * DAY_SECONDS)
            # a slow (busy) machine fits fewer crawls into a simulated day: give it time
            try:
                wait_until(lambda: crawled_days(engine) >= 3, timeout=180, every=1.0)
            except AssertionError:
                raise AssertionError(f"{store_runs(engine)}\n{log.read_text()[-3000:]}") from None
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=90)
        assert daemon.returncode == 0, log.read_text()[-3000:]
        assert crawls_of(tmp_path) == []  # no orphan crawl

    with engine.connect() as connection:
        runs = connection.execute(
            select(CrawlRun.spider, CrawlRun.observed_on, CrawlRun.status, CrawlRun.finish_reason)
        ).all()
        analyses = connection.execute(select(AnalysisRun.kind, AnalysisRun.as_of)).all()
    for spider in ("aldi", "woolworths"):
        days = {r.observed_on for r in runs if r.spider == spider and r.status == "complete"}
        # due again every simulated day; a crawl takes a few real seconds, a day lasts four
        assert len(days) >= 3, (spider, sorted(days))
    # the killed crawls' runs were resumed under their ids to an end; SIGTERM stopped the
    # rest cleanly: no run is left running or waiting
    assert not [r for r in runs if r.status in ("running", "pending")], runs
    zone_days = {a.as_of for a in analyses if a.kind == "zones"}
    assert len(zone_days) >= 5  # maintenance every simulated 6 hours, crawls or not
    assert any(a.kind == "bargains" for a in analyses)


def daemon_command(start: str, scale: float) -> list[str]:
    return [
        sys.executable, "-m", "grocer.cli", "--dev", "daemon", "--time-scale", str(scale),
        "--start-date", start, "--stores", STORES, "--grace", "5", "--jobs", "crawls",
        "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0",
    ]  # fmt: skip


def store_runs(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                select(CrawlRun.spider, CrawlRun.status, CrawlRun.host).order_by(CrawlRun.id)
            )
        ]


def test_a_daemon_killed_mid_crawl_restarts_without_crawling_a_store_twice(
    tmp_path: Path,
) -> None:
    """kill -9 of the daemon leaves its crawls running; the restarted daemon adopts them
    instead of launching the stores again, and each store ends with one complete run."""
    # a simulated day lasts 10 minutes: the stores are due once in this test
    with SimulatorServer(date=START, day_seconds=600, seed=0) as sim:
        sim.set_faults("latency=30ms")  # crawls long enough to outlive the daemon
        env = {k: v for k, v in os.environ.items() if not k.startswith("GROCER_")}
        env.update(GROCER_SIM_URL=sim.url, GROCER_DATA_DIR=str(tmp_path))
        command = daemon_command(START, 144.0)
        engine = make_engine(f"sqlite:///{tmp_path / 'grocer-dev.sqlite3'}")
        first = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
        try:
            wait_until(lambda: len(crawls_of(tmp_path)) == 2, timeout=60)
            wait_until(lambda: [r[1] for r in store_runs(engine)] == ["running"] * 2, 60)
        finally:
            first.kill()  # kill -9: the daemon alone, its crawls run on
            first.wait()
        orphans = crawls_of(tmp_path)
        assert len(orphans) == 2
        log = tmp_path / "second-daemon.log"
        with log.open("w") as stderr:
            second = subprocess.Popen(command, cwd=ROOT, env=env, stderr=stderr, text=True)
        try:
            wait_until(
                lambda: [r[1] for r in store_runs(engine)] == ["complete"] * 2,
                timeout=180, every=0.5,
            )  # fmt: skip
            time.sleep(3)  # a few more rounds of planning: nothing is launched again
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=90)
        err = log.read_text()
        assert second.returncode == 0, err[-3000:]
        assert "adopted" in err
    runs = store_runs(engine)
    assert sorted(r[0] for r in runs) == ["aldi", "woolworths"], runs  # one run per store
    with engine.connect() as connection:
        duplicated = connection.execute(
            select(Price.store_id, Price.listing_id, func.count())
            .group_by(Price.store_id, Price.listing_id)
            .having(func.count() > 1)
        ).all()
        daemons = connection.execute(select(Daemon.pid)).scalars().all()
        schedule = connection.execute(select(DaemonJob.job, DaemonJob.last_status)).all()
    assert duplicated == []  # one day of prices: one interval per listing and store
    assert len(daemons) == 2  # each daemon's heartbeat row
    assert ("crawls", "ok") in schedule
