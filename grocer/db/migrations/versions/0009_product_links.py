"""Same-product links (grocer/analysis/identity): ``product_links``, one row per pair of
products judged one without a shared barcode, replaced with ``substitutions`` by each
``grocer analyze subs``.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "product_links",
        sa.Column("product_a", sa.Integer(), nullable=False),
        sa.Column("product_b", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.CheckConstraint("product_a < product_b", name=op.f("ck_product_links_ordered")),
        sa.ForeignKeyConstraint(
            ["product_a"], ["products.id"], name=op.f("fk_product_links_product_a_products")
        ),
        sa.ForeignKeyConstraint(
            ["product_b"], ["products.id"], name=op.f("fk_product_links_product_b_products")
        ),
        sa.PrimaryKeyConstraint("product_a", "product_b", name=op.f("pk_product_links")),
    )
    op.create_index("ix_product_links_product_b", "product_links", ["product_b"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_product_links_product_b", table_name="product_links")
    op.drop_table("product_links")
