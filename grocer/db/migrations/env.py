"""Alembic environment: runs on the connection handed over by grocer.db.migrate, or a URL."""

from __future__ import annotations

from alembic import context

from grocer.db.engine import make_engine
from grocer.db.models import Base
from grocer.db.search import outside_models

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=outside_models,  # the search index lives outside the models
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        _run(conn)
