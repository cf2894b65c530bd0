"""What a person reads of a zone run: ``grocer analyze zones`` and the INFO log of
``maintain_zones`` are a short table, every line under 200 characters, never a dict."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest

from grocer.analysis.zones.summary import CompanySummary, ZoneRunSummary
from grocer.cli import main
from grocer.db.engine import make_engine
from grocer.db.store_rows import COMPANY_IDS
from tests.integration.zones.test_maintenance import ZONE, changed
from tests.unit.zones.factories import ingest_snapshots

DAY = date(2025, 9, 18)


def test_analyze_zones_prints_and_logs_short_lines(
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    engine = make_engine(db_url)
    snapshots = [(s, DAY, changed(ZONE, [5]) if s == "G002" else ZONE) for s in ("G001", "G002")]
    ingest_snapshots(engine, tmp_path, snapshots)
    engine.dispose()
    monkeypatch.setenv("GROCER_DATABASE_URL", db_url)
    caplog.set_level(logging.INFO, logger="grocer.analysis.zones")
    capsys.readouterr()

    assert main(["analyze", "zones", "--as-of", DAY.isoformat()]) == 0

    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("zones as of 2025-09-18 in ")
    assert out[1].split() == [
        "company", "stores", "zones", "compared", "merges", "ejected", "verified", "flagged",
        "rows", "deleted",
    ]  # fmt: skip
    assert [line.split()[0] for line in out[2:-1]] == list(COMPANY_IDS)  # a row per company
    aldi = next(line.split() for line in out if line.startswith("aldi"))
    assert aldi[1:] == ["2", "1", "1", "1", "0", "0", "0", "399"]
    assert out[-1] == (
        "merges 1, ejections 0, verified 0, flagged for re-crawl 0, price rows deleted 399"
    )
    records = [r for r in caplog.records if r.name == "grocer.analysis.zones.maintain"]
    assert [r.getMessage() for r in records] == ["\n".join(out)]  # the table, one record
    cli_format = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    lines = out + [line for r in records for line in cli_format.format(r).splitlines()]
    assert max(len(line) for line in lines) < 200
    assert not any("{" in line for line in lines)


def test_the_table_stays_short_with_large_counts() -> None:
    summary = ZoneRunSummary(as_of=DAY, reset=True, seconds=4321.5, retention_seconds=4000.25)
    for slug in COMPANY_IDS:
        summary.companies[slug] = CompanySummary(*(10**7,) * 3, *(10**6,) * 5, rows_deleted=10**9)
    lines = summary.lines()
    assert lines[0] == "zones as of 2025-09-18 (reset) in 4321.5s (4000.2s deleting rows)"
    assert len(lines) == 3 + len(COMPANY_IDS) and max(map(len, lines)) < 120
