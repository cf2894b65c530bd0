"""Ingest JSONL files (plain or gzipped) into the database: every record gets one verdict.

A record is a product object (a snapshot line, or one of a feed line's ``products``); a line
that is not JSON, or not an object, is one record.  Each is written or rejected with a reason
(records = written + rejected), nothing raises out of an ingest, and a record the database
refuses is rejected while the rest of its batch lands.  Each (store, day) of a file is a
``crawl_runs`` row whose ``items`` + ``rejected`` are its records; records naming no readable
store go to a row of the file without a store.  A file read to its end makes its rows
``complete``; a truncated one ``partial``; an ingest stopped early ``failed``.
"""

from __future__ import annotations

import gzip
import logging
import os
import socket
import zlib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

import orjson
from sqlalchemy import Connection, Engine

from grocer.constants import COMPLETE, FAILED, PARTIAL
from grocer.db.runs import close_run, ingest_run
from grocer.db.store_rows import COMPANY_IDS, StoreRow, ensure_store
from grocer.db.transactions import in_transaction
from grocer.db.writer import PriceWriter
from grocer.ingest.records import item_from_record, records_in, store_of
from grocer.memory import relaxed_gc
from grocer.normalize.product import Observation, normalize_item, unit_price_example
from grocer.normalize.validate import MALFORMED_JSON, Rejected, parse_day, validate_item
from grocer.progress import progress

logger = logging.getLogger(__name__)

WRITE_ERROR = "write_error"  # a record the database refused (a bug in validation)


@dataclass
class IngestReport:
    """What an ingest did: records read, written and rejected by reason, notes by name."""

    files: int = 0
    records: int = 0
    written: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    runs: set[int] = field(default_factory=set)

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def as_json(self) -> dict[str, Any]:
        """The report as ``grocer ingest --json`` prints it."""
        return {
            "records": self.records,
            "written": self.written,
            "rejected": self.rejected_total,
            "rejected_by_reason": dict(sorted(self.rejected.items())),
            "notes": dict(sorted(self.notes.items())),
        }


@dataclass
class _Run:
    """The run of one (store, day) of a file, or of the file's records without a store."""

    id: int
    attempt: int
    items: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    unit_price_examples: list[dict[str, str | None]] = field(default_factory=list)


RunKey = tuple[str, str, date | None] | None  # (company, store, day); None: no store


