"""Crawl runs say whether they crawled the whole catalogue or a sample of it.

A sampled health check of a zone member (``scrapy crawl <retailer> -a sample=N``) observes a
few hundred listings; it gives the member current prices to compare with its anchor but does
not make the store "crawled".

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=10), server_default="full", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.drop_column("kind")
