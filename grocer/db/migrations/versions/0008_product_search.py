"""Product search index (grocer/db/search.py): on SQLite the FTS5 table ``products_fts``
(rowid = products.id; name and brand as grocer's ASCII-folded text), on PostgreSQL the
``products.search`` tsvector (``simple`` configuration) with a GIN index; both filled from
the products already there.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import TSVECTOR

from grocer.db.search import FTS_TABLE, SEARCH_COLUMN, SEARCH_INDEX, rebuild

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        op.execute(
            f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
            "name, brand, tokenize = 'unicode61 remove_diacritics 2')"
        )
    else:
        op.add_column("products", sa.Column(SEARCH_COLUMN, TSVECTOR(), nullable=True))
    rebuild(connection)
    if connection.dialect.name != "sqlite":
        # built after the fill: one pass over the filled column, not an update per row
        op.create_index(SEARCH_INDEX, "products", [SEARCH_COLUMN], postgresql_using="gin")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP TABLE {FTS_TABLE}")
    else:
        op.drop_index(SEARCH_INDEX, table_name="products")
        op.drop_column("products", SEARCH_COLUMN)
