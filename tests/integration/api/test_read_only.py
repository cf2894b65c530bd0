"""The API cannot write: the database file unchanged by requests, a write through its engine
refused (SQLite and PostgreSQL), reads while a writer commits; ``grocer serve`` refuses a
database at another schema revision, and answers over HTTP.  (That the serving process imports
no Scrapy: tests/unit/test_architecture.py.)"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
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
from tests.integration.api.test_product_list import next_day_records
from tests.prerequisites import ROOT
from tests.serving import serving


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


@pytest.mark.e2e
def test_grocer_serve_answers_over_http(samples_db: Path) -> None:
    before = digest(samples_db)
    with serving(samples_db) as base:
        response = httpx.get(f"{base}/v1/status", timeout=5)
        assert response.status_code == 200
        assert response.json()["database"] == str(samples_db)
        assert httpx.put(f"{base}/v1/status").status_code == 405
    assert digest(samples_db) == before


@pytest.mark.e2e
def test_an_ingest_runs_while_the_server_answers(samples_db: Path, tmp_path: Path) -> None:
    path, _cheaper, added = next_day_records(tmp_path)
    answers: list[int] = []
    stop = threading.Event()
    with serving(samples_db) as base:

        def ask() -> None:
            with httpx.Client(base_url=base, timeout=30) as http:
                while not stop.is_set():
                    for url in ("/v1/products?sort=unit_price&limit=100", "/v1/products/26",
                                "/v1/export/prices", "/v1/specials"):  # fmt: skip
                        answers.append(http.get(url).status_code)

        asking = threading.Thread(target=ask)
        asking.start()
        try:
            ingest = subprocess.run(
                [sys.executable, "-m", "grocer.cli", "ingest", "--json", str(path)],
                cwd=ROOT, env={**os.environ, "GROCER_DATABASE_URL": f"sqlite:///{samples_db}"},
                capture_output=True, text=True, timeout=120,
            )  # fmt: skip
            during = len(answers)
        finally:
            stop.set()
            asking.join(timeout=60)
        deadline = time.monotonic() + 60
        while True:  # a slow machine builds the index again in the background
            found = httpx.get(f"{base}/v1/products", params={"q": "zesty sorbet"}).json()
            if found["items"] or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    assert ingest.returncode == 0, ingest.stderr
    assert json.loads(ingest.stdout)["written"] > 0
    assert during > 0 and set(answers) == {200}
    assert [item["name"] for item in found["items"]] == [added]
