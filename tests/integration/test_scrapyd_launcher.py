"""The Scrapyd launcher against stand-in nodes (tests/integration/fake_scrapyd.py): the requests
it sends, ``crawl_nodes`` rows, nodes drained, mismatched and lost, runs a node forgot,
cancels, and the daemon driving it (resumes under the same run id, follow-up crawls)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from grocer.cli import main
from grocer.config import load_config
from grocer.constants import COMPLETE, FAILED, PENDING, RUNNING
from grocer.crawl.launch import scrapyd
from grocer.crawl.launch.scrapyd import ScrapydLauncher
from grocer.db import nodes, runs
from grocer.db.engine import is_sqlite
from grocer.db.models import CrawlNode, CrawlRun
from grocer.db.transactions import in_transaction
from grocer.node.identity import code_version
from grocer.scheduler.clock import ScaledClock
from grocer.scheduler.daemon import Daemon, DaemonOptions
from grocer.scheduler.state import busy_runs
from tests.integration.fake_scrapyd import FakeNode

PASSWORD = FakeNode.password


@pytest.fixture(autouse=True)
def environment(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("GROCER_DATABASE_URL", db_url)
    monkeypatch.setenv("GROCER_DATA_DIR", str(tmp_path))
    for name in ("GROCER_NODE_TIMEOUT", "GROCER_CANCEL_GRACE", "GROCER_SCRAPYD_NODES"):
        monkeypatch.delenv(name, raising=False)
    yield


@pytest.fixture
def several_nodes(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Several nodes on the SQLite variant too (the refusal is tested on its own): the
    launcher's logic is the same on both databases."""
    if is_sqlite(engine):
        monkeypatch.setattr(scrapyd, "is_sqlite", lambda _: False)


def launcher_of(engine: Engine, *fakes: FakeNode) -> ScrapydLauncher:
    return ScrapydLauncher(engine, [fake.url for fake in fakes])


def one_run(engine: Engine, node: FakeNode) -> tuple[ScrapydLauncher, int]:
    """A launcher of ``node`` and a sampled run of Aldi G102 it sent there."""
    launcher = launcher_of(engine, node)
    [run] = launcher.start("aldi", ["G102"], {"sample": 50})
    return launcher, run


def columns_of(engine: Engine, run_id: int, *columns: Any) -> tuple[Any, ...]:
    with engine.connect() as connection:
        return tuple(connection.execute(select(*columns).where(CrawlRun.id == run_id)).one())


def node_of(engine: Engine, run_id: int) -> tuple[Any, ...]:
    """The run's status and node."""
    return columns_of(engine, run_id, CrawlRun.status, CrawlRun.node)


def ending(engine: Engine, run_id: int) -> tuple[Any, ...]:
    """The run's status and finish reason."""
    return columns_of(engine, run_id, CrawlRun.status, CrawlRun.finish_reason)


def jobs_sent(fake: FakeNode) -> list[str]:
    return [request.form["jobid"] for request in fake.calls("/schedule.json")]


def opened(engine: Engine, run_id: int) -> int:
    """A node's crawl opens the run (``running``); returns the attempt."""
    attempt = in_transaction(
        engine, lambda c: runs.open_attempt(c, run_id, host="node-host", pid=4242)
    )
    assert attempt is not None
    return attempt


def closed(engine: Engine, run_id: int, attempt: int, status: str = COMPLETE) -> None:
    in_transaction(
        engine,
        lambda c: runs.close_run(
            c, run_id, attempt=attempt, status=status, finish_reason="finished", items=1,
            rejected=0, stats={},
        ),
    )  # fmt: skip


def silent_since(engine: Engine, url: str, hours: float = 1) -> None:
    """The node was last seen ``hours`` ago (past GROCER_NODE_TIMEOUT)."""
    with engine.begin() as connection:
        connection.execute(
            update(CrawlNode)
            .where(CrawlNode.url == url)
            .values(last_seen_at=datetime.now(UTC) - timedelta(hours=hours))
        )


