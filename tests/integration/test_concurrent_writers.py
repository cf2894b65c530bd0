"""Writers of one store at once: two ingests over interleaved days give the intervals one ingest
of both gives; retention waits for (SQLite) or skips and comes back to (PostgreSQL) a store
whose write lock is held."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from grocer.analysis.zones.maintain import maintain_zones
from grocer.db.engine import make_engine
from grocer.db.migrate import upgrade
from grocer.db.models import ComparisonCache, Listing, Price, Store
from grocer.ingest.runner import ingest_files
from tests.conftest import SAMPLES
from tests.prerequisites import ROOT

SOURCES = [
    "aldi-carindale-g102-2025-09-09.jsonl.gz", "aldi-carindale-g102-2025-09-12.jsonl.gz",
    "aldi-carindale-g102-2025-09-23.jsonl.gz", "aldi-nerang-g120-2025-09-19.jsonl.gz",
]  # fmt: skip
FIRST_DAY = date(2025, 10, 1)


def day_files(folder: Path) -> tuple[Path, Path]:
    """Eight days of store G102 (each a sample's prices), odd days in one file, even in the
    other."""
    odd, even = folder / "odd.jsonl", folder / "even.jsonl"
    with odd.open("w") as odd_out, even.open("w") as even_out:
        for n in range(8):
            day = (FIRST_DAY + timedelta(days=n)).isoformat()
            source = SAMPLES / SOURCES[n % len(SOURCES)]
            with gzip.open(source, "rt") as lines:
                for line in lines:
                    record = json.loads(line)
                    record["metadata"].update(store_id="G102", scraped_date=day)
                    (odd_out if n % 2 == 0 else even_out).write(json.dumps(record) + "\n")
    return odd, even


def intervals(engine: Engine) -> list[tuple[str, date, date, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(Listing.sku, Price.first_seen, Price.last_seen, Price.price_hash)
            .join(Listing, Listing.id == Price.listing_id)
            .order_by(Listing.sku, Price.first_seen)
        )
        return [tuple(row) for row in rows]


def test_two_ingests_of_one_store_at_once_equal_one_ingest_of_both(
    db_url: str, tmp_path: Path
) -> None:
    odd, even = day_files(tmp_path)
    env = {**os.environ, "GROCER_DATABASE_URL": db_url}
    command = [sys.executable, "-m", "grocer.cli", "ingest", "--batch-size", "40", "--json"]
    running = [
        subprocess.Popen([*command, str(path)], cwd=ROOT, env=env, stdout=subprocess.PIPE)
        for path in (odd, even)
    ]
    outputs = [process.communicate(timeout=300)[0] for process in running]
    assert [process.returncode for process in running] == [0, 0]
    assert [json.loads(out)["rejected"] for out in outputs] == [0, 0]

    reference = upgrade(f"sqlite:///{tmp_path / 'reference.sqlite3'}")
    ingest_files(reference, [odd, even])
    engine = make_engine(db_url)
    together, alone = intervals(engine), intervals(reference)
    engine.dispose()
    reference.dispose()
    assert len(together) > 150 and together == alone
    for (sku, _, last, _), (next_sku, first, _, _) in zip(together, together[1:], strict=False):
        assert sku != next_sku or first > last  # no two intervals of a listing overlap


def one_zone(engine: Engine, tmp_path: Path) -> tuple[int, int]:
    """Two Aldi stores with the same 300 listings' prices on two days: one zone; returns
    their ids (each sample product twice, under two skus, for the 200 listings in common a
    comparison needs)."""
    paths = []
    for store in ("G102", "G107"):
        for day in ("2025-09-10", "2025-09-11"):  # one price week (from Wednesday)
            path = tmp_path / f"{store}-{day}.jsonl"
            with gzip.open(SAMPLES / SOURCES[0], "rt") as lines, path.open("w") as out:
                for line in lines:
                    for copy in ("", "-b"):
                        record = json.loads(line)
                        record["product"]["sku"] += copy
                        record["metadata"].update(store_id=store, scraped_date=day)
                        out.write(json.dumps(record) + "\n")
            paths.append(path)
    ingest_files(engine, paths)
    with engine.connect() as connection:
        ids = dict(connection.execute(select(Store.retailer_store_id, Store.id)).all())
    return ids["G102"], ids["G107"]


def prices_of(engine: Engine, store: int) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(select(func.count()).where(Price.store_id == store)).scalar_one()
        )


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # SQLite waits instead
def test_retention_skips_a_busy_store_and_deletes_its_rows_on_a_later_pass(
    db_url: str, tmp_path: Path
) -> None:
    engine = make_engine(db_url)
    first, second = one_zone(engine, tmp_path)
    before = {store: prices_of(engine, store) for store in (first, second)}
    holder = make_engine(db_url)
    with holder.connect() as held:
        with held.begin():  # another writer holds both stores' write locks
            for store in (first, second):
                held.execute(text("SELECT pg_advisory_xact_lock(2, :s)"), {"s": store})
            summary = maintain_zones(engine, as_of=date(2025, 9, 11), companies=["aldi"])
            assert summary.companies["aldi"].merges == 1
            assert summary.companies["aldi"].rows_deleted == 0
            assert {s: prices_of(engine, s) for s in before} == before  # nothing deleted
    holder.dispose()
    with engine.connect() as connection:
        waiting = connection.execute(
            select(func.count()).where(ComparisonCache.kind == "zone_retain")
        ).scalar_one()
    assert waiting == 1
    later = maintain_zones(engine, as_of=date(2025, 9, 11), companies=["aldi"])
    assert later.companies["aldi"].rows_deleted == min(before.values())
    assert sorted(prices_of(engine, s) for s in before) == [0, max(before.values())]
    engine.dispose()
