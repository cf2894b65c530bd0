"""Benchmark: price export by keyset pages against OFFSET pagination at the same size.

Fills a fresh database with ``--rows`` price rows (executemany; every column equal but the
``(store, listing, first_seen)`` key, the hard case for any ordering but the primary key), then

- exports them all through :func:`grocer.analysis.export.export_prices` (one read snapshot,
  ``WHERE id > :after ORDER BY id LIMIT :n``), checking every row is visited exactly once,
  in a subprocess that reports its peak RSS, once for all rows and once for a tenth of them
  (filtered on a store), so memory growth with rows shows;
- pages the same rows with ``ORDER BY id LIMIT :n OFFSET :k`` (the naive baseline).

    python bench/export.py [--rows 1000000] [--page-size 5000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, insert, select, text
from sqlalchemy.engine import make_url

from grocer.analysis.export import (
    ExportWriter,
    PriceFilter,
    page_statement,
    price_pages,
    read_snapshot,
    stored_row,
)
from grocer.db.engine import is_sqlite, make_engine
from grocer.db.migrate import upgrade
from grocer.db.models import Listing, Price, Product, Store
from grocer.db.store_rows import COMPANY_IDS

ROOT = Path(__file__).resolve().parent.parent
STORES, LISTINGS = 20, 1000
LAST_SEEN = date(2025, 9, 30)

CHILD = """
import resource, sys
from grocer.analysis.export import ExportWriter, PriceFilter, export_prices
from grocer.db.engine import make_engine
import time
engine = make_engine(sys.argv[1])
page_size = int(sys.argv[2])
where = PriceFilter(store_ids=(int(sys.argv[3]),)) if len(sys.argv) > 3 else PriceFilter()
started = time.perf_counter()
rows, last, ordered = 0, 0, True
with open("/dev/null", "w") as out:
    writer = ExportWriter(out, "jsonl")
    for row in export_prices(engine, where, page_size=page_size):
        ordered &= row.price_id > last
        last = row.price_id
        writer.write(row)
        rows += 1
seconds = time.perf_counter() - started
with open("/proc/self/status") as status:  # VmHWM: the peak RSS since exec
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(rows, seconds, peak, int(ordered))
"""


def fill(engine: Engine, rows: int) -> None:
    """``rows`` price rows over STORES stores x LISTINGS listings, one day per layer."""
    company = COMPANY_IDS["aldi"]
    with engine.begin() as c:
        c.execute(
            insert(Store),
            [{"company_id": company, "retailer_store_id": f"G{n:03d}"} for n in range(STORES)],
        )
        c.execute(insert(Product), [{"name": "Same thing", "sizes": ""}] * LISTINGS)
        products = c.execute(select(Product.id).order_by(Product.id)).scalars().all()
        c.execute(
            insert(Listing),
            [{"company_id": company, "sku": str(p), "product_id": p} for p in products],
        )
        stores = c.execute(select(Store.id).order_by(Store.id)).scalars().all()
        listings = c.execute(select(Listing.id).order_by(Listing.id)).scalars().all()
    per_day = len(stores) * len(listings)
    batch: list[dict[str, object]] = []
    with engine.begin() as c:
        for n in range(rows):
            day, rest = divmod(n, per_day)
            store, listing = divmod(rest, len(listings))
            batch.append(
                {
                    "store_id": stores[store], "listing_id": listings[listing],
                    "price": Decimal("1.00"), "is_special": False, "price_hash": "0" * 32,
                    "first_seen": LAST_SEEN - timedelta(days=day), "last_seen": LAST_SEEN,
                }
            )  # fmt: skip
            if len(batch) == 50_000:
                c.execute(insert(Price), batch)
                batch = []
        if batch:
            c.execute(insert(Price), batch)


def child_export(url: str, page_size: int, store: int | None = None) -> tuple[int, float, int]:
    args = [sys.executable, "-c", CHILD, url, str(page_size)] + ([str(store)] if store else [])
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=True)
    rows, seconds, peak, ordered = done.stdout.split()
    if ordered != "1":
        raise SystemExit("export rows out of order")
    return int(rows), float(seconds), int(peak)


def timed(engine: Engine, rows: int, page_size: int, *, offset: bool) -> float:
    """Seconds to read every row into export rows and write them as JSON lines to /dev/null:
    by keyset pages, or (the baseline) by the same query paged with LIMIT/OFFSET."""
    seen, last = 0, 0
    started = time.perf_counter()
    with read_snapshot(engine) as connection, open("/dev/null", "w") as out:
        writer = ExportWriter(out, "jsonl")
        if offset:
            statement = page_statement(PriceFilter()).limit(page_size)  # after=0: every row
            pages = (
                [stored_row(r) for r in connection.execute(statement.offset(k), {"after": 0})]
                for k in range(0, rows + page_size, page_size)
            )
        else:
            pages = price_pages(connection, page_size=page_size)
        for page in pages:
            for row in page:
                if row.price_id <= last:
                    raise SystemExit("rows out of order")
                last = row.price_id
                writer.write(row)
            seen += len(page)
    if seen != rows:
        raise SystemExit(f"{'OFFSET' if offset else 'keyset'} paging saw {seen} rows of {rows}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--page-size", type=int, default=5000)
    parser.add_argument("--database-url", help="PostgreSQL server URL (a scratch database is made)")
    args = parser.parse_args()

    scratch: tuple[Engine, str] | None = None
    folder: Path | None = None
    if args.database_url:
        admin = make_engine(args.database_url, isolation_level="AUTOCOMMIT")
        name = f"grocer_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        scratch = (admin, name)
        url = make_url(args.database_url).set(database=name).render_as_string(hide_password=False)
    else:
        folder = Path(tempfile.mkdtemp(prefix="grocer-bench-"))
        url = f"sqlite:///{folder / 'export.sqlite3'}"
    try:
        engine = upgrade(url)
        started = time.perf_counter()
        fill(engine, args.rows)
        print(f"filled {args.rows} rows in {time.perf_counter() - started:.1f} s ({url})")
        with engine.connect() as c:
            one_store = c.execute(select(Store.id).order_by(Store.id).limit(1)).scalar_one()
        engine.dispose()

        rows, _, peak = child_export(url, args.page_size)
        if rows != args.rows:
            raise SystemExit(f"keyset export saw {rows} rows of {args.rows}")
        small, _, small_peak = child_export(url, args.page_size, one_store)
        print(f"peak RSS of an export: {peak / 1024:.0f} MB for {rows} rows, "
              f"{small_peak / 1024:.0f} MB for {small} rows")  # fmt: skip

        engine = make_engine(url)
        keyset_rate = rows / timed(engine, rows, args.page_size, offset=False)
        print(f"keyset: {keyset_rate:,.0f} rows/s")
        offset_rate = rows / timed(engine, rows, args.page_size, offset=True)
        print(f"OFFSET: {offset_rate:,.0f} rows/s")
        engine.dispose()
        ratio = keyset_rate / offset_rate
        print(f"keyset / OFFSET: {ratio:.1f}x")
        print(
            json.dumps(
                {
                    "bench": "export",
                    "database": "sqlite" if is_sqlite(url) else "postgresql",
                    "rows": rows,
                    "page_size": args.page_size,
                    "rows_per_s": round(keyset_rate),
                    "baseline_rows_per_s": round(offset_rate),
                    "ratio": round(ratio, 1),
                    "peak_rss_kb": peak,
                    "peak_rss_kb_small": small_peak,
                    "small_rows": small,
                }
            )
        )
    finally:
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
        if scratch:
            admin, name = scratch
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
