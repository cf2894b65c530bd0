"""Multi-buy offers as fields: ``prices.multibuy_qty`` and ``prices.multibuy_price``.

Rows stored before get them from ``promo_text`` where it states "N for $X"
(:func:`grocer.normalize.multibuy.offer_from_text`); ``price_hash`` is unchanged, as
``promo_text`` already covers the offer.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from grocer.normalize.multibuy import offer_from_text

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN on both databases: no copy of the (large) prices table.
    op.add_column("prices", sa.Column("multibuy_qty", sa.Integer(), nullable=True))
    op.add_column(
        "prices", sa.Column("multibuy_price", sa.Numeric(precision=10, scale=2), nullable=True)
    )
    _backfill(op.get_bind())


def _backfill(connection: sa.Connection) -> None:
    prices = sa.table(
        "prices",
        sa.column("id", sa.Integer()),
        sa.column("promo_text", sa.String()),
        sa.column("multibuy_qty", sa.Integer()),
        sa.column("multibuy_price", sa.Numeric(10, 2)),
    )
    update = (
        sa.update(prices)
        .where(prices.c.id == sa.bindparam("row_id"))
        .values(multibuy_qty=sa.bindparam("qty"), multibuy_price=sa.bindparam("amount"))
    )
    after = 0
    while True:
        rows = connection.execute(
            sa.select(prices.c.id, prices.c.promo_text)
            .where(prices.c.promo_text.is_not(None), prices.c.id > after)
            .order_by(prices.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        after = rows[-1].id
        found = [(row.id, offer_from_text(row.promo_text)) for row in rows]
        params = [
            {"row_id": row_id, "qty": offer.quantity, "amount": offer.price}
            for row_id, offer in found
            if offer is not None
        ]
        if params:
            connection.execute(update, params)


def downgrade() -> None:
    with op.batch_alter_table("prices") as batch:
        batch.drop_column("multibuy_price")
        batch.drop_column("multibuy_qty")