def test_runs_go_to_the_node_with_most_free_slots_with_these_fields_only(
    engine: Engine, several_nodes: None
) -> None:
    with FakeNode(slots=1) as small, FakeNode(slots=3) as big:
        launcher = launcher_of(engine, small, big)
        ids = launcher.start("aldi", ["G102", "g103", "G104"], {"sample": 50, "x": None})
        # big has 3 free, then 2 (small 1); then 1 each: the first listed, small
        assert jobs_sent(big) == [str(ids[0]), str(ids[1])]
        assert jobs_sent(small) == [str(ids[2])]
        first = big.calls("/schedule.json")[0]
        assert first.method == "POST"
        assert first.fields == [
            ("project", "default"), ("spider", "aldi"), ("jobid", str(ids[0])),
            ("store", "G102"), ("sample", "50"), ("node", big.plain_url),
        ]  # fmt: skip
        assert {request.auth for fake in (small, big) for request in fake.requests} == {
            f"grocer:{PASSWORD}"
        }
        assert [node_of(engine, run_id) for run_id in ids] == [
            (PENDING, big.plain_url), (PENDING, big.plain_url), (PENDING, small.plain_url),
        ]  # fmt: skip
        with engine.connect() as connection:
            rows = nodes.list_nodes(connection)
        assert sorted((n.url, n.state, n.slots, n.pending, n.running) for n in rows) == sorted(
            [(small.plain_url, "active", 1, 1, 0), (big.plain_url, "active", 3, 2, 0)]
        )
        assert all(n.git_sha == code_version() and n.last_seen_at for n in rows)
        assert launcher.poll(ids) == dict.fromkeys(ids, PENDING)  # from the database
        with engine.connect() as connection:  # the daemon's --per-company cap counts them
            assert sorted(busy_runs(connection)) == [("aldi", s) for s in ("G102", "G103", "G104")]


def test_a_run_no_node_has_room_for_waits_for_a_free_slot(engine: Engine) -> None:
    with FakeNode(slots=1) as only:
        launcher = launcher_of(engine, only)
        first, second = launcher.start("aldi", ["G102", "G103"], {"sample": 50})
        assert node_of(engine, second) == (PENDING, None)
        attempt = opened(engine, first)
        assert launcher.dispatch_pending() == []  # the one slot is running the first
        closed(engine, first, attempt)
        assert launcher.dispatch_pending() == [second]
        assert jobs_sent(only) == [str(first), str(second)]
        assert node_of(engine, second) == (PENDING, only.plain_url)


def test_mismatched_and_drained_nodes_get_no_job(engine: Engine, several_nodes: None) -> None:
    with (
        FakeNode(git_sha="another-commit") as old_code,
        FakeNode(schema_revision="0006") as old_schema,
        FakeNode() as good,
    ):
        launcher = launcher_of(engine, old_code, old_schema, good)
        [run] = launcher.start("aldi", ["G102"], {"sample": 50})
        assert node_of(engine, run) == (PENDING, good.plain_url)
        with engine.connect() as connection:
            states = {n.url: n.state for n in nodes.list_nodes(connection)}
        assert states == {
            old_code.plain_url: "mismatch", old_schema.plain_url: "mismatch",
            good.plain_url: "active",
        }  # fmt: skip

        # drained (the URL given with its credentials): no new job, kept over refreshes
        state = in_transaction(engine, lambda c: nodes.set_drained(c, good.url, True))
        assert state == "draining"
        launcher.refresh()
        [waiting] = launcher.start("aldi", ["G103"], {"sample": 50})
        assert node_of(engine, waiting) == (PENDING, None)
        with engine.connect() as connection:
            [row] = nodes.list_nodes(connection, [good.url])
        assert (row.state, row.drained, row.pending) == ("draining", True, 1)

        in_transaction(engine, lambda c: nodes.set_drained(c, good.plain_url, False))
        assert launcher.dispatch_pending() == [waiting]
        assert jobs_sent(old_code) == jobs_sent(old_schema) == []
        with engine.connect() as connection:
            urls = connection.execute(select(CrawlNode.url)).scalars().all()
        assert not any(PASSWORD in url or "grocer@" in url for url in urls)


