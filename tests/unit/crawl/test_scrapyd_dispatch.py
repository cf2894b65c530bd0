"""The Scrapyd launcher's pure parts: which node a run goes to, node URLs without credentials,
the settings it reads, what it refuses."""

from __future__ import annotations

from dataclasses import replace

import pytest

from grocer.crawl.launch.scrapyd import (
    ScrapydLauncher,
    cancel_grace,
    check_public,
    choose_node,
    scrapyd_nodes,
)
from grocer.crawl.launch.scrapyd_client import NodeClient
from grocer.db.engine import make_engine
from grocer.db.nodes import NodeRow, mask, node_url_without_credentials, state_of

SHA, REV = "abc123", "0007"


def node(url: str, *, slots: int = 2, running: int = 0, pending: int = 0, **kw: object) -> NodeRow:
    row = NodeRow(
        url=url, state="active", git_sha=SHA, schema_revision=REV, slots=slots,
        source_address=None, last_seen_at=None, drained=False, running=running, pending=pending,
    )  # fmt: skip
    return replace(row, **kw)  # type: ignore[arg-type]


def choose(*nodes: NodeRow) -> str | None:
    chosen = choose_node(nodes, git_sha=SHA, schema_revision=REV)
    return chosen.url if chosen else None


def test_the_node_with_the_most_free_slots_gets_the_run() -> None:
    a = node("http://a:6800", slots=2, running=1)  # 1 free
    b = node("http://b:6800", slots=4, running=1, pending=1)  # 2 free
    c = node("http://c:6800", slots=3, pending=2)  # 1 free
    assert choose(a, b, c) == "http://b:6800"


def test_ties_go_to_the_first_node_listed() -> None:
    a, b = node("http://a:6800"), node("http://b:6800")
    assert choose(a, b) == "http://a:6800"
    assert choose(b, a) == "http://b:6800"


@pytest.mark.parametrize(
    "other",
    [
        {"state": "draining"},
        {"drained": True},
        {"state": "lost"},
        {"state": "mismatch"},
        {"git_sha": "other"},
        {"schema_revision": "0006"},
        {"running": 8},
        {"running": 4, "pending": 4},
        {"slots": 0},
    ],
    ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()),
)
def test_only_matching_active_nodes_with_a_free_slot_get_runs(other: dict[str, object]) -> None:
    wide = node("http://wide:6800", **{"slots": 8, **other})  # type: ignore[arg-type]
    narrow = node("http://narrow:6800", slots=1)
    assert choose(wide, narrow) == "http://narrow:6800"
    assert choose(wide) is None


def test_a_node_counts_more_runs_than_slots_as_none_free() -> None:
    assert node("http://a:6800", slots=1, running=3).free == 0


@pytest.mark.parametrize(
    "url, stored",
    [
        ("http://user:pass@host:6800", "http://host:6800"),
        ("http://user:p%40ss@host:6800/", "http://host:6800"),
        ("https://user:p@ss@host:443/scrapyd/", "https://host:443/scrapyd"),
        ("http://host:6800", "http://host:6800"),
        ("  http://user@10.0.0.2:6800  ", "http://10.0.0.2:6800"),
    ],
)
def test_node_urls_are_kept_without_credentials(url: str, stored: str) -> None:
    assert node_url_without_credentials(url) == stored


@pytest.mark.parametrize("url", ["host:6800", "ftp://u:pw@host", "http://", "mailto:x@y"])
def test_what_is_no_node_url_is_refused_without_echoing_a_password(url: str) -> None:
    with pytest.raises(ValueError, match="not a node URL") as raised:
        node_url_without_credentials(url)
    assert "pw" not in str(raised.value)


def test_mask_leaves_credentials_out_of_messages() -> None:
    text = "http://u:pw@a:6800/schedule.json failed; https://x:y@b/ too; http://c:1 fine"
    assert mask(text) == "http://a:6800/schedule.json failed; https://b/ too; http://c:1 fine"


def test_a_client_authenticates_with_the_urls_credentials_and_requests_without_them() -> None:
    client = NodeClient("http://us%3Aer:p%40ss@127.0.0.1:6800/")
    assert client.url == "http://127.0.0.1:6800"
    assert client._auth == "Basic dXM6ZXI6cEBzcw=="  # base64 of "us:er:p@ss"


def test_the_node_list_and_the_cancel_grace_are_read_from_the_environment() -> None:
    env = {"GROCER_SCRAPYD_NODES": " http://u:p@a:6800, ,http://b:6800 "}
    assert scrapyd_nodes(env) == ["http://u:p@a:6800", "http://b:6800"]
    assert scrapyd_nodes({}) == []
    with pytest.raises(ValueError, match="not a node URL"):
        scrapyd_nodes({"GROCER_SCRAPYD_NODES": "a:6800"})
    assert cancel_grace({}) == 60.0
    assert cancel_grace({"GROCER_CANCEL_GRACE": "5"}) == 5.0


def test_a_node_that_answers_is_mismatched_before_it_is_draining() -> None:
    assert state_of(matches=True, drained=False) == "active"
    assert state_of(matches=True, drained=True) == "draining"
    assert state_of(matches=False, drained=True) == "mismatch"


@pytest.mark.parametrize(
    "values",
    [{"GROCER_DATABASE_URL": "x"}, {"db": "postgresql://u:pw@h/db"}, {"API_TOKEN": "t"}],
)
def test_no_secret_goes_to_a_node(values: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="no secret goes to a Scrapyd node"):
        check_public(values, "setting")
    check_public({"sample": "50", "AUTOTHROTTLE_ENABLED": "0"}, "setting")


def test_several_nodes_on_sqlite_are_refused_saying_why() -> None:
    engine = make_engine("sqlite://")
    with pytest.raises(ValueError, match="need one PostgreSQL database") as refused:
        ScrapydLauncher(engine, ["http://u:pw@a:6800", "http://u:pw@b:6800"], git_sha=SHA)
    assert "pw" not in str(refused.value)
    # one node may share this machine's SQLite file; the same node twice is one node
    launcher = ScrapydLauncher(engine, ["http://u:pw@a:6800", "http://a:6800/"], git_sha=SHA)
    assert list(launcher.clients) == ["http://a:6800"]
    with pytest.raises(ValueError, match="no Scrapyd node"):
        ScrapydLauncher(engine, [], git_sha=SHA)
