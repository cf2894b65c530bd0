"""The export runs in constant memory: the peak memory of an export subprocess does not grow
with the number of rows (SQLite; bench/export.py measures 1,000,000 rows on both databases).

Peak RSS is the child's ``VmHWM`` (reset by exec; ``ru_maxrss`` is not, so a child of a large
pytest process would report the parent's size); tracemalloc's peak counts Python allocations
made by the export alone.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from grocer.db.engine import make_engine
from grocer.db.migrate import upgrade
from tests.integration.bargains.bulk import insert_prices, make_listings, make_stores, price_rows

ROOT = Path(__file__).resolve().parents[3]
EXPORT = """
import resource, sys, tracemalloc
from grocer.analysis.export import ExportWriter, export_prices
from grocer.db.engine import make_engine
def peak_rss_kb():
    try:
        with open("/proc/self/status") as status:
            return next(int(l.split()[1]) for l in status if l.startswith("VmHWM:"))
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
engine = make_engine(sys.argv[1])
tracemalloc.start()
with open("/dev/null", "w") as out:
    writer = ExportWriter(out, "jsonl")
    rows = 0
    for row in export_prices(engine, page_size=2000):
        writer.write(row)
        rows += 1
print(rows, peak_rss_kb(), tracemalloc.get_traced_memory()[1] // 1024)
"""


def peak_memory_kb(url: str) -> tuple[int, int, int]:
    """Rows exported, peak RSS and peak traced Python memory of an export subprocess."""
    done = subprocess.run(
        [sys.executable, "-c", EXPORT, url], cwd=ROOT, capture_output=True, text=True,
        timeout=300, check=True,
    )  # fmt: skip
    rows, rss, traced = done.stdout.split()
    return int(rows), int(rss), int(traced)


def database(path: Path, rows: int) -> str:
    url = f"sqlite:///{path}"
    upgrade(url).dispose()
    engine = make_engine(url)
    stores, listings = make_stores(engine, 4), make_listings(engine, 250)
    insert_prices(engine, price_rows(stores, listings, rows))
    engine.dispose()
    return url


@pytest.mark.slow
def test_peak_memory_does_not_grow_with_rows(tmp_path: Path) -> None:
    small, large = 20_000, 200_000
    rows_small, rss_small, traced_small = peak_memory_kb(database(tmp_path / "s.db", small))
    rows_large, rss_large, traced_large = peak_memory_kb(database(tmp_path / "l.db", large))
    assert (rows_small, rows_large) == (small, large)
    # Holding the 180,000 more rows would cost about 60 MB (traced) and more RSS.
    assert traced_large < traced_small + 1024, (traced_small, traced_large)
    assert rss_large < rss_small + 8 * 1024, (rss_small, rss_large)
