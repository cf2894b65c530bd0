"""Many price rows fast (executemany), with many equal values in every column but ``id``."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Engine, insert, select

from grocer.db.models import Listing, Price, Product, Store
from grocer.db.store_rows import COMPANY_IDS

LAST_SEEN = date(2025, 9, 30)
HASH = "0" * 32


def make_stores(engine: Engine, count: int, company: str = "aldi") -> list[int]:
    with engine.begin() as c:
        c.execute(
            insert(Store),
            [
                {"company_id": COMPANY_IDS[company], "retailer_store_id": f"G{n:03d}"}
                for n in range(1, count + 1)
            ],
        )
        return list(
            c.execute(
                select(Store.id).where(Store.company_id == COMPANY_IDS[company]).order_by(Store.id)
            ).scalars()
        )


def make_listings(engine: Engine, count: int, company: str = "aldi") -> list[int]:
    with engine.begin() as c:
        first = c.execute(select(Product.id).order_by(Product.id.desc()).limit(1)).scalar() or 0
        c.execute(insert(Product), [{"name": "Same thing", "sizes": ""} for _ in range(count)])
        products = list(
            c.execute(select(Product.id).where(Product.id > first).order_by(Product.id)).scalars()
        )
        c.execute(
            insert(Listing),
            [
                {"company_id": COMPANY_IDS[company], "sku": f"{company}-{p}", "product_id": p}
                for p in products
            ],
        )
        return list(
            c.execute(
                select(Listing.id).where(Listing.product_id.in_(products)).order_by(Listing.id)
            ).scalars()
        )


def price_rows(
    stores: list[int], listings: list[int], count: int, *, offset: int = 0
) -> list[dict[str, object]]:
    """``count`` rows equal in everything but their (store, listing, first_seen) key."""
    rows: list[dict[str, object]] = []
    per_day = len(stores) * len(listings)
    for n in range(offset, offset + count):
        day, rest = divmod(n, per_day)
        store, listing = divmod(rest, len(listings))
        rows.append(
            {
                "store_id": stores[store],
                "listing_id": listings[listing],
                "price": Decimal("1.00"),
                "is_special": False,
                "price_hash": HASH,
                "first_seen": LAST_SEEN - timedelta(days=day),
                "last_seen": LAST_SEEN,
            }
        )
    return rows


def insert_prices(engine: Engine, rows: list[dict[str, object]], chunk: int = 20_000) -> None:
    with engine.begin() as c:
        for start in range(0, len(rows), chunk):
            c.execute(insert(Price), rows[start : start + chunk])
