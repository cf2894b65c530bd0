"""Alembic migrations run from code: ``grocer db upgrade``, and SQLite databases on opening.

Only ``grocer db upgrade`` migrates a PostgreSQL database (several machines share it, each
running its own checkout): crawls and commands open one with :func:`open_current`, which
refuses a database at another revision (:class:`SchemaMismatch`).  An embedded SQLite file is
brought up to date on opening.  The check reads ``alembic_version`` with SQLAlchemy against
:data:`SCHEMA_REVISION`, so Alembic (a tenth of a second to import, more to load the migration
scripts) is imported only when there is something to migrate.  A test keeps the constant
equal to the scripts' head.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from grocer.db.engine import display_url, is_sqlite, make_engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# The newest migration's revision; bump it with every new script in migrations/versions.
SCHEMA_REVISION = "0012"


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str | None:
    """The head revision of the migration scripts (Alembic reads them)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for a database without the schema."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(url: str, engine: Engine | None = None) -> Engine:
    """Bring the database at ``url`` to the newest schema (a no-op when it is current)."""
    engine = engine or make_engine(url)
    if current_revision(engine) != SCHEMA_REVISION:
        # Alembic logs its plugins and each migration at INFO, some as it is imported: a
        # migration says nothing at the default log level.
        logging.getLogger("alembic").setLevel(logging.WARNING)
        from alembic import command

        config = alembic_config(url)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    return engine


class SchemaMismatch(RuntimeError):
    """The database is at another schema revision than this checkout's."""


def open_current(url: str, engine: Engine | None = None) -> Engine:
    """The engine of a database at this checkout's schema: SQLite is upgraded on the way,
    any other database only checked.

    Raises:
        SchemaMismatch: a PostgreSQL database at another revision (run ``grocer db upgrade``).
    """
    engine = engine or make_engine(url)
    if is_sqlite(engine):
        return upgrade(url, engine)
    found = current_revision(engine)
    if found != SCHEMA_REVISION:
        engine.dispose()
        raise SchemaMismatch(
            f"{display_url(url)} is at schema revision {found or 'none'}, this grocer expects "
            f"{SCHEMA_REVISION}: run grocer db upgrade"
        )
    return engine
