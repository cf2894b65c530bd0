"""Synthetic store snapshots in the corpus JSONL shape, written through the normal ingest."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Connection, Engine, select

from grocer.db.models import Listing, Store
from grocer.ingest.runner import ingest_files


def snapshot(
    directory: Path,
    store: str,
    day: date,
    prices: Mapping[int, Decimal | float | str],
    *,
    company: str = "aldi",
    state: str = "nsw",
) -> Path:
    """Write one store's snapshot of ``prices`` (listing number -> price) on ``day``."""
    path = directory / f"{company}-{store}-{day.isoformat()}.jsonl.gz"
    with gzip.open(path, "wt") as handle:
        for number, price in sorted(prices.items()):
            product = {
                "sku": f"{number:06d}",
                "name": f"Test Product {number} 500g",
                "brand": "TESTBRAND",
                "size": "500 g",
                "category_path": ["Pantry", "Tests"],
                "price_current": float(Decimal(str(price))),
                "price_was": None,
                "is_on_special": False,
            }
            metadata = {
                "company": company,
                "store_id": store,
                "store_name": f"{company} store {store}",
                "state": state,
                "scraped_date": day.isoformat(),
            }
            handle.write(json.dumps({"product": product, "metadata": metadata}) + "\n")
    return path


def ingest_snapshots(
    engine: Engine,
    directory: Path,
    snapshots: Iterable[tuple[str, date, Mapping[int, Decimal | float | str]]],
    *,
    company: str = "aldi",
    state: str = "nsw",
) -> None:
    """Write and ingest ``(store, day, prices)`` snapshots."""
    paths = [
        snapshot(directory, store, day, prices, company=company, state=state)
        for store, day, prices in snapshots
    ]
    report = ingest_files(engine, paths)
    assert report.errors == [] and report.rejected_total == 0


def store_pk(connection: Connection, retailer_store_id: str) -> int:
    return int(
        connection.execute(
            select(Store.id).where(Store.retailer_store_id == retailer_store_id)
        ).scalar_one()
    )


def listing_pk(connection: Connection, number: int) -> int:
    return int(
        connection.execute(select(Listing.id).where(Listing.sku == f"{number:06d}")).scalar_one()
    )


def catalogue(n: int, *, base: str = "1.00", step: str = "0.10") -> dict[int, Decimal]:
    """``n`` listings numbered from 1 with distinct prices."""
    return {i: Decimal(base) + Decimal(step) * i for i in range(1, n + 1)}
