"""Shelf labels: ``listings.label``, a retailer's second name of a product (Coles' description).

Identity compares it with other retailers' names where the web name says less ("Hazelnut
Chocolate Spread" under the maker FERRERO is labelled "NUTELLA SPREAD CHOC HAZELNUT 400G").
Rows stored before have none until their listing is seen again.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("listings", sa.Column("label", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("listings") as batch:
        batch.drop_column("label")
