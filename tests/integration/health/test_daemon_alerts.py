"""The daemon runs the alert pass as one of its jobs (``alerts``, every minute)."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from grocer.config import load_config
from grocer.constants import PARTIAL
from grocer.db.models import Alert, DaemonJob
from grocer.scheduler.clock import ScaledClock
from grocer.scheduler.daemon import Daemon, DaemonOptions
from grocer.scheduler.jobs import JOBS
from tests.integration.health.factories import finished_run


def test_the_daemon_sends_alerts_from_the_database(
    engine: Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert JOBS["alerts"][1] == "alerts"  # on by default (``--jobs`` lists every job)
    monkeypatch.setenv("GROCER_DATABASE_URL", db_url)
    monkeypatch.setenv("GROCER_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("GROCER_ALERT_URLS", raising=False)
    finished_run(engine, "aldi", "aldi", "G102", date(2025, 9, 17), PARTIAL, failed=["item_count"])
    daemon = Daemon(load_config(), engine, ScaledClock(), DaemonOptions(jobs=["alerts"]))
    stop = threading.Event()
    timer = threading.Timer(1.5, stop.set)
    timer.start()
    try:
        daemon.run(until=stop)
    finally:
        timer.cancel()
    with engine.connect() as connection:
        alerts = connection.execute(select(Alert.key, Alert.sent_at)).all()
        jobs = dict(connection.execute(select(DaemonJob.job, DaemonJob.last_status)).all())
    assert [key for key, _ in alerts] == ["check:aldi:G102:item_count"]
    assert alerts[0].sent_at is not None  # no GROCER_ALERT_URLS: sent to the log
    assert jobs["alerts"] == "ok"