class _Lines:
    """Lines of a JSONL file; a truncated gzip stops the iteration and records why."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.error: str | None = None
        self._raw: IO[bytes] = path.open("rb")

    def position(self) -> int:
        return self._raw.tell()

    def __iter__(self) -> Iterator[bytes]:
        stream: IO[bytes] = (
            gzip.GzipFile(fileobj=self._raw) if self.path.name.endswith(".gz") else self._raw
        )
        try:
            yield from stream
        except (EOFError, zlib.error, gzip.BadGzipFile, OSError) as error:
            self.error = f"{self.path}: unreadable past this point ({error})"

    def close(self) -> None:
        self._raw.close()


class Ingester:
    """Streams records through validate -> normalise -> :class:`PriceWriter` in batches."""

    def __init__(self, engine: Engine, *, batch_size: int = 500) -> None:
        self.writer = PriceWriter(engine)
        self.batch_size = batch_size
        self.report = IngestReport()
        self._runs: dict[RunKey, _Run] = {}
        self._source = ""

    def ingest(self, paths: Sequence[Path]) -> IngestReport:
        total = sum(p.stat().st_size for p in paths)
        with progress(total, "ingest", unit="B", unit_scale=True) as bar, relaxed_gc():
            for path in paths:
                self._ingest_file(path, bar)
        return self.report

    def _ingest_file(self, path: Path, bar: Any) -> None:
        self.report.files += 1
        self._runs, self._source = {}, str(path.resolve())
        batch: list[tuple[Observation, _Run]] = []
        lines = _Lines(path)
        last = 0
        try:
            for line in lines:
                if not line.strip():
                    continue
                batch += self._observe(line)
                if len(batch) >= self.batch_size:
                    self._flush(batch)
                    now = lines.position()
                    bar.update(now - last)
                    last = now
            self._flush(batch)
            bar.update(lines.position() - last)
        except BaseException as error:  # the file's runs end failed, never left running
            self._close_runs(FAILED, type(error).__name__)
            raise
        finally:
            lines.close()
        if lines.error:
            self.report.errors.append(lines.error)
            logger.error("%s", lines.error)
            self._close_runs(PARTIAL, "truncated")
        else:
            self._close_runs(COMPLETE, "finished")

    def _observe(self, line: bytes) -> list[tuple[Observation, _Run]]:
        """The observations of one line; each of its records is counted or rejected."""
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError:
            self.report.records += 1  # a line that is not JSON is one record
            self._reject(self._run_for(None), MALFORMED_JSON)
            return []
        observed = []
        for product in records_in(record):
            self.report.records += 1
            try:
                store = store_of(product)
            except Rejected as rejection:
                self._reject(self._run_for(None), rejection.reason)
                continue
            item = item_from_record(product, store)
            run = self._run_for(store, parse_day(item.observed_on))
            try:
                item, notes = validate_item(item)
                observation, more = normalize_item(item)
            except Rejected as rejection:
                self._reject(run, rejection.reason)
                continue
            except Exception as error:  # a bug must cost one record, not the file
                logger.warning("record of %s rejected: %r", store.retailer_store_id, error)
                self._reject(run, f"error:{type(error).__name__}")
                continue
            self.report.notes.update(notes + more)
            if observation.unit_price_disagreement and len(run.unit_price_examples) < 20:
                run.unit_price_examples.append(unit_price_example(item))
            observed.append((observation, run))
        return observed

    def _reject(self, run: _Run, reason: str) -> None:
        run.rejected[reason] += 1
        self.report.rejected[reason] += 1

    def _run_for(self, store: StoreRow | None, day: date | None = None) -> _Run:
        key: RunKey = (store.company, store.retailer_store_id, day) if store else None
        run = self._runs.get(key)
        if run is not None:
            return run

        def open_run(connection: Connection) -> tuple[int, int]:
            return ingest_run(
                connection,
                company_id=COMPANY_IDS[store.company] if store else None,
                store_pk=ensure_store(connection, store) if store else None,
                observed_on=day, source=self._source,
                host=socket.gethostname(), pid=os.getpid(),
            )  # fmt: skip

        run_id, attempt = in_transaction(self.writer.engine, open_run)
        run = self._runs[key] = _Run(run_id, attempt)
        self.report.runs.add(run_id)
        return run

    def _flush(self, batch: list[tuple[Observation, _Run]]) -> None:
        """Write the batch; a record the database refuses is rejected (``write_error``) and
        the rest of its batch lands."""
        if not batch:
            return
        refused = self.writer.write_salvaging([observation for observation, _ in batch])
        failed = {id(observation): error for observation, error in refused}
        for observation, run in batch:
            error = failed.get(id(observation))
            if error is None:
                run.items += 1
                self.report.written += 1
            else:
                logger.warning("the database refused a record: %s", str(error)[:300])
                self._reject(run, f"{WRITE_ERROR}:{type(error).__name__}")
        batch.clear()

    def _close_runs(self, status: str, reason: str) -> None:
        for run in self._runs.values():
            in_transaction(
                self.writer.engine,
                lambda c, run=run: close_run(
                    c, run.id, attempt=run.attempt, status=status, finish_reason=reason,
                    items=run.items, rejected=sum(run.rejected.values()),
                    stats={
                        "rejected": dict(run.rejected), "file": self._source,
                        "unit_price_disagreements": run.unit_price_examples,
                    },
                ),
            )  # fmt: skip


def ingest_files(engine: Engine, paths: Sequence[Path], *, batch_size: int = 500) -> IngestReport:
    """Ingest ``paths`` into the database behind ``engine``; see :class:`IngestReport`."""
    return Ingester(engine, batch_size=batch_size).ingest(paths)
