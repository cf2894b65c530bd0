"""Merging two products found to be one (a barcode shared across retailers)."""

from __future__ import annotations

import logging

from sqlalchemy import Connection, delete, or_, select, update

from grocer.db.models import Bargain, Embedding, Listing, Product, ProductLink, Substitution
from grocer.db.search import drop_from_index

logger = logging.getLogger(__name__)


def merge_products(connection: Connection, survivor: int, loser: int, *, reason: str) -> None:
    """Fold product ``loser`` into ``survivor``: its listings move, derived rows are dropped.

    Substitutions, same-product links, embeddings and bargains of the loser are recomputed by
    the next analysis run; the loser's matching key and barcode check time pass to the
    survivor when it has none.  The loser leaves the search index (:mod:`grocer.db.search`)
    in the same transaction.
    """
    if survivor == loser:
        return
    lost = connection.execute(
        select(Product.matching_key, Product.barcode_checked_at).where(Product.id == loser)
    ).one_or_none()
    connection.execute(
        update(Listing).where(Listing.product_id == loser).values(product_id=survivor)
    )
    for table in (Substitution, ProductLink):
        connection.execute(
            delete(table).where(or_(table.product_a == loser, table.product_b == loser))
        )
    connection.execute(delete(Embedding).where(Embedding.product_id == loser))
    connection.execute(delete(Bargain).where(Bargain.product_id == loser))
    connection.execute(delete(Product).where(Product.id == loser))
    drop_from_index(connection, [loser])  # the survivor keeps its name and brand: indexed
    if lost is not None:
        kept = connection.execute(
            select(Product.matching_key, Product.barcode_checked_at).where(Product.id == survivor)
        ).one()
        values: dict[str, object] = {}
        if kept.matching_key is None and lost.matching_key is not None:
            values["matching_key"] = lost.matching_key
        if kept.barcode_checked_at is None and lost.barcode_checked_at is not None:
            values["barcode_checked_at"] = lost.barcode_checked_at
        if values:
            connection.execute(update(Product).where(Product.id == survivor).values(**values))
    logger.info("merged product %s into %s (%s)", loser, survivor, reason)
