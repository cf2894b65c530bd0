"""The API cannot write: the database file unchanged by requests, a write through its engine
refused (SQLite and PostgreSQL), reads while a writer commits; ``grocer serve`` refuses a
database at another schema revision, and answers over HTTP.  (That the serving process imports
no Scrapy: tests/unit/test_architecture.py.)"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, exc, text
from sqlalchemy.engine import make_url

from grocer.api.app import create_app
from grocer.cli import main
from grocer.db.engine import make_engine, make_read_only_engine
from grocer.db.migrate import SCHEMA_REVISION
from tests.prerequisites import ROOT


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_requests_leave_the_database_file_unchanged(client: TestClient, samples_db: Path) -> None:
    before = digest(samples_db)
    for _ in range(3):
        assert client.get("/v1/status").status_code == 200
        assert client.get("/metrics").status_code == 200
        assert client.delete("/v1/status").status_code == 405
        assert client.post("/v1/products", json={"name": "x"}).status_code == 405
    assert digest(samples_db) == before


def test_a_write_through_the_sqlite_engine_fails(read_only: Engine) -> None:
    with pytest.raises(exc.OperationalError, match="readonly"):
        with read_only.begin() as connection:
            connection.execute(text("DELETE FROM prices"))


def test_a_reader_reads_while_a_writer_commits(samples_db: Path, read_only: Engine) -> None:
    writer = make_engine(f"sqlite:///{samples_db}")
    with read_only.connect() as connection:
        before = connection.execute(text("SELECT COUNT(*) FROM stores")).scalar_one()
    with writer.begin() as connection:
        connection.execute(text("UPDATE stores SET name = name || ' (renamed)'"))
        with read_only.connect() as reader:  # the writer's transaction is still open
            assert reader.execute(text("SELECT COUNT(*) FROM stores")).scalar_one() == before
    with read_only.connect() as connection:
        names = connection.execute(text("SELECT name FROM stores")).scalars().all()
    assert all(name.endswith("(renamed)") for name in names)
    with writer.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    writer.dispose()


@pytest.fixture
def postgres_read_only(postgres_url: str) -> Iterator[tuple[str, Engine]]:
    """A read-only engine on a PostgreSQL scratch database, its URL with a password (the
    test server trusts local connections, so the password is only shown, never checked)."""
    url = make_url(postgres_url).set(password="s3cret-pa55").render_as_string(hide_password=False)
    engine = make_read_only_engine(url)
    yield url, engine
    engine.dispose()


@pytest.mark.postgres
def test_a_write_through_the_postgres_engine_fails(
    postgres_read_only: tuple[str, Engine],
) -> None:
    url, engine = postgres_read_only
    with pytest.raises(exc.InternalError, match="read-only transaction"):
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM prices"))
    with TestClient(create_app(engine, environ={})) as client:
        response = client.get("/v1/status")
    assert response.status_code == 200
    assert "s3cret-pa55" not in response.text
    database = response.json()["database"]
    assert (
        database
        == f"postgresql+psycopg://postgres:***@{make_url(url).host}:{make_url(url).port}/{make_url(url).database}"
    )


@pytest.fixture
def old_database(sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "old.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    engine.dispose()
    monkeypatch.setenv("GROCER_DATABASE_URL", f"sqlite:///{path}")
    return path


def test_serve_refuses_an_out_of_date_schema(
    old_database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = digest(old_database)
    assert main(["serve", "--port", "1"]) == 2
    error = capsys.readouterr().err
    assert f"at schema revision 0001, this grocer expects {SCHEMA_REVISION}" in error
    assert "grocer db upgrade" in error
    assert digest(old_database) == before  # not migrated


def test_serve_refuses_a_missing_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GROCER_DATABASE_URL", f"sqlite:///{tmp_path / 'none.sqlite3'}")
    assert main(["serve", "--port", "1"]) == 2
    assert "cannot open" in capsys.readouterr().err
    assert not (tmp_path / "none.sqlite3").exists()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.e2e
def test_grocer_serve_answers_over_http(samples_db: Path) -> None:
    port = free_port()
    env = {**os.environ, "GROCER_DATABASE_URL": f"sqlite:///{samples_db}"}
    before = digest(samples_db)
    server = subprocess.Popen(
        [sys.executable, "-m", "grocer.cli", "serve", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/v1/status", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "grocer serve did not answer"
                time.sleep(0.1)
        assert response.status_code == 200
        assert response.json()["database"] == str(samples_db)
        assert httpx.put(f"http://127.0.0.1:{port}/v1/status").status_code == 405
    finally:
        server.terminate()
        server.wait(timeout=10)
        if server.stderr:
            server.stderr.close()
    assert digest(samples_db) == before
