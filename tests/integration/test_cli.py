"""The ``grocer`` command on a temporary database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from grocer.cli import main
from grocer.db.engine import make_engine
from grocer.db.migrate import SCHEMA_REVISION
from tests.conftest import SAMPLES


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.sqlite3"
    monkeypatch.setenv("GROCER_DATABASE_URL", f"sqlite:///{path}")
    return path


def test_ingest_then_count_prices_by_store(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [str(p) for p in sorted(SAMPLES.glob("aldi-carindale-*.jsonl.gz"))]
    assert main(["ingest", *files]) == 0
    out, err = capsys.readouterr()
    assert f"database: {database}" in err
    assert "ingested 3 file(s): 450 records, 450 written, 0 rejected" in out
    assert main(["count-prices", "--by-store"]) == 0
    out, _ = capsys.readouterr()
    lines = out.splitlines()
    total = int(lines[0].removeprefix("price rows: "))
    assert 150 < total < 450  # change-only: unchanged prices share one row
    assert any(line.split()[:2] == ["aldi", "G102"] for line in lines)


def test_ingest_refuses_missing_files(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", "no-such-file.jsonl"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_db_upgrade_reports_the_revision(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade"]) == 0
    assert f"schema at revision {SCHEMA_REVISION}" in capsys.readouterr().out
    engine = make_engine(f"sqlite:///{database}")
    columns = {
        table: {c["name"] for c in inspect(engine).get_columns(table)}
        for table in ("crawl_runs", "run_checks")
    }
    engine.dispose()
    assert {"status", "attempt", "heartbeat_at", "node", "host", "pid"} <= columns["crawl_runs"]
    assert "complete" not in columns["crawl_runs"]
    assert columns["run_checks"] == {
        "id",
        "run_id",
        "name",
        "passed",
        "value",
        "threshold",
        "reason",
    }
