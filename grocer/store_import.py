"""Stores into the database: classification (banner, crawlable) and the store-master import."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

from sqlalchemy import Engine

from grocer.db.store_rows import StoreRow, upsert_stores
from grocer.items import StoreItem
from grocer.retailers.store_records import classify_store, parse_store_master


def store_row(item: StoreItem) -> StoreRow:
    """The database row of a store item, with its banner and crawlable flag decided."""
    banner, crawlable, reason = classify_store(item)
    return StoreRow(
        company=item.company,
        retailer_store_id=item.store_id,
        name=item.name,
        banner=banner,
        address=item.address,
        suburb=item.suburb,
        state=item.state,
        postcode=item.postcode,
        latitude=item.latitude,
        longitude=item.longitude,
        aux_id=item.aux_id,
        crawlable=crawlable,
        not_crawlable_reason=reason,
    )


def import_store_master(engine: Engine, path: Path) -> dict[str, tuple[int, int]]:
    """Upsert every store of a ``companies.store.json(.gz)`` master.

    Returns:
        company -> (stores, crawlable stores) imported.
    """
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        records = json.load(handle)
    rows = [store_row(item) for item in parse_store_master(records)]
    with engine.begin() as connection:
        upsert_stores(connection, rows)
    totals: Counter[str] = Counter(r.company for r in rows)
    crawlable: Counter[str] = Counter(r.company for r in rows if r.crawlable)
    return {company: (totals[company], crawlable[company]) for company in totals}
