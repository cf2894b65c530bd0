"""``grocer status --json`` / ``--check`` on a database: the object's shape, and the exit codes an
operator's cron or monitoring reads."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from grocer.cli import main
from grocer.constants import COMPLETE, PARTIAL, SKIPPED
from tests.integration.health.factories import daemon_heartbeat, finished_run, job_ran
from tests.unit.zones.factories import ingest_snapshots

D1 = date(2025, 9, 1)
D10 = D1 + timedelta(days=9)
Cli = Callable[..., tuple[int, str]]


@pytest.fixture
def cli(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Cli]:
    """Runs ``grocer status ...`` on the test database: (exit code, stdout)."""
    monkeypatch.setenv("GROCER_DATABASE_URL", db_url)
    for name in ("GROCER_FRESH_DAYS", "GROCER_DAEMON_HEARTBEAT_LIMIT", "GROCER_ALERT_URLS"):
        monkeypatch.delenv(name, raising=False)

    def run(*args: str) -> tuple[int, str]:
        capsys.readouterr()
        code = main(["status", *args])
        return code, capsys.readouterr().out

    yield run


def status_json(cli: Cli, *args: str) -> dict[str, Any]:
    code, out = cli("--json", *args)
    assert code == 0
    return dict(json.loads(out))


def test_the_json_object_has_the_fields_issue_25_lists(
    engine: Engine, tmp_path: Path, cli: Cli
) -> None:
    ingest_snapshots(engine, tmp_path, [("G102", D10, {1: "1.00"}), ("G103", D1, {1: "1.00"})])
    run_id = finished_run(engine, "aldi", "aldi", "G102", D10, PARTIAL, failed=["item_count"])
    daemon_heartbeat(engine)
    job_ran(engine, "crawls", "ok")

    got = status_json(cli, "--limit", "1")
    assert list(got) == [
        "as_of", "companies", "stale", "runs", "nodes", "daemon", "healthy", "problems"
    ]  # fmt: skip
    assert got["nodes"] == []  # no Scrapyd node ever seen
    assert got["as_of"] == D10.isoformat()
    assert got["companies"] == {"aldi": {"fresh": 1, "stale": 1, "never": 0}}
    assert got["stale"] == [
        {"company": "aldi", "store": "G103", "last_price_on": D1.isoformat(), "age_days": 9}
    ]
    [run] = got["runs"]  # --limit 1: the newest run
    assert run == {
        "id": run_id, "spider": "aldi", "company": "aldi", "store": "G102", "node": "local",
        "kind": "full", "status": "partial", "observed_on": D10.isoformat(),
        "checks": run["checks"],
    }  # fmt: skip
    by_name = {check["name"]: check for check in run["checks"]}
    assert set(by_name) == {"finish_reason", "item_count", "validation"}
    assert by_name["item_count"] == {
        "name": "item_count", "passed": False, "value": 40, "threshold": 75,
        "reason": "40 products, under the threshold 75 (75% of the sample size 100)",
    }  # fmt: skip
    assert list(got["daemon"]) == ["heartbeat_at", "alive", "next_jobs"]
    assert got["daemon"]["alive"] is True
    assert [job["job"] for job in got["daemon"]["next_jobs"]] == ["crawls"]
    assert got["healthy"] is False
    assert len(got["problems"]) == 2
    assert any("G102" in p and "item_count" in p and "40 products" in p for p in got["problems"])
    assert any("G103" in p and "stale" in p for p in got["problems"])
    # judged on an earlier day, G103's price was fresh
    earlier = status_json(cli, "--as-of", (D1 + timedelta(days=2)).isoformat())
    assert earlier["as_of"] == "2025-09-03" and earlier["stale"] == []


def test_check_exits_2_while_a_latest_run_failed_a_check_and_0_once_a_later_run_passes(
    engine: Engine, tmp_path: Path, cli: Cli
) -> None:
    ingest_snapshots(engine, tmp_path, [("G102", D10, {1: "1.00"})])
    assert cli("--check") == (0, "healthy (as of 2025-09-10)\n")

    run_id = finished_run(engine, "aldi", "aldi", "G102", D10, PARTIAL, failed=["item_count"])
    code, out = cli("--check")
    assert code == 2
    assert out.splitlines() == [
        f"aldi G102: run #{run_id} (2025-09-10, partial) failed check item_count: 40 products, under "
        "the threshold 75 (75% of the sample size 100)"
    ]
    # a run refused at open is never a "latest run": the failure still stands
    finished_run(engine, "aldi", "aldi", "G102", D10, SKIPPED, reason="store_busy")
    assert cli("--check")[0] == 2
    finished_run(engine, "aldi", "aldi", "G102", D10, COMPLETE)
    assert cli("--check")[0] == 0


def test_check_judges_the_daemon_heartbeat_on_the_wall_clock(
    engine: Engine, tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest_snapshots(engine, tmp_path, [("G102", D10, {1: "1.00"})])
    # no heartbeat ever: unknown, a problem only when the daemon is required
    assert status_json(cli)["daemon"]["alive"] is None
    assert cli("--check")[0] == 0
    code, out = cli("--check", "--require-daemon")
    assert (code, out) == (2, "daemon: no heartbeat ever (--require-daemon)\n")

    daemon_heartbeat(engine, age=timedelta(seconds=400))
    assert status_json(cli)["daemon"]["alive"] is False
    code, out = cli("--check")
    assert code == 2 and out.startswith("daemon: last heartbeat") and "limit 300 s" in out
    monkeypatch.setenv("GROCER_DAEMON_HEARTBEAT_LIMIT", "600")
    assert cli("--check")[0] == 0
    monkeypatch.delenv("GROCER_DAEMON_HEARTBEAT_LIMIT")
    daemon_heartbeat(engine)  # a daemon beating now
    assert status_json(cli)["daemon"]["alive"] is True
    assert cli("--check", "--require-daemon")[0] == 0


def test_a_store_the_planner_crawls_but_never_priced_is_a_problem(
    engine: Engine, tmp_path: Path, cli: Cli
) -> None:
    ingest_snapshots(engine, tmp_path, [("G102", D10, {1: "1.00"})])
    finished_run(engine, "aldi", "aldi", "G777", None, SKIPPED, reason="store_busy")
    code, out = cli("--check")
    assert (code, out) == (2, "aldi G777: never priced\n")
    assert status_json(cli)["companies"] == {"aldi": {"fresh": 1, "stale": 0, "never": 1}}


def test_the_report_shows_freshness_per_company(engine: Engine, tmp_path: Path, cli: Cli) -> None:
    ingest_snapshots(engine, tmp_path, [("G102", D10, {1: "1.00"}), ("G103", D1, {1: "1.00"})])
    code, out = cli()
    assert code == 0
    assert "last 2 crawl runs:" in out and "due now:" in out
    runs = [line.split()[1:6] for line in out.splitlines() if line.startswith("  #")]
    assert ["ingest", "aldi", "G102", "2025-09-10", "complete"] in runs
    assert "freshness as of 2025-09-10:" in out
    assert "aldi       fresh     1  stale     1  never     0" in out
    assert "stale: aldi       G103" in out
    assert "daemon: no heartbeat ever" in out
