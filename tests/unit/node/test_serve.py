"""``grocer node serve`` without Scrapyd: its scrapyd.conf, the loopback rule, its environment
and ``/grocer.json``'s answer."""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest

from grocer.commands.node_serve import serve
from grocer.config import load_config
from grocer.db.migrate import SCHEMA_REVISION
from grocer.node.identity import code_version
from grocer.node.serve import (
    EXIT_REFUSED,
    NodeOptions,
    is_loopback,
    node_env,
    prepare_folder,
    refusal,
    scrapyd_conf,
)
from grocer.node.service import node_info


def test_scrapyd_conf_has_every_key_the_node_needs(tmp_path: Path) -> None:
    folder = tmp_path / "nodes" / "6811"
    conf = configparser.ConfigParser()
    conf.read_string(scrapyd_conf(NodeOptions(port=6811, slots=3, bind="::1"), folder))
    scrapyd = conf["scrapyd"]
    assert scrapyd["bind_address"] == "::1" and scrapyd["http_port"] == "6811"
    assert scrapyd["max_proc"] == "3" and scrapyd["poll_interval"] == "1"
    assert scrapyd["dbs_dir"] == str(folder / "dbs")
    assert scrapyd["logs_dir"] == str(folder / "logs")
    assert scrapyd["jobs_to_keep"] == "1000" and scrapyd["finished_to_keep"] == "1000"
    assert scrapyd["items_dir"] == "" and scrapyd["node_name"].endswith(":6811")
    assert "username" not in scrapyd and "password" not in scrapyd  # from the environment
    services = conf["services"]
    for name in ("addversion.json", "delversion.json", "delproject.json"):
        assert services[name] == ""  # Scrapyd serves none of them
    assert services["grocer.json"] == "grocer.node.service.NodeInfo"
    assert dict(conf["settings"]) == {"default": "grocer.settings"}


def test_the_folder_is_the_ports_and_holds_the_conf(tmp_path: Path) -> None:
    folder = prepare_folder(NodeOptions(port=6812), tmp_path)
    assert folder == (tmp_path / "nodes" / "6812").resolve()
    assert (folder / "scrapyd.conf").read_text() == scrapyd_conf(NodeOptions(port=6812), folder)
    assert (folder / "dbs").is_dir() and (folder / "logs").is_dir()


@pytest.mark.parametrize(
    ("address", "loopback"),
    [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("localhost", True),
     ("0.0.0.0", False), ("192.168.1.5", False), ("::", False), ("node.example", False)],
)  # fmt: skip
def test_loopback_addresses(address: str, loopback: bool) -> None:
    assert is_loopback(address) is loopback


def test_a_bind_beyond_loopback_needs_both_credentials() -> None:
    wide = NodeOptions(bind="0.0.0.0")
    assert refusal(NodeOptions(bind="127.0.0.1"), {}) is None
    problem = refusal(wide, {"SCRAPYD_USERNAME": "grocer"})
    assert problem is not None and "SCRAPYD_PASSWORD" in problem
    assert "SCRAPYD_USERNAME and SCRAPYD_PASSWORD" in (refusal(wide, {}) or "")
    assert refusal(wide, {"SCRAPYD_USERNAME": "grocer", "SCRAPYD_PASSWORD": "s3cret"}) is None
    assert refusal(wide, {"SCRAPYD_USERNAME": "a:b", "SCRAPYD_PASSWORD": "x"}) is not None
    assert refusal(NodeOptions(slots=0), {}) is not None
    assert refusal(NodeOptions(port=0), {}) is not None


def test_the_command_refuses_with_exit_code_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from grocer.cli import build_parser

    for name in ("SCRAPYD_USERNAME", "SCRAPYD_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GROCER_DATA_DIR", str(tmp_path))
    args = build_parser().parse_args(["node", "serve", "--bind", "0.0.0.0", "--port", "6813"])
    assert serve(args, load_config()) == EXIT_REFUSED
    assert "SCRAPYD_USERNAME and SCRAPYD_PASSWORD" in capsys.readouterr().err
    assert not (tmp_path / "nodes").exists()  # refused before anything is written


def test_scrapyd_and_its_crawls_get_grocers_configuration(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GROCER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GROCER_ENV", "dev")
    monkeypatch.setenv("SCRAPYD_HTTP_PORT", "9999")  # would override the node's own file
    monkeypatch.delenv("GROCER_SOURCE_ADDRESS", raising=False)
    config = load_config()
    env = node_env(config, NodeOptions(slots=3, source_address="127.0.0.2"))
    assert env["SCRAPY_SETTINGS_MODULE"] == "grocer.settings"
    assert env["GROCER_NODE_SLOTS"] == "3" and env["GROCER_SOURCE_ADDRESS"] == "127.0.0.2"
    assert env["GROCER_ENV"] == "dev" and env["GROCER_DATA_DIR"] == str(tmp_path)
    assert env["GROCER_DATABASE_URL"] == config.database_url
    assert env["GROCER_SIM_URL"] == config.sim_url
    assert "SCRAPYD_HTTP_PORT" not in env
    assert "GROCER_SOURCE_ADDRESS" not in node_env(config, NodeOptions())


def test_node_info_names_code_schema_slots_and_source_address() -> None:
    info = node_info(2, {"GROCER_SOURCE_ADDRESS": "127.0.0.3"})
    assert info == {
        "git_sha": code_version(), "schema_revision": SCHEMA_REVISION, "slots": 2,
        "source_address": "127.0.0.3",
    }  # fmt: skip
    assert node_info(1, {})["source_address"] is None
