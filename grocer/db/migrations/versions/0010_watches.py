"""Shoppers' price watches (grocer/shopper/watches.py): ``watches``.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("below", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("radius_km", sa.Float(), nullable=True),
        sa.Column("specials_only", sa.Boolean(), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("alert_open", sa.Boolean(), nullable=False),
        sa.Column("last_alerted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("below IS NULL OR below > 0", name=op.f("ck_watches_below_positive")),
        sa.CheckConstraint(
            "radius_km IS NULL OR radius_km > 0", name=op.f("ck_watches_radius_positive")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_watches_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watches")),
    )
    op.create_index("ix_watches_product_id", "watches", ["product_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_watches_product_id", table_name="watches")
    op.drop_table("watches")
