"""Ingest JSONL files (plain or gzipped) into the database, counting every rejection."""

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

from grocer.constants import (
    COMPLETE,
    FAILED,
    PARTIAL,
    REJECT_MALFORMED_JSON,
    REJECT_MISSING_PRICE,
)
from grocer.db.runs import close_run, ingest_run
from grocer.db.store_rows import COMPANY_IDS, StoreRow, ensure_store
from grocer.db.transactions import in_transaction
from grocer.db.writer import PriceWriter
from grocer.ingest.records import item_from_record, records_in
from grocer.memory import relaxed_gc
from grocer.normalize.product import Observation, normalize_item
from grocer.normalize.validate import Rejected, validate_item
from grocer.progress import progress

logger = logging.getLogger(__name__)


@dataclass
class IngestReport:
    """What an ingest did: lines read, items written, rejections and notes by reason."""

    files: int = 0
    lines: int = 0
    written: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    runs: set[int] = field(default_factory=set)

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())


@dataclass
class _Run:
    id: int
    attempt: int
    items: int = 0


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

    def ingest(self, paths: Sequence[Path]) -> IngestReport:
        total = sum(p.stat().st_size for p in paths)
        with progress(total, "ingest", unit="B", unit_scale=True) as bar, relaxed_gc():
            for path in paths:
                self._ingest_file(path, bar)
        return self.report

    def _ingest_file(self, path: Path, bar: Any) -> None:
        self.report.files += 1
        runs: dict[tuple[str, str, date], _Run] = {}
        batch: list[Observation] = []
        rejected: Counter[str] = Counter()
        lines = _Lines(path)
        last = 0
        try:
            for number, line in enumerate(lines, start=1):
                self.report.lines += 1
                batch += self._observe(line, number, path, runs, rejected)
                if len(batch) >= self.batch_size:
                    self._flush(batch)
                    now = lines.position()
                    bar.update(now - last)
                    last = now
            self._flush(batch)
            bar.update(lines.position() - last)
        except BaseException as error:  # the file's runs end failed, never left running
            self._close_runs(runs, FAILED, type(error).__name__, rejected, path)
            raise
        finally:
            lines.close()
        if lines.error:
            self.report.errors.append(lines.error)
            logger.error("%s", lines.error)
        self.report.rejected.update(rejected)
        if lines.error:
            self._close_runs(runs, PARTIAL, "truncated", rejected, path)
        else:
            self._close_runs(runs, COMPLETE, "finished", rejected, path)

    def _close_runs(
        self,
        file_runs: dict[tuple[str, str, date], _Run],
        status: str,
        reason: str,
        rejected: Counter[str],
        path: Path,
    ) -> None:
        for run in file_runs.values():
            in_transaction(
                self.writer.engine,
                lambda c, run=run: close_run(
                    c, run.id, attempt=run.attempt, status=status, finish_reason=reason,
                    items=run.items, rejected=sum(rejected.values()),
                    stats={"rejected": dict(rejected), "file": str(path)},
                ),
            )  # fmt: skip

    def _observe(
        self,
        line: bytes,
        number: int,
        path: Path,
        runs: dict[tuple[str, str, date], _Run],
        rejected: Counter[str],
    ) -> list[Observation]:
        if not line.strip():
            return []
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError:
            rejected[REJECT_MALFORMED_JSON] += 1
            logger.debug("%s:%d: malformed JSON", path, number)
            return []
        observations = []
        for product in records_in(record):
            try:
                item, store = item_from_record(product)
                item, notes = validate_item(item)
            except Rejected as rejection:
                rejected[rejection.reason] += 1
                logger.debug("%s:%d: rejected: %s", path, number, rejection)
                continue
            observation, more_notes = normalize_item(item)
            for note in notes + more_notes:
                if note == REJECT_MISSING_PRICE:
                    rejected[note] += 1  # the price is rejected; the product still lands
                else:
                    self.report.notes[note] += 1
            self._run_for(runs, store, observation.observed_on, path).items += 1
            observations.append(observation)
        return observations

    def _run_for(
        self, runs: dict[tuple[str, str, date], _Run], store: StoreRow, day: date, path: Path
    ) -> _Run:
        key = (store.company, store.retailer_store_id, day)
        run = runs.get(key)
        if run is None:
            source = str(path.resolve())

            def open_run(connection: Connection) -> tuple[int, int]:
                return ingest_run(
                    connection, company_id=COMPANY_IDS[store.company],
                    store_pk=ensure_store(connection, store), observed_on=day, source=source,
                    host=socket.gethostname(), pid=os.getpid(),
                )  # fmt: skip

            run_id, attempt = in_transaction(self.writer.engine, open_run)
            run = runs[key] = _Run(run_id, attempt)
            self.report.runs.add(run_id)
        return run

    def _flush(self, batch: list[Observation]) -> None:
        if batch:
            self.writer.write(batch)
            self.report.written += len(batch)
            batch.clear()


def ingest_files(engine: Engine, paths: Sequence[Path], *, batch_size: int = 500) -> IngestReport:
    """Ingest ``paths`` into the database behind ``engine``; see :class:`IngestReport`."""
    return Ingester(engine, batch_size=batch_size).ingest(paths)
