"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text

from grocer.db.engine import make_engine
from grocer.db.migrate import alembic_config, upgrade
from grocer.db.models import Base
from grocer.db.search import outside_models


def test_migrated_schema_equals_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": outside_models})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_old_runs_get_a_status_from_complete_and_finished_at(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    config = alembic_config(url)
    command.upgrade(config, "0003")
    engine = make_engine(url)
    now = datetime.now(UTC)
    old = [
        {"spider": "aldi", "complete": True, "finished_at": now},
        {"spider": "aldi", "complete": False, "finished_at": now},
        {"spider": "aldi", "complete": False, "finished_at": None},
        {"spider": "coles_barcodes", "complete": True, "finished_at": now},
    ]
    with engine.begin() as connection:
        for row in old:
            connection.execute(
                text(
                    "INSERT INTO crawl_runs (spider, started_at, finished_at, complete, items, "
                    "rejected, stats, kind) VALUES (:spider, :now, :finished_at, :complete, 0, 0, "
                    "'{}', 'full')"
                ),
                {**row, "now": now},
            )
    engine.dispose()
    engine = upgrade(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT status, kind, attempt FROM crawl_runs ORDER BY id")
        ).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [
        ("complete", "full", 1),
        ("partial", "full", 1),
        ("failed", "full", 1),
        ("complete", "barcodes", 1),
    ]
