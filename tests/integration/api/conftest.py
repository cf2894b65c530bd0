"""An API over a SQLite database holding ``grocer/data/samples``, ingested once per session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from grocer.api.app import create_app
from grocer.db.engine import make_engine, make_read_only_engine
from grocer.ingest.runner import ingest_files
from tests.conftest import SAMPLES


@pytest.fixture(scope="session")
def samples_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with every sample ingested (checkpointed: no WAL beside it)."""
    path = tmp_path_factory.mktemp("api") / "samples.sqlite3"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    report = ingest_files(engine, sorted(SAMPLES.glob("*.jsonl.gz")))
    assert report.errors == []
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def samples_db(samples_template: Path, tmp_path: Path) -> Path:
    """This test's copy of the samples database."""
    path = tmp_path / "grocer.sqlite3"
    shutil.copy(samples_template, path)
    return path


@pytest.fixture
def read_only(samples_db: Path) -> Iterator[Engine]:
    engine = make_read_only_engine(f"sqlite:///{samples_db}")
    yield engine
    engine.dispose()


@pytest.fixture
def client(read_only: Engine) -> Iterator[TestClient]:
    """A TestClient of an API over the samples (no CORS origins, default settings)."""
    with TestClient(create_app(read_only, environ={})) as client:
        yield client
