"""``grocer export prices --format parquet``: typed columns, one row group per page, and the
same rows as the JSON lines export (SQLite and PostgreSQL); its memory does not grow with rows."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine

import grocer.analysis.export
from grocer.analysis.export import EXPORT_FIELDS, ExportRow, parse_row
from grocer.analysis.export_parquet import ParquetExportWriter, export_schema, parquet_records
from grocer.cli import main
from tests.integration.bargains.factories import DAY0, daily, ingest
from tests.integration.bargains.test_export_memory import ROOT, database

TYPES = {
    "price_id": pa.int64(), "company": pa.string(), "store": pa.string(),
    "source_store": pa.string(), "sku": pa.string(), "product_id": pa.int64(),
    "price": pa.decimal128(10, 2), "was_price": pa.decimal128(10, 2),
    "unit_price": pa.decimal128(12, 4), "unit": pa.string(), "is_special": pa.bool_(),
    "promo_text": pa.string(), "multibuy_qty": pa.int64(),
    "multibuy_price": pa.decimal128(10, 2), "price_hash": pa.string(), "first_seen": pa.date32(),
    "last_seen": pa.date32(),
}  # fmt: skip
NULLABLE = {"was_price", "unit_price", "unit", "promo_text", "multibuy_qty", "multibuy_price"}


def test_the_schema_types_every_export_field() -> None:
    schema = export_schema()
    assert tuple(schema.names) == EXPORT_FIELDS
    assert {f.name: f.type for f in schema} == TYPES
    assert {f.name for f in schema if f.nullable} == NULLABLE


def test_money_and_nulls_round_trip_exactly(tmp_path: Path) -> None:
    row = ExportRow(
        2**40, "coles", "COL:401", "COL:401", "123", 5, Decimal("99999999.99"), None,
        Decimal("0.0001"), None, True, 'Buy 2, "save"', 2, Decimal("4.00"), "abc",
        date(2025, 9, 1),
        date(9999, 12, 31),
    )  # fmt: skip
    path = tmp_path / "one.parquet"
    with ParquetExportWriter(path) as writer:
        writer.write_page([row, row])
        writer.write_page([])
    expected = {name: getattr(row, name) for name in EXPORT_FIELDS}
    assert pq.read_table(path).to_pylist() == [expected, expected]
    assert list(parquet_records(path)) == [expected, expected]


def test_a_failed_write_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    row = ExportRow(1, "aldi", "G102", "G102", "a", 1, Decimal("1.001"), None, None, None,
                    False, None, None, None, "h", DAY0, DAY0)  # fmt: skip
    with pytest.raises(pa.ArrowInvalid), ParquetExportWriter(path) as writer:
        writer.write_page([row])  # three places do not fit the money column's two
    assert not path.exists()


def test_the_cli_writes_the_rows_of_the_jsonl_export(
    db_url: str, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    ingest(engine, tmp_path / "feed", [
        *daily("aldi", "G102", "a", [("1.00", 2), ("1.10", 2), ("0.90/1.10", 1)]),
        *daily("woolworths", "1147", "w", [("3.00", 4)], barcode="9300601040322"),
        *daily("coles", "COL:401", "c", [("2.00", 1), ("2.05", 1), ("1.95", 1)]),
    ])  # fmt: skip
    monkeypatch.setenv("GROCER_DATABASE_URL", db_url)
    since = ["export", "prices", "--since", (DAY0 + timedelta(days=1)).isoformat()]
    jsonl, parquet = tmp_path / "prices.jsonl", tmp_path / "prices.parquet"
    assert main([*since, "--out", str(jsonl)]) == 0
    capsys.readouterr()
    args = [*since, "--format", "parquet", "--out", str(parquet), "--page-size", "2"]
    assert main(args) == 0
    assert f"exported 6 price rows to {parquet}" in capsys.readouterr().err
    expected = [parse_row("jsonl", orjson.loads(line)) for line in jsonl.read_text().splitlines()]
    table = pq.read_table(parquet)
    assert table.schema == export_schema()
    assert table.to_pylist() == expected  # the reader's types without parsing
    assert list(parquet_records(parquet)) == expected
    assert len(expected) == 6 and any(r["is_special"] for r in expected)
    assert any(r["was_price"] is not None for r in expected)
    metadata = pq.ParquetFile(parquet).metadata
    assert [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)] == [2, 2, 2]
    assert main([*args, "--company", "coles"]) == 0  # an existing file is replaced
    assert [r["company"] for r in parquet_records(parquet)] == ["coles", "coles"]


def test_parquet_needs_an_output_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GROCER_DATABASE_URL", f"sqlite:///{tmp_path / 'none.sqlite3'}")
    assert main(["export", "prices", "--since", "2025-09-01", "--format", "parquet"]) == 2
    assert "--format parquet needs --out FILE" in capsys.readouterr().err
    assert not (tmp_path / "none.sqlite3").exists()  # refused before opening anything


def test_an_export_failing_midway_leaves_no_file(
    db_url: str, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(engine, tmp_path / "feed", daily("aldi", "G102", "a", [("1.00", 1), ("1.10", 1)]))
    monkeypatch.setenv("GROCER_DATABASE_URL", db_url)
    pages = grocer.analysis.export.price_pages

    def failing(*args: Any, **kwargs: Any) -> Iterator[list[ExportRow]]:
        yield from pages(*args, **kwargs)
        raise RuntimeError("database gone")

    monkeypatch.setattr(grocer.analysis.export, "price_pages", failing)
    out = tmp_path / "prices.parquet"
    with pytest.raises(RuntimeError, match="database gone"):
        main(
            ["export", "prices", "--since", "2025-09-01", "--format", "parquet", "--out", str(out)]
        )
    assert not out.exists()


PARQUET_EXPORT = """
import sys, tracemalloc
from pathlib import Path
from grocer.cli import main
tracemalloc.start()
code = main(["export", "prices", "--since", "2000-01-01", "--format", "parquet",
             "--out", sys.argv[1], "--page-size", "2000"])
print(code, tracemalloc.get_traced_memory()[1] // 1024)
"""


@pytest.mark.slow
def test_parquet_peak_memory_does_not_grow_with_rows(tmp_path: Path) -> None:
    peaks = {}
    for rows in (20_000, 200_000):
        url, out = database(tmp_path / f"{rows}.db", rows), tmp_path / f"{rows}.parquet"
        done = subprocess.run(
            [sys.executable, "-c", PARQUET_EXPORT, str(out)], cwd=ROOT, capture_output=True,
            text=True, timeout=300, check=True, env={**os.environ, "GROCER_DATABASE_URL": url},
        )  # fmt: skip
        code, peaks[rows] = map(int, done.stdout.split())
        assert code == 0 and pq.ParquetFile(out).metadata.num_rows == rows
    # Holding the 180,000 more rows would cost tens of MB.
    assert peaks[200_000] < peaks[20_000] + 1024, peaks
