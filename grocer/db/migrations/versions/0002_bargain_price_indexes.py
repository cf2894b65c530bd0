"""Index the bargains' price references: deleting a price row checks them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_bargains_cheap_price_id", "bargains", ["cheap_price_id"])
    op.create_index("ix_bargains_dear_price_id", "bargains", ["dear_price_id"])


def downgrade() -> None:
    op.drop_index("ix_bargains_dear_price_id", table_name="bargains")
    op.drop_index("ix_bargains_cheap_price_id", table_name="bargains")
