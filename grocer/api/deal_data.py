"""What ``/v1/specials`` and ``/v1/bargains`` read: judged specials as of a snapshot, and the
bargains the last ``grocer analyze bargains`` stored, in keyset pages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import Connection, and_, func, or_, select
from sqlalchemy.orm import aliased

from grocer.analysis.specials import find_specials
from grocer.api.cursors import Snapshot, position_of, read_position
from grocer.api.product_data import retailer_store_ids
from grocer.api.responses import number
from grocer.db.models import Bargain, Company, Listing, Price, Product, Store

Verdict = Literal["genuine", "illusory", "unknown"]
BargainKind = Literal["bargain", "review"]


def _listing_rows(connection: Connection, listing_ids: Sequence[int]) -> dict[int, Any]:
    stmt = (
        select(Listing.id, Listing.sku, Listing.product_id, Product.name, Company.slug)
        .join(Product, Product.id == Listing.product_id)
        .join(Company, Company.id == Listing.company_id)
        .where(Listing.id.in_(sorted(set(listing_ids))))
    )
    return {row.id: row for row in connection.execute(stmt)}


def specials_page(
    connection: Connection,
    snapshot: Snapshot,
    *,
    verdict: Verdict | None = None,
    company_id: int | None = None,
    after: list[Any] | None = None,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], list[Any] | None]:
    """Specials current as of the snapshot, judged (``find_specials``), the largest claimed
    discount first (then store, listing); the page after ``after`` and the position of its
    last item when more follow.

    Raises:
        CursorError: ``after`` is no position of this list.
    """
    if snapshot.as_of is None:
        return [], None
    checks = find_specials(
        connection,
        as_of=snapshot.as_of,
        company_ids=None if company_id is None else [company_id],
        max_price_id=snapshot.prices,
    )
    keyed = sorted(
        ((-check.claimed_discount, check.store_id, check.listing_id), check)
        for check in checks
        if (verdict is None or check.verdict == verdict) and check.listing_id <= snapshot.listings
    )
    if after is not None:
        start = read_position(after, (Decimal, int, int))
        keyed = [(key, check) for key, check in keyed if key > start]
    page = keyed[:limit]
    listings = _listing_rows(connection, [check.listing_id for _k, check in page])
    stores = retailer_store_ids(connection, [check.store_id for _k, check in page])
    items = []
    for _key, check in page:
        listing = listings[check.listing_id]
        items.append(
            {
                "product_id": listing.product_id,
                "name": listing.name,
                "company": listing.slug,
                "sku": listing.sku,
                "store_id": check.store_id,
                "retailer_store_id": stores[check.store_id],
                "price": number(check.price),
                "was_price": number(check.was_price),
                "since": check.first_seen,
                "verdict": check.verdict,
                "claimed_discount": number(check.claimed_discount),
                "real_discount": number(check.real_discount),
                "most_common_price": number(check.most_common),
                "lowest_price": number(check.lowest),
                "history_days": check.history_days,
            }
        )
    last = None
    if len(keyed) > limit:
        key = page[-1][0]
        last = position_of(key)
    return items, last


def bargains_computed_at(connection: Connection) -> datetime | None:
    """When the stored bargains were computed (one run replaces them all); None if none."""
    return connection.execute(select(func.max(Bargain.computed_at))).scalar()


def _side(row: Any, prefix: str) -> dict[str, Any]:
    return {
        "store_id": getattr(row, f"{prefix}_store"),
        "retailer_store_id": getattr(row, f"{prefix}_retailer"),
        "company": getattr(row, f"{prefix}_company"),
        "price": number(getattr(row, f"{prefix}_price")),
        "first_seen": getattr(row, f"{prefix}_first_seen"),
        "last_seen": getattr(row, f"{prefix}_last_seen"),
    }


def bargains_page(
    connection: Connection,
    *,
    kind: BargainKind = "bargain",
    after: list[Any] | None = None,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], list[Any] | None]:
    """The stored bargains of ``kind``, the largest discount first (then product), after
    ``after``; and the position of the page's last item when more follow.

    Raises:
        CursorError: ``after`` is no position of this list.
    """
    columns: list[Any] = [
        Bargain.id, Bargain.product_id, Product.name, Bargain.discount, Bargain.kind,
        Bargain.computed_at,
    ]  # fmt: skip
    stmt = select(*columns).join(Product, Product.id == Bargain.product_id)
    for prefix, store_column, price_column in (
        ("cheap", Bargain.cheap_store_id, Bargain.cheap_price_id),
        ("dear", Bargain.dear_store_id, Bargain.dear_price_id),
    ):
        store, price, company = aliased(Store), aliased(Price), aliased(Company)
        stmt = (
            stmt.join(store, store.id == store_column)
            .join(company, company.id == store.company_id)
            .join(price, price.id == price_column)
            .add_columns(
                store.id.label(f"{prefix}_store"),
                store.retailer_store_id.label(f"{prefix}_retailer"),
                company.slug.label(f"{prefix}_company"),
                price.price.label(f"{prefix}_price"),
                price.first_seen.label(f"{prefix}_first_seen"),
                price.last_seen.label(f"{prefix}_last_seen"),
            )
        )
    stmt = stmt.where(Bargain.kind == kind)
    if after is not None:
        discount, product_id = read_position(after, (Decimal, int))
        stmt = stmt.where(
            or_(
                Bargain.discount < discount,
                and_(Bargain.discount == discount, Bargain.product_id > product_id),
            )
        )
    rows = connection.execute(
        stmt.order_by(Bargain.discount.desc(), Bargain.product_id).limit(limit + 1)
    ).all()
    items = [
        {
            "product_id": row.product_id,
            "name": row.name,
            "kind": row.kind,
            "discount": number(row.discount),
            "cheap": _side(row, "cheap"),
            "dear": _side(row, "dear"),
            "computed_at": row.computed_at,
        }
        for row in rows[:limit]
    ]
    last = None
    if len(rows) > limit:
        row = rows[limit - 1]
        last = position_of((row.discount, row.product_id))
    return items, last
