"""``grocer status --json`` / ``--check`` after real sampled crawls of two Aldi stores ten
simulated days apart (issue 25's acceptance): freshness follows the simulator's calendar."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from grocer.cli import main
from tests.e2e.conftest import Crawler
from tests.integration.health.factories import daemon_heartbeat

pytestmark = pytest.mark.e2e

# Two ISO weeks whose sampled categories (the same for a company all week) have sizes and unit
# prices enough for the coverage checks at 50 listings in both stores.
FIRST = date(2025, 9, 21)
LATER = FIRST + timedelta(days=10)
SAMPLE = "50"


def status(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """``grocer status ARGS``: its exit code and output."""
    capsys.readouterr()
    code = main(["status", *args])
    return code, capsys.readouterr().out


def test_status_after_crawls_ten_days_apart_one_stale_one_fresh(
    crawler: Crawler, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("GROCER_FRESH_DAYS", "GROCER_DAEMON_HEARTBEAT_LIMIT", "GROCER_ALERT_URLS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GROCER_DATABASE_URL", f"sqlite:///{crawler.database}")
    crawler.sim.set_date(FIRST)
    crawler.run("aldi", store="G102", sample=SAMPLE)
    crawler.sim.set_date(LATER)
    crawler.run("aldi", store="G391", sample=SAMPLE)

    code, out = status(capsys, "--json")
    got = json.loads(out)
    assert code == 0
    assert got["as_of"] == LATER.isoformat()  # the simulator's day, not the wall clock's
    assert got["companies"] == {"aldi": {"fresh": 1, "stale": 1, "never": 0}}
    assert got["stale"] == [
        {"company": "aldi", "store": "G102", "last_price_on": FIRST.isoformat(), "age_days": 10}
    ]
    assert [(r["store"], r["kind"], r["status"]) for r in got["runs"]] == [
        ("G391", "sample", "complete"),
        ("G102", "sample", "complete"),
    ]
    assert got["runs"][0]["observed_on"] == LATER.isoformat()
    assert got["runs"][0]["checks"] and all(c["passed"] for c in got["runs"][0]["checks"])
    assert got["healthy"] is False and got["daemon"]["alive"] is None
    code, out = status(capsys, "--check")
    assert code == 2
    assert out.splitlines() == [
        f"aldi G102: stale, last price {FIRST} (10 days before {LATER}; limit 7)"
    ]

    crawler.run("aldi", store="G102", sample=SAMPLE)  # crawled again on the later day
    code, out = status(capsys, "--check")
    assert (code, out) == (0, f"healthy (as of {LATER})\n")

    daemon_heartbeat(crawler.engine(), age=timedelta(minutes=10))
    code, out = status(capsys, "--check")
    assert code == 2 and out.startswith("daemon: last heartbeat")
