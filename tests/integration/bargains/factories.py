"""Tiny price histories for bargain, specials, export and report tests: feed records ingested
through the real ingest path, so products are matched by barcode or matching key as in use."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, insert, select

from grocer.db.models import GroupMembership, Listing, Product, Store, StoreGroup
from grocer.db.store_rows import COMPANY_IDS
from grocer.ingest.runner import ingest_files

DAY0 = date(2025, 9, 1)
# Valid GTIN-13s (check digits), one per test product.
BARCODES = ["9400581052008", "9323966101002", "9300658411892", "9310645418186", "9300601040322"]


def record(
    company: str, store: str, sku: str, price: str, day: date, *, was: str | None = None,
    name: str | None = None, brand: str = "Acme", size: str = "500g",
    barcode: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """One observation as a flat feed record."""
    return {
        "company": company,
        "store_id": store,
        "sku": sku,
        "name": name or f"Product {sku}",
        "brand": brand,
        "size": size,
        "price": price,
        "was_price": was,
        "barcode": barcode,
        "observed_on": day.isoformat(),
    }


def daily(
    company: str, store: str, sku: str, prices: Iterable[tuple[str, int]], *, start: date = DAY0,
    was: str | None = None, **kw: Any,
) -> list[dict[str, Any]]:  # fmt: skip
    """Observations on consecutive days: ``prices`` is ``[(price, days), ...]``; a price
    written ``"2.00/2.50"`` is a special at 2.00 was 2.50."""
    out, day = [], start
    for price, days in prices:
        now, _, claimed = price.partition("/")
        for _ in range(days):
            out.append(record(company, store, sku, now, day, was=claimed or was, **kw))
            day += timedelta(days=1)
    return out


def ingest(
    engine: Engine, folder: Path, records: Iterable[dict[str, Any]], name: str = "feed"
) -> None:
    """Ingest ``records`` (any order) through :func:`ingest_files`."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{len(list(folder.iterdir()))}.jsonl"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    report = ingest_files(engine, [path])
    assert report.rejected_total == 0, report.rejected


def store_pk(engine: Engine, company: str, store: str) -> int:
    with engine.connect() as c:
        return c.execute(
            select(Store.id).where(
                Store.company_id == COMPANY_IDS[company], Store.retailer_store_id == store
            )
        ).scalar_one()


def listing_pk(engine: Engine, company: str, sku: str) -> int:
    with engine.connect() as c:
        return c.execute(
            select(Listing.id).where(Listing.company_id == COMPANY_IDS[company], Listing.sku == sku)
        ).scalar_one()


def product_pk(engine: Engine, company: str, sku: str) -> int:
    with engine.connect() as c:
        return c.execute(
            select(Product.id)
            .join(Listing, Listing.product_id == Product.id)
            .where(Listing.company_id == COMPANY_IDS[company], Listing.sku == sku)
        ).scalar_one()


def zone(engine: Engine, company: str, anchor: int, *members: int) -> None:
    """Put ``members`` in ``anchor``'s price zone from DAY0 on (what zone maintenance records)."""
    with engine.begin() as c:
        group = c.execute(
            insert(StoreGroup)
            .values(company_id=COMPANY_IDS[company], anchor_store_id=anchor)
            .returning(StoreGroup.id)
        ).scalar_one()
        for store in (anchor, *members):
            c.execute(
                insert(GroupMembership).values(
                    store_id=store, group_id=group, anchor_store_id=anchor, valid_from=DAY0
                )
            )
