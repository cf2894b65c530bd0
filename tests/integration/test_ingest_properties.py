"""Ingest gives every record one verdict, whatever JSON values its fields hold (Hypothesis)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from grocer.db.models import CrawlRun, Listing, Price, Store
from grocer.ingest.runner import ingest_files

GOOD_PRODUCT: dict[str, Any] = {
    "sku": "1", "name": "Full Cream Milk", "brand": "Farmdale", "description": None,
    "size": "2l", "barcode": None, "url": "https://www.aldi.com.au/product/milk",
    "category_path": ["Dairy", "Milk"], "price_current": 3.1, "price_was": None,
    "per_unit_price_value": 1.55, "per_unit_price_measure": None,
    "per_unit_price_string": "$1.55 per 1 l", "is_available": True,
}  # fmt: skip
GOOD_METADATA: dict[str, Any] = {
    "company": "aldi", "store_id": "G102", "store_name": "aldi carindale", "state": "qld",
    "scraped_date": "2025-09-09",
}  # fmt: skip
TEXT = st.text(alphabet=st.characters(codec=None), max_size=40) | st.sampled_from(
    ["", "\x00", "a\x1fb", "\ud800", "x" * 600, "NaN", "1e30", "-3", "$2.50"]
)
NUMBERS = (
    st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([0, -1, 1e30, 2**63, 10**20])
)
JSON = st.recursive(
    st.none() | st.booleans() | NUMBERS | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6,
)
FIELDS = [("product", name) for name in GOOD_PRODUCT] + [
    ("metadata", name) for name in GOOD_METADATA
]


@st.composite
def records(draw: st.DrawFn) -> tuple[dict[str, Any], bool]:
    """A snapshot record, some of whose fields hold any JSON value instead of their good
    one, and whether none does."""
    spoiled = draw(st.sets(st.sampled_from(FIELDS), max_size=3))
    record = {"product": dict(GOOD_PRODUCT), "metadata": dict(GOOD_METADATA)}
    for part, name in spoiled:
        record[part][name] = draw(JSON)
    event("good record" if not spoiled else "spoiled record")
    return record, not spoiled


NUMBERING = itertools.count(1)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(records(), min_size=1, max_size=6), garbage=st.booleans())
def test_every_record_gets_one_verdict_and_good_records_land(
    engine: Engine, tmp_path: Path, batch: list[tuple[dict[str, Any], bool]], garbage: bool
) -> None:
    example = next(NUMBERING)
    lines, good_skus = [], []
    for index, (record, good) in enumerate(batch):
        if good:
            record["product"]["sku"] = f"{example}-{index}"  # unique across examples
            good_skus.append(record["product"]["sku"])
        lines.append(json.dumps(record))
    if garbage:
        lines.append('{"product": {"sku": "x"')  # a line cut short: one record
    path = tmp_path / f"hypothesis-{example}.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    report = ingest_files(engine, [path])  # never raises

    assert report.records == len(lines)
    assert report.records == report.written + report.rejected_total
    with engine.connect() as connection:
        landed = set(
            connection.execute(
                select(Listing.sku)
                .join(Price, Price.listing_id == Listing.id)
                .join(Store, Store.id == Price.store_id)
                .where(Store.retailer_store_id == "G102", Listing.sku.in_(good_skus))
            ).scalars()
        )
        counted = connection.execute(
            select(func.sum(CrawlRun.items + CrawlRun.rejected)).where(
                CrawlRun.source == str(path.resolve())
            )
        ).scalar_one()
        open_runs = connection.execute(
            select(func.count()).where(
                CrawlRun.source == str(path.resolve()), CrawlRun.status != "complete"
            )
        ).scalar_one()
    assert landed == set(good_skus)
    assert counted == report.records  # over the file's runs: items + rejected = its records
    assert open_runs == 0
