"""``grocer export prices --since DATE``: stream price rows as JSON lines, CSV or Parquet."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, select

from grocer.commands import Commands, open_database
from grocer.config import Config

if TYPE_CHECKING:
    from grocer.analysis.export import ExportRow, PriceFilter


def _store_ids(
    connection: Connection, raw: list[str], companies: tuple[int, ...] | None
) -> tuple[int, ...]:
    """Store primary keys for ``--store`` values (``1147``, ``COL:401``, ``woolworths:1147``)."""
    from grocer.db.models import Store
    from grocer.db.store_rows import COMPANY_IDS
    from grocer.retailers.store_records import canonical_store_id

    found: list[int] = []
    for text in raw:
        prefix, colon, rest = text.partition(":")
        if colon and prefix.lower() in COMPANY_IDS:  # woolworths:1147
            candidates, bare = [prefix.lower()], rest
        else:  # 1147, COL:401: any retailer whose ids look like that
            candidates, bare = list(COMPANY_IDS), text
        ids = []
        for slug in candidates:
            if companies is not None and COMPANY_IDS[slug] not in companies:
                continue
            try:
                retailer_id = canonical_store_id(slug, bare)
            except ValueError:
                continue
            ids += connection.execute(
                select(Store.id).where(
                    Store.company_id == COMPANY_IDS[slug], Store.retailer_store_id == retailer_id
                )
            ).scalars()
        if not ids:
            raise ValueError(f"no store {text!r}")
        found += ids
    return tuple(found)


def export_prices_command(args: argparse.Namespace, config: Config) -> int:
    from grocer.analysis.export import PriceFilter, company_filter

    if args.format == "parquet" and args.out is None:
        print(
            "error: --format parquet needs --out FILE (a Parquet file, not stdout)", file=sys.stderr
        )
        return 2
    engine = open_database(config)
    try:
        companies = company_filter(args.company)
        stores = None
        if args.store:
            with engine.connect() as connection:
                stores = _store_ids(connection, args.store, companies)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    where = PriceFilter(since=args.since, company_ids=companies, store_ids=stores)
    try:
        written = _export(args, engine, where)
    except BrokenPipeError:  # `grocer export prices ... | head`: the reader left
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes stdout
        return 1
    print(f"exported {written} price rows to {args.out or 'stdout'}", file=sys.stderr)
    return 0


def _page_writer(args: argparse.Namespace, stack: ExitStack) -> Callable[[list[ExportRow]], None]:
    """Where pages go: a Parquet file (a row group each), or JSON lines or CSV text."""
    if args.format == "parquet":
        from grocer.analysis.export_parquet import ParquetExportWriter

        return stack.enter_context(ParquetExportWriter(args.out)).write_page
    from grocer.analysis.export import ExportWriter

    stream = (
        stack.enter_context(args.out.open("w", encoding="utf-8", newline=""))
        if args.out
        else sys.stdout
    )
    writer = ExportWriter(stream, args.format)

    def write_page(page: list[ExportRow]) -> None:
        for row in page:
            writer.write(row)

    return write_page


def _export(args: argparse.Namespace, engine: Engine, where: PriceFilter) -> int:
    """Write every row of the export; returns how many."""
    from grocer.analysis.export import count_matching, price_pages, read_snapshot, resolved_pages
    from grocer.progress import progress

    written = 0
    with ExitStack() as stack:
        write_page = _page_writer(args, stack)
        connection = stack.enter_context(read_snapshot(engine))
        total = None if args.resolved else count_matching(connection, where)
        bar = stack.enter_context(progress(total, "export", unit="rows"))
        pages = resolved_pages if args.resolved else price_pages
        for page in pages(connection, where, page_size=args.page_size):
            write_page(page)
            written += len(page)
            bar.update(len(page))
    return written


def register(commands: Commands) -> None:
    from grocer.commands import subgroup

    parser = subgroup(commands, "export", "exports").add_parser(
        "prices", help="price rows (last seen on or after --since) as JSON lines, CSV or Parquet"
    )
    parser.add_argument(
        "--since", type=date.fromisoformat, required=True, help="last_seen on or after DATE"
    )
    parser.add_argument("--company", action="append", help="only this retailer (repeatable)")
    parser.add_argument(
        "--store", action="append", help="only this store: 1147, COL:401, iga:14850 (repeatable)"
    )
    parser.add_argument(
        "--resolved", action="store_true", help="zone members get prices through the resolver"
    )
    parser.add_argument("--format", choices=("jsonl", "csv", "parquet"), default="jsonl")
    parser.add_argument("--out", type=Path, help="file to write (default stdout; parquet: needed)")
    parser.add_argument("--page-size", type=int, default=5000, help="rows per query")
    parser.set_defaults(handler=export_prices_command)
