"""The operator alert pass against a local HTTP receiver (an Apprise ``json://`` target): one
message per condition when it opens, none while it holds or when all is healthy, one again
after it cleared and returned; a failed send is sent by the next pass."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from grocer.constants import COMPLETE, FAILED, PARTIAL, SKIPPED
from grocer.db.models import Alert
from grocer.health.alerts import PassResult, run_pass
from tests.integration.health.factories import finished_run, job_ran, store
from tests.receiver import Receiver
from tests.unit.zones.factories import ingest_snapshots

D1 = date(2025, 9, 1)
D10 = D1 + timedelta(days=9)


def alert_pass(engine: Engine, receiver: Receiver) -> PassResult:
    return run_pass(engine, urls=[receiver.url], environ={})


def open_keys(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(
            connection.execute(select(Alert.key).where(Alert.cleared_at.is_(None))).scalars()
        )


KEYS = [
    "check:aldi:G102:item_count",
    "failed:woolworths:1147",
    "job:maintenance",
    "schema:iga:14850",
    "stale:aldi:G200",
]


def break_everything(engine: Engine, tmp_path: Path) -> None:
    """One of each condition: a failed check, a stale store, a job failing twice, a failed
    run, a run refused for schema_mismatch."""
    ingest_snapshots(engine, tmp_path, [("G200", D1, {1: "1.00"})])
    finished_run(engine, "aldi", "aldi", "G102", D10, PARTIAL, failed=["item_count"])
    job_ran(engine, "maintenance", "failed")
    job_ran(engine, "maintenance", "failed")
    finished_run(engine, "woolworths", "woolworths", "1147", D10, FAILED, reason="no_response")
    finished_run(engine, "iga", "iga", "14850", None, SKIPPED, reason="schema_mismatch")


def heal_everything(engine: Engine, tmp_path: Path) -> None:
    ingest_snapshots(engine, tmp_path, [("G200", D10, {1: "1.00"})])
    finished_run(engine, "aldi", "aldi", "G102", D10, COMPLETE)
    job_ran(engine, "maintenance", "ok")
    finished_run(engine, "woolworths", "woolworths", "1147", D10, COMPLETE)
    finished_run(engine, "iga", "iga", "14850", D10, COMPLETE)


def test_one_alert_per_condition_when_it_opens_and_again_after_it_returns(
    engine: Engine, tmp_path: Path, receiver: Receiver
) -> None:
    # healthy: nothing is sent
    ingest_snapshots(engine, tmp_path, [("G102", D10, {1: "1.00"})])
    store(engine, "woolworths", "1147")  # never priced: a --check problem, not an alert
    assert alert_pass(engine, receiver).opened == ()
    assert receiver.take() == []

    break_everything(engine, tmp_path)
    first = alert_pass(engine, receiver)
    assert sorted(first.opened) == sorted(first.sent) == KEYS
    messages = receiver.take()
    assert len(messages) == 5
    [check] = [m for m in messages if "item_count" in m]
    assert "aldi G102" in check and "40 products, under the threshold 75" in check
    [stale] = [m for m in messages if "G200" in m]
    assert "2025-09-01" in stale and "9 days" in stale
    assert any("maintenance" in m and "2 times in a row" in m for m in messages)
    assert any("woolworths 1147" in m and "no_response" in m for m in messages)
    assert any("iga 14850" in m and "schema_mismatch" in m for m in messages)

    # still failing: nothing new is sent
    assert alert_pass(engine, receiver).sent == ()
    assert receiver.take() == []
    assert open_keys(engine) == KEYS

    heal_everything(engine, tmp_path)
    healed = alert_pass(engine, receiver)
    assert sorted(healed.cleared) == KEYS and healed.sent == ()
    assert receiver.take() == [] and open_keys(engine) == []

    # the check fails again: sent again, once
    finished_run(engine, "aldi", "aldi", "G102", D10, PARTIAL, failed=["item_count"])
    assert alert_pass(engine, receiver).sent == ("check:aldi:G102:item_count",)
    assert len(receiver.take()) == 1
    alert_pass(engine, receiver)
    assert receiver.take() == []


def test_a_failed_send_is_retried_by_the_next_pass(
    engine: Engine, tmp_path: Path, receiver: Receiver
) -> None:
    ingest_snapshots(engine, tmp_path, [("G102", D10, {1: "1.00"})])
    finished_run(engine, "aldi", "aldi", "G102", D10, PARTIAL, failed=["item_count"])
    receiver.status = 500
    failed = alert_pass(engine, receiver)  # does not raise
    assert failed.unsent == ("check:aldi:G102:item_count",) and failed.sent == ()
    receiver.status = 200
    assert alert_pass(engine, receiver).sent == ("check:aldi:G102:item_count",)
    assert len(receiver.take()) == 1
    assert alert_pass(engine, receiver).sent == ()


def test_without_urls_alerts_go_to_the_log(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ingest_snapshots(engine, tmp_path, [("G102", D10, {1: "1.00"})])
    finished_run(engine, "aldi", "aldi", "G102", D10, PARTIAL, failed=["item_count"])
    with caplog.at_level(logging.WARNING, logger="grocer.health.alerts"):
        assert run_pass(engine, environ={}).sent == ("check:aldi:G102:item_count",)
        assert run_pass(engine, environ={}).sent == ()
    logged = [r.getMessage() for r in caplog.records if r.name == "grocer.health.alerts"]
    assert len(logged) == 1 and "item_count" in logged[0] and "40 products" in logged[0]
