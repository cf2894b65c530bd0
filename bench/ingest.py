"""Benchmark: bulk ingest rate against a naive per-record ORM baseline, on SQLite.

The Aldi corpus snapshots are replayed as further stores and dates (each replay moves the
stores to new ids, the dates on by a week, and changes ~3% of prices) until at least
``--records`` records exist; ``grocer ingest``'s code path loads them all.  The baseline runs
the same parsing and normalisation per record, then ORM look-ups of store, product and listing,
an ORM insert of the price and a commit, on a ``--baseline-records`` sample.

    python bench/ingest.py [--records 200000] [--baseline-records 5000] [--corpus DIR]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from grocer.db.migrate import upgrade
from grocer.db.models import Listing, Price, Product, Store
from grocer.db.store_rows import COMPANY_IDS
from grocer.ingest.records import item_from_record
from grocer.ingest.runner import ingest_files
from grocer.normalize.product import normalize_item
from grocer.normalize.validate import Rejected, validate_item

ROOT = Path(__file__).resolve().parent.parent


def load_snapshots(corpus: Path) -> list[list[dict]]:
    files = sorted((corpus / "aldi").glob("aldi-*.jsonl.gz"))
    if not files:
        raise SystemExit(f"no Aldi snapshots under {corpus / 'aldi'}")
    snapshots = []
    for path in files:
        with gzip.open(path, "rt") as handle:
            snapshots.append([json.loads(line) for line in handle])
    return snapshots


def replay(snapshots: list[list[dict]], records: int, out: Path) -> list[Path]:
    """Write replays of the snapshots as new stores and dates until ``records`` exist."""
    rng = random.Random(7)
    paths: list[Path] = []
    written = 0
    round_no = 0
    while written < records:
        for index, snapshot in enumerate(snapshots):
            store = f"G{9000 + round_no * 20 + index}"
            lines = []
            for record in snapshot:
                meta = dict(record["metadata"])
                day = date.fromisoformat(meta["scraped_date"]) + timedelta(weeks=round_no)
                meta.update(store_id=store, scraped_date=day.isoformat())
                product = dict(record["product"])
                if round_no and product.get("price_current") and rng.random() < 0.03:
                    product["price_current"] = round(product["price_current"] * 1.1, 2)
                lines.append(json.dumps({"product": product, "metadata": meta}))
            path = out / f"replay-{round_no:03d}-{index:02d}.jsonl.gz"
            with gzip.open(path, "wt", compresslevel=1) as handle:
                handle.write("\n".join(lines) + "\n")
            paths.append(path)
            written += len(lines)
            if written >= records:
                break
        round_no += 1
    return paths


def naive_ingest(url: str, lines: list[bytes]) -> int:
    """Per record: parse, validate, normalise, ORM look-ups, ORM insert, commit."""
    engine = upgrade(url)
    written = 0
    with Session(engine) as session:
        for line in lines:
            try:
                item, store_row = item_from_record(orjson.loads(line))
                item, _ = validate_item(item)
            except Rejected:
                continue
            observation, _ = normalize_item(item)
            if observation.price is None:
                continue
            company_id = COMPANY_IDS[store_row.company]
            store = session.scalars(
                select(Store).where(
                    Store.company_id == company_id,
                    Store.retailer_store_id == store_row.retailer_store_id,
                )
            ).one_or_none()
            if store is None:
                store = Store(company_id=company_id, retailer_store_id=store_row.retailer_store_id)
                session.add(store)
                session.flush()
            key = observation.identity.matching_key
            product = session.scalars(
                select(Product).where(Product.matching_key == key)
            ).one_or_none()
            if product is None:
                product = Product(name=observation.identity.name, matching_key=key)
                session.add(product)
                session.flush()
            listing = session.scalars(
                select(Listing).where(Listing.company_id == company_id, Listing.sku == item.sku)
            ).one_or_none()
            if listing is None:
                listing = Listing(company_id=company_id, sku=item.sku, product_id=product.id)
                session.add(listing)
                session.flush()
            session.add(
                Price(
                    store_id=store.id,
                    listing_id=listing.id,
                    price=observation.price,
                    was_price=observation.was_price,
                    unit_price=observation.unit_price,
                    unit=observation.unit,
                    is_special=observation.is_special,
                    price_hash=observation.price_hash,
                    first_seen=observation.observed_on,
                    last_seen=observation.observed_on,
                )
            )
            session.commit()
            written += 1
    engine.dispose()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--baseline-records", type=int, default=5_000)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    args = parser.parse_args()

    snapshots = load_snapshots(args.corpus)
    with tempfile.TemporaryDirectory(prefix="grocer-bench-") as tmp:
        work = Path(tmp)
        paths = replay(snapshots, args.records, work)
        records = sum(1 for p in paths for _ in gzip.open(p, "rt"))
        print(f"replayed {records} records into {len(paths)} files")

        url = f"sqlite:///{work / 'bulk.sqlite3'}"
        engine = upgrade(url)
        start = time.perf_counter()
        report = ingest_files(engine, paths)
        bulk_seconds = time.perf_counter() - start
        engine.dispose()
        bulk_rate = report.lines / bulk_seconds
        print(
            f"grocer ingest: {report.lines} records ({report.written} written, "
            f"{report.rejected_total} rejected) in {bulk_seconds:.1f} s = {bulk_rate:,.0f} items/s"
        )

        sample = [line for p in paths[:4] for line in gzip.open(p, "rb")]
        sample = sample[: args.baseline_records]
        start = time.perf_counter()
        naive_ingest(f"sqlite:///{work / 'naive.sqlite3'}", sample)
        naive_seconds = time.perf_counter() - start
        naive_rate = len(sample) / naive_seconds
        print(
            f"naive per-record ORM + commit: {len(sample)} records in {naive_seconds:.1f} s "
            f"= {naive_rate:,.0f} items/s"
        )
    ratio = bulk_rate / naive_rate
    print(f"ratio: {ratio:.1f}x (goal: >= 20x and >= 20,000 items/s)")
    print(
        json.dumps(
            {
                "bench": "ingest",
                "records": report.lines,
                "items_per_s": round(bulk_rate),
                "baseline_items_per_s": round(naive_rate),
                "ratio": round(ratio, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
