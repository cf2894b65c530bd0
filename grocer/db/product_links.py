"""Same-product links (``product_links``) meeting barcodes learned later.

``grocer analyze subs`` links two products it judges one without a shared barcode.  A
barcode learned afterwards settles it: equal barcodes merge the two products (the writer's
and ``coles_barcodes``' merge, which drops the loser's links, :mod:`grocer.db.merge`);
different ones mean two products, so :func:`break_links` deletes the link, and the next run
never proposes a pair whose barcodes are both known.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Connection, and_, bindparam, delete, exists, or_, select
from sqlalchemy.orm import aliased

from grocer.db.models import Product, ProductLink

_A, _B = aliased(Product), aliased(Product)
_BREAK = delete(ProductLink).where(
    or_(
        ProductLink.product_a.in_(bindparam("ids", expanding=True)),
        ProductLink.product_b.in_(bindparam("ids", expanding=True)),
    ),
    exists(
        select(_A.id)
        .join(_B, _B.id == ProductLink.product_b)
        .where(
            _A.id == ProductLink.product_a,
            and_(_A.barcode.is_not(None), _B.barcode.is_not(None), _A.barcode != _B.barcode),
        )
    ),
)


def break_links(connection: Connection, product_ids: Collection[int]) -> int:
    """Delete the links of ``product_ids`` (products just given a barcode) whose two products
    now have different barcodes; returns how many."""
    if not product_ids:
        return 0
    return connection.execute(_BREAK, {"ids": sorted(product_ids)}).rowcount or 0
