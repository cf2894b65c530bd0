"""Crawl nodes: the Scrapyd nodes the daemon dispatches to, as it last saw them (``url``
without credentials, ``state`` active/draining/lost/mismatch, the code and schema each runs,
its slots) and whether an operator drained it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crawl_nodes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("git_sha", sa.String(length=100), nullable=True),
        sa.Column("schema_revision", sa.String(length=32), nullable=True),
        sa.Column("slots", sa.Integer(), server_default="0", nullable=False),
        sa.Column("source_address", sa.String(length=100), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("drained", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_nodes")),
        sa.UniqueConstraint("url", name=op.f("uq_crawl_nodes_url")),
    )


def downgrade() -> None:
    op.drop_table("crawl_nodes")
