"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import sqlite3
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


def test_stored_prices_get_their_multibuy_offer_from_the_promotion_text(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    command.upgrade(alembic_config(f"sqlite:///{path}"), "0010")
    texts = ["Buy 3 for $4", "Pick any 2 for $5.80", "2 for $15.00 - $18.75/1KG", "Half Price",
             None, "1 for $2"]  # fmt: skip
    with sqlite3.connect(path) as connection:  # no foreign keys: price rows alone will do
        connection.executemany(
            "INSERT INTO prices (store_id, listing_id, price, is_special, promo_text, "
            "price_hash, first_seen, last_seen) VALUES (1, ?, 2.5, 0, ?, 'h', '2025-09-03', "
            "'2025-09-03')",
            list(enumerate(texts, start=1)),
        )
    engine = upgrade(f"sqlite:///{path}")
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT multibuy_qty, multibuy_price FROM prices ORDER BY listing_id")
        ).all()
    engine.dispose()
    assert [(q, None if p is None else str(p)) for q, p in rows] == [
        (3, "4"), (2, "5.8"), (2, "15"), (None, None), (None, None), (None, None),
    ]  # fmt: skip
    with sqlite3.connect(path) as connection:
        connection.execute("DELETE FROM prices")  # rows without their stores cannot be copied
    command.downgrade(alembic_config(f"sqlite:///{path}"), "0010")
    with sqlite3.connect(path) as connection:
        columns = {row[1] for row in connection.execute("PRAGMA table_info(prices)")}
    assert "multibuy_qty" not in columns and "promo_text" in columns
