"""Shared fixtures: a fresh database per test (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from grocer.db.engine import make_engine
from grocer.db.migrate import upgrade
from grocer.db.models import Base
from tests.postgres import scratch_database
from tests.prerequisites import ROOT, require_chromium, require_corpus, require_postgres
from tests.receiver import Receiver

SAMPLES = ROOT / "grocer" / "data" / "samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The real corpus beside the repository (skipped where absent, failed in CI)."""
    return require_corpus()


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium (skipped where absent, failed in CI)."""
    return require_chromium()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating every time)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = upgrade(f"sqlite:///{path}")
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A migrated PostgreSQL database of its own for this test session."""
    with scratch_database(require_postgres()) as url:
        yield url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A migrated PostgreSQL database of this test's own (dropped after it)."""
    with scratch_database(require_postgres()) as url:
        yield url


def _backends() -> list[object]:
    return ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=_backends())
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty, migrated database: SQLite and (when configured) PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "grocer.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_database")
    yield url
    engine = make_engine(url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables if t.name != "companies")
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A local Apprise ``json://`` receiver (``receiver.url``), shut down after the test."""
    server = Receiver()
    yield server
    server.close()
