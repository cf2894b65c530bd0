"""``bench/identity_outside.py``, the check of same-product links on stores the model never
saw, on captures as they come: a gzipped corpus snapshot, a plain feed export (flat items)
with a damaged line, and a truncated file; and ``bench/identity.py`` pointed at a folder
without snapshots."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import orjson

from grocer.analysis.substitutions.truth import listing_barcodes, strip_barcodes
from tests.integration.substitutions.conftest import STORES, gtin, write_snapshot

ROOT = Path(__file__).resolve().parents[3]
BENCH = ROOT / "bench" / "identity_outside.py"
NOODLES = {"name": "2 Minute Noodles Chicken 5 Pack", "brand": "Maggi", "size": "360g"}
COCOA = {"name": "Cocoa Powder", "brand": "Cadbury", "size": "250g"}
IGA_NOODLES = {**NOODLES, "name": "Maggi 2 Minute Noodles Chicken"}
IGA_COCOA = {"name": "Cadbury Bournville Cocoa", "brand": "Cadbury", "size": "Each"}
PANTRY = ["Pantry", "Noodles"]


def feed_export(path: Path, items: list[dict[str, object]], junk: bytes = b"") -> Path:
    """An IGA feed export (``scrapy crawl -O``: one flat item per line), ``junk`` after."""
    with path.open("wb") as handle:
        for k, item in enumerate(items):
            flat = {
                "company": "iga",
                "store_id": STORES["iga"],
                "sku": str(2000 + k),
                "price": "2.50",
                "observed_on": "2025-09-20",
                "category_path": PANTRY,
                **item,
            }
            handle.write(orjson.dumps(flat) + b"\n")
        handle.write(junk)
    return path


def captures(folder: Path) -> list[Path]:
    """Coles as a corpus snapshot, IGA as a feed export: one barcode pair the names can join
    (the noodles) and one they cannot (the cocoa), and a line that is not JSON."""
    coles = write_snapshot(
        folder / "coles.jsonl.gz",
        "coles",
        [
            {**NOODLES, "barcode": gtin(1), "category_path": PANTRY},
            {**COCOA, "barcode": gtin(2), "category_path": PANTRY},
        ],
    )
    iga = feed_export(
        folder / "iga-feed.jsonl",
        [{**IGA_NOODLES, "barcode": gtin(1)}, {**IGA_COCOA, "barcode": gtin(2)}],
        junk=b'{"company": "iga", "sku": \n',
    )
    return [coles, iga]


def test_barcodes_are_stripped_from_every_shape_and_a_damaged_line_is_kept(
    tmp_path: Path,
) -> None:
    files = captures(tmp_path)
    codes = listing_barcodes(files)
    assert codes == {
        ("coles", "1000"): gtin(1), ("coles", "1001"): gtin(2),
        ("iga", "2000"): gtin(1), ("iga", "2001"): gtin(2),
    }  # fmt: skip
    (tmp_path / "stripped").mkdir()
    stripped = [strip_barcodes(path, tmp_path / "stripped") for path in files]
    assert listing_barcodes(stripped) == {}
    with gzip.open(stripped[0], "rb") as handle:
        assert [orjson.loads(line)["product"]["name"] for line in handle] == [
            NOODLES["name"], COCOA["name"],
        ]  # fmt: skip
    lines = stripped[1].read_bytes().splitlines()
    assert len(lines) == 3 and lines[-1] == b'{"company": "iga", "sku": '


def run_bench(*args: Path | str, bench: Path = BENCH) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(bench), *map(str, args)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_the_outside_check_judges_links_by_the_hidden_barcodes(tmp_path: Path) -> None:
    done = run_bench(*captures(tmp_path))
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["barcode_pairs"] == 2
    assert result["same_product"] == 0.5  # the noodles linked, the cocoa not
    assert result["baseline_same_product"] == 0.0
    assert (result["joined_known"], result["precision"]) == (1, 1.0)
    assert (result["records"], result["rejected"]) == (5, 1)  # the damaged line, counted
    assert done.returncode == 1  # 50% is under the 65% minimum


def test_a_truncated_capture_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    whole = captures(tmp_path)[0].read_bytes()
    damaged = tmp_path / "damaged.jsonl.gz"
    damaged.write_bytes(whole[: len(whole) // 2])
    done = run_bench(damaged)
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr


def test_the_cross_validation_bench_names_a_corpus_without_snapshots(tmp_path: Path) -> None:
    (tmp_path / "coles").mkdir()
    done = run_bench("--corpus", tmp_path, bench=BENCH.with_name("identity.py"))
    assert done.returncode == 2
    assert done.stderr.strip().endswith(
        f"no Coles or IGA snapshot (coles/*.gz, iga/*.gz) in {tmp_path}"
    )
