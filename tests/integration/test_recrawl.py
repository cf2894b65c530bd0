"""The daemon re-crawls a store whose latest run closed partial: resumed while the run has
pages left, a new run otherwise, and only once the back-off has passed."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine

from grocer.config import load_config
from grocer.constants import COMPLETE, PARTIAL
from grocer.crawl.launch import plan_runs
from grocer.db import runs
from grocer.db.store_rows import COMPANY_IDS, StoreRow, ensure_store
from grocer.scheduler.clock import ScaledClock
from grocer.scheduler.daemon import Daemon, DaemonOptions
from grocer.scheduler.planner import Policy


class RecordingLauncher:
    """Stands in for the local launcher: records what the daemon asks of it."""

    def __init__(self) -> None:
        self.started: list[tuple[str, list[str], Any]] = []
        self.resumed: list[int] = []

    def start(self, spider: str, stores: list[str], args: Any = None) -> list[int]:
        self.started.append((spider, stores, args))
        return []

    def resume(self, run_id: int) -> None:
        self.resumed.append(run_id)


def closed_run(engine: Engine, store: str, status: str, stats: dict[str, Any]) -> int:
    def make(connection: Connection) -> int:
        store_pk = ensure_store(connection, StoreRow("aldi", store))
        run_id = runs.create_run(
            connection, spider="aldi", company_id=COMPANY_IDS["aldi"], store_pk=store_pk
        )
        attempt = runs.open_attempt(connection, run_id, host=runs.this_host(), pid=1)
        assert attempt is not None
        runs.date_run(connection, run_id, date(2025, 9, 17))
        runs.close_run(
            connection, run_id, attempt=attempt, status=status, finish_reason="finished",
            items=10, rejected=0, stats=stats,
        )  # fmt: skip
        return run_id

    with engine.begin() as connection:
        return make(connection)


@pytest.mark.parametrize("backoff", [timedelta(0), timedelta(hours=1)], ids=["due", "waiting"])
def test_partial_stores_are_resumed_or_crawled_anew_after_the_back_off(
    engine: Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    backoff: timedelta,
) -> None:  # fmt: skip
    monkeypatch.setenv("GROCER_DATABASE_URL", db_url)
    monkeypatch.setenv("GROCER_DATA_DIR", str(tmp_path))
    closed_run(engine, "G101", COMPLETE, {})
    closed_run(engine, "G102", COMPLETE, {})
    left = closed_run(engine, "G102", PARTIAL, {"grocer/run/item_errors": 1})  # pages left
    closed_run(engine, "G103", COMPLETE, {})
    closed_run(engine, "G103", PARTIAL, {})  # a failed check: every page committed
    options = DaemonOptions(stores=[("aldi", s) for s in ("G101", "G102", "G103")],
                            policy=Policy(recrawl_backoff=backoff))  # fmt: skip
    clock = ScaledClock(start=datetime(2025, 9, 17, 12))
    daemon = Daemon(load_config(), engine, clock, options)
    launcher = RecordingLauncher()
    daemon.launcher = launcher  # type: ignore[assignment]
    daemon.crawl_tick()
    if backoff:  # within the hour: neither partial store is crawled again yet
        assert launcher.resumed == [] and launcher.started == []
        return
    assert launcher.resumed == [left]
    assert launcher.started == [("aldi", ["G103"], {"sample": None})]


class RowLauncher:
    """Makes the pending rows a launcher makes; runs nothing."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.started: list[str | None] = []

    def start(self, spider: str, stores: list[str], args: Any = None) -> list[int]:
        planned, _ = plan_runs(self.engine, spider, stores, args or {})
        self.started += [run.store_id for run in planned]
        return [run.run_id for run in planned]

    def tick(self) -> None:
        pass

    def poll(self, run_ids: list[int]) -> dict[int, str]:
        with self.engine.connect() as connection:
            return runs.statuses(connection, run_ids)

    def resumable(self) -> list[Any]:
        return []


def test_a_slot_freed_by_a_run_that_ended_is_filled_at_the_next_watch(
    engine: Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The crawl tick comes every ten minutes; a crawl that ended leaves no slot idle that
    long: the watch (every few seconds) plans into it."""
    monkeypatch.setenv("GROCER_DATABASE_URL", db_url)
    monkeypatch.setenv("GROCER_DATA_DIR", str(tmp_path))
    options = DaemonOptions(stores=[("aldi", "G102"), ("aldi", "G103")], per_company=1)
    daemon = Daemon(load_config(), engine, ScaledClock(start=datetime(2025, 9, 17)), options)
    launcher = RowLauncher(engine)
    daemon.launcher = launcher  # type: ignore[assignment]
    daemon.crawl_tick()
    assert len(launcher.started) == 1  # one slot for Aldi
    daemon.watch()
    assert len(launcher.started) == 1  # its run still pending: no slot free
    with engine.begin() as connection:
        run_id = max(daemon.crawls)
        attempt = runs.open_attempt(connection, run_id, host=runs.this_host(), pid=1)
        assert attempt is not None
        runs.date_run(connection, run_id, date(2025, 9, 17))
        runs.close_run(
            connection, run_id, attempt=attempt, status=COMPLETE, finish_reason="finished",
            items=10, rejected=0, stats={},
        )  # fmt: skip
    daemon.watch()
    assert sorted(launcher.started) == ["G102", "G103"]
