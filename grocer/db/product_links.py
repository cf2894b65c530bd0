"""Same-product links (``product_links``) meeting barcodes learned later.

``grocer analyze subs`` links two products it judges one without a shared barcode.  A
barcode learned afterwards settles it: equal barcodes merge the two products (the writer's
and ``coles_barcodes``' merge, which drops the loser's links, :mod:`grocer.db.merge`);
different ones mean two products, so :func:`break_links` deletes the link, and the next run
never proposes a pair whose barcodes are both known.

Readers that compare one product across retailers (bargains, ``/v1/compare``) take linked
products as one: :func:`link_groups` names each linked product's group by its lowest id.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

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


def link_groups(connection: Connection) -> dict[int, int]:
    """Product id -> its link group's lowest product id, for every linked product (groups
    are the connected parts of ``product_links``)."""
    pairs = connection.execute(select(ProductLink.product_a, ProductLink.product_b)).all()
    return groups_of(pairs)


def groups_of(pairs: Iterable[tuple[int, int]]) -> dict[int, int]:
    """Each item of ``pairs`` -> the lowest item joined to it through any chain of pairs.

    >>> groups_of([(3, 7), (7, 9), (4, 5)])
    {3: 3, 4: 4, 5: 4, 7: 3, 9: 3}
    """
    parent: dict[int, int] = {}

    def root(item: int) -> int:
        while parent.setdefault(item, item) != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {item: root(item) for item in sorted(parent)}


def group_members(connection: Connection, product_ids: Collection[int]) -> dict[int, set[int]]:
    """Each of ``product_ids`` -> the products it stands for: itself and every product
    linked to it (directly or through others)."""
    groups = link_groups(connection)
    members: dict[int, set[int]] = {}
    for product, group in groups.items():
        members.setdefault(group, set()).add(product)
    return {p: members.get(groups.get(p, -1), set()) | {p} for p in product_ids}