def test_a_lost_nodes_runs_go_on_elsewhere_under_their_ids(
    engine: Engine, several_nodes: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeNode(slots=2) as a, FakeNode(slots=1) as b:
        daemon = Daemon(load_config(), engine, ScaledClock(), DaemonOptions(nodes=[a.url, b.url]))
        assert isinstance(daemon.launcher, ScrapydLauncher)
        for store in ("G102", "G103", "G104"):
            daemon._launch("aldi", store, {"sample": 50}, "due")
        r1, r2, r3 = sorted(daemon.crawls)
        assert jobs_sent(a) == [str(r1), str(r2)] and jobs_sent(b) == [str(r3)]
        attempt = opened(engine, r1)  # r1 runs on a, r2 waits in a's queue
        closed(engine, r3, opened(engine, r3))  # b is done with r3
        daemon.watch()
        assert r3 not in daemon.crawls  # followed until it ended

        a.down = True  # a falls silent: its crawl's heartbeat goes stale
        in_transaction(
            engine, lambda c: runs.beat(c, r1, attempt, datetime.now(UTC) - timedelta(hours=1))
        )
        silent_since(engine, a.plain_url)
        daemon.watch()
        assert node_of(engine, r2) == (PENDING, b.plain_url)  # a's pending run: back, sent on
        assert node_of(engine, r1) == (PENDING, None)  # interrupted, resumed, no room yet
        with engine.connect() as connection:
            states = {n.url: n.state for n in nodes.list_nodes(connection)}
            assert runs.get_run(connection, r1).attempt == 1  # type: ignore[union-attr]
        assert states == {a.plain_url: "lost", b.plain_url: "active"}

        closed(engine, r2, opened(engine, r2))
        daemon.watch()
        assert jobs_sent(b) == [str(r3), str(r2), str(r1)]  # Scrapyd's job id = the run id
        assert opened(engine, r1) == 2  # a new attempt of the same run
        assert a.calls("/schedule.json") and jobs_sent(a) == [str(r1), str(r2)]
    assert PASSWORD not in caplog.text


def test_a_pending_run_a_node_forgot_is_dispatched_again(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GROCER_NODE_TIMEOUT", "0.2")
    with FakeNode() as node:
        launcher, run = one_run(engine, node)
        assert launcher.check_pending() == []  # listed pending
        node.pending.clear()  # the node restarted without its queue
        assert launcher.check_pending() == []  # not for long enough yet
        time.sleep(0.3)
        assert launcher.check_pending() == [run]
        assert node_of(engine, run) == (PENDING, None)
        assert launcher.dispatch_pending() == [run]
        assert jobs_sent(node) == [str(run), str(run)]
        for _ in range(scrapyd.MAX_FORGOTTEN - 1):  # forgotten again and again: given up
            node.pending.clear()
            launcher.check_pending()
            time.sleep(0.3)
            launcher.check_pending()
            launcher.dispatch_pending()
    assert ending(engine, run) == (FAILED, "not_started")


def test_a_cancelled_run_fails_is_stopped_then_killed_and_never_resumed(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GROCER_CANCEL_GRACE", "0")
    with FakeNode() as node:
        launcher, run = one_run(engine, node)
        node.pending.remove(str(run))
        node.running.append(str(run))
        opened(engine, run)
        launcher.cancel(run)
        assert ending(engine, run) == (FAILED, "cancelled")
        # Scrapyd signals INT when no signal is named
        assert [r.fields for r in node.calls("/cancel.json")] == [
            [("project", "default"), ("job", str(run))]
        ]
        launcher.follow_cancels()  # still running after the grace: killed
        assert node.calls("/cancel.json")[1].fields == [
            ("project", "default"), ("job", str(run)), ("signal", "KILL"),
        ]  # fmt: skip
        launcher.follow_cancels()  # once
        assert len(node.calls("/cancel.json")) == 2
        with pytest.raises(ValueError, match="only interrupted or partial resume"):
            launcher.resume(run)
        assert run not in [r.id for r in launcher.resumable()]


def test_an_interrupted_run_resumes_under_its_id_and_a_secret_is_refused(
    engine: Engine,
) -> None:
    with FakeNode() as node:
        launcher, run = one_run(engine, node)
        attempt = opened(engine, run)
        in_transaction(engine, lambda c: runs.mark_interrupted(c, run, "killed"))
        assert [r.id for r in launcher.resumable()] == [run]
        launcher.resume(run)
        assert node_of(engine, run) == (PENDING, node.plain_url)
        assert jobs_sent(node) == [str(run), str(run)]
        assert opened(engine, run) == attempt + 1
        with pytest.raises(ValueError, match="no secret"):
            launcher.start("aldi", ["G103"], {"db": "postgresql://u:pw@host/db"})
        with engine.connect() as connection:
            assert len(connection.execute(select(CrawlRun.id)).all()) == 1  # no row made


def test_the_daemon_follows_a_complete_coles_run_with_its_barcodes(engine: Engine) -> None:
    with FakeNode(slots=4) as node:
        daemon = Daemon(load_config(), engine, ScaledClock(), DaemonOptions(nodes=[node.url]))
        daemon._launch("coles", "COL:401", {}, "due")
        [run] = daemon.crawls
        closed(engine, run, opened(engine, run))
        daemon.watch()
        sent = node.calls("/schedule.json")
        assert [(r.form["spider"], r.form["store"]) for r in sent] == [
            ("coles", "COL:401"), ("coles_barcodes", "COL:401"),
        ]  # fmt: skip
        assert run not in daemon.crawls and len(daemon.crawls) == 1


def test_a_restarted_daemon_follows_the_nodes_runs(engine: Engine) -> None:
    with FakeNode(slots=1) as node:
        first = Daemon(load_config(), engine, ScaledClock(), DaemonOptions(nodes=[node.url]))
        for store in ("G102", "G103"):
            first._launch("aldi", store, {"sample": 50}, "due")
        running, waiting = sorted(first.crawls)
        opened(engine, running)
        first.launcher.stop_all(0)  # crawls on nodes go on
        assert node_of(engine, running)[0] == RUNNING
        again = Daemon(load_config(), engine, ScaledClock(), DaemonOptions(nodes=[node.url]))
        again.adopt()
        assert set(again.crawls) == {running, waiting}


def status_out(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[str, str]:
    """``grocer status ARGS``: its output and its error output."""
    capsys.readouterr()
    assert main(["status", *args]) == 0
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_status_shows_nodes_from_the_database_and_no_password(
    engine: Engine, several_nodes: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeNode(slots=3) as a, FakeNode(git_sha="another-commit") as b:
        launcher = launcher_of(engine, a, b)
        running, _ = launcher.start("aldi", ["G102", "G103"], {"sample": 50})
        opened(engine, running)
    # the nodes are gone: status asks them nothing
    out, err = status_out(capsys, "--json")
    got = json.loads(out)
    seen = {n["url"]: n.pop("last_seen_at") for n in got["nodes"]}
    assert all(datetime.fromisoformat(moment) for moment in seen.values())
    assert sorted(got["nodes"], key=lambda n: n["url"]) == sorted(
        [
            {"url": a.plain_url, "state": "active", "slots": 3, "running": 1, "pending": 1},
            {"url": b.plain_url, "state": "mismatch", "slots": 2, "running": 0, "pending": 0},
        ],
        key=lambda n: str(n["url"]),
    )
    assert {run["node"] for run in got["runs"]} == {a.plain_url}
    text, err_text = status_out(capsys)
    assert "2 crawl nodes:" in text and a.plain_url in text and "mismatch" in text
    assert not any(PASSWORD in shown for shown in (out, err, text, err_text))


def test_the_daemon_refuses_several_nodes_on_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GROCER_DATABASE_URL", f"sqlite:///{tmp_path / 'own.sqlite3'}")
    nodes_env = f"http://grocer:{PASSWORD}@127.0.0.2:6800,http://grocer:{PASSWORD}@127.0.0.3:6800"
    monkeypatch.setenv("GROCER_SCRAPYD_NODES", nodes_env)
    assert main(["daemon", "--jobs", "crawls"]) == 2
    err = capsys.readouterr().err
    assert "need one PostgreSQL database" in err and PASSWORD not in err
    monkeypatch.setenv("GROCER_SCRAPYD_NODES", "127.0.0.2:6800")
    assert main(["daemon", "--jobs", "crawls"]) == 2
    assert "GROCER_SCRAPYD_NODES: not a node URL" in capsys.readouterr().err
