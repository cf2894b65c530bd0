"""Databases of their own on the test PostgreSQL server: made migrated, dropped after."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import make_url

from grocer.db.engine import make_engine
from grocer.db.migrate import upgrade


@contextmanager
def scratch_database(server: str, *, migrate: bool = True) -> Iterator[str]:
    """A new database on the server at ``server`` (a URL), at the newest schema unless
    ``migrate`` is False; yields its URL and drops it (closing its sessions) after."""
    admin = make_engine(server, isolation_level="AUTOCOMMIT")
    name = f"grocer_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        if migrate:
            upgrade(url).dispose()
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
