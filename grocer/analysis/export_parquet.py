"""The price export as a Parquet file (``grocer export prices --format parquet``).

Columns are :data:`~grocer.analysis.export.EXPORT_FIELDS` with Arrow types taken from
:class:`~grocer.analysis.export.ExportRow` and the ``prices`` columns: ids ``int64``, texts
``string``, money ``decimal128`` of the column's precision and scale (exact, as the database
holds it), days ``date32``, flags ``bool``.  Each export page is one record batch, written as
one row group, so memory stays that of a page however many rows the file gets.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import fields
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args

import pyarrow as pa
import pyarrow.parquet as pq

from grocer.analysis.export import DEFAULT_PAGE_SIZE, ExportRow, parse_row
from grocer.db.models import Price

_ARROW: dict[Any, pa.DataType] = {
    int: pa.int64(),
    str: pa.string(),
    bool: pa.bool_(),
    date: pa.date32(),
}


def _arrow_field(name: str, python_type: Any) -> pa.Field:
    args = get_args(python_type)  # (X, NoneType) for an optional field
    nullable = type(None) in args
    base = next((a for a in args if a is not type(None)), python_type)
    if base is Decimal:  # money: exact, with the database column's precision and scale
        column = Price.__table__.c[name].type
        return pa.field(name, pa.decimal128(column.precision, column.scale), nullable)
    return pa.field(name, _ARROW[base], nullable)


def export_schema() -> pa.Schema:
    """The Arrow schema of an exported file: one column per export field, in order."""
    return pa.schema([_arrow_field(f.name, f.type) for f in fields(ExportRow)])


def page_batch(page: Sequence[ExportRow], schema: pa.Schema) -> pa.RecordBatch:
    """One export page as a record batch of ``schema``."""
    return pa.record_batch(
        [pa.array([getattr(row, f.name) for row in page], type=f.type) for f in schema],
        schema=schema,
    )


class ParquetExportWriter:
    """Writes export pages to a Parquet file, one row group per page.

    A context manager: the file is complete (its footer written) on a normal exit; on an
    exception it is closed and removed, so no truncated export is left behind.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.schema = export_schema()
        self._writer = pq.ParquetWriter(path, self.schema)

    def write_page(self, page: Sequence[ExportRow]) -> None:
        """Write one page (a row group)."""
        if page:
            self._writer.write_batch(page_batch(page, self.schema))

    def close(self) -> None:
        """Finish the file."""
        self._writer.close()

    def __enter__(self) -> ParquetExportWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self.close()
        if kind is not None:
            self.path.unlink(missing_ok=True)


def parquet_records(path: Path, batch_size: int = DEFAULT_PAGE_SIZE) -> Iterator[dict[str, object]]:
    """The records of an exported Parquet file, typed as :func:`parse_row` types a JSON line
    or a CSV row (the same reader), read a batch at a time."""
    for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_size):
        for record in batch.to_pylist():
            yield parse_row("jsonl", record)
