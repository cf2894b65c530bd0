"""The ``grocer`` command: database, ingest, stores, simulator and analysis sub-commands."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import Engine

from grocer.config import Config, load_config

Handler = Callable[[argparse.Namespace, Config], int]


def _engine(config: Config) -> Engine:
    """The upgraded database engine; prints which database every command uses."""
    from grocer.db.engine import display_url
    from grocer.db.migrate import upgrade

    print(f"database: {display_url(config.database_url)}", file=sys.stderr)
    return upgrade(config.database_url)


def cmd_db_upgrade(args: argparse.Namespace, config: Config) -> int:
    from grocer.db.migrate import current_revision

    engine = _engine(config)
    print(f"schema at revision {current_revision(engine)}")
    return 0


def cmd_ingest(args: argparse.Namespace, config: Config) -> int:
    from grocer.ingest.runner import ingest_files

    paths = [Path(p) for p in args.files]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        print(f"error: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    engine = _engine(config)
    report = ingest_files(engine, paths, batch_size=args.batch_size or config.batch_size)
    print(
        f"ingested {report.files} file(s): {report.lines} lines, {report.written} items written, "
        f"{report.rejected_total} rejected"
    )
    for reason, count in sorted(report.rejected.items()):
        print(f"  rejected {reason}: {count}")
    for note, count in sorted(report.notes.items()):
        print(f"  {note.replace('_', ' ')}: {count}")
    for error in report.errors:
        print(f"  error: {error}")
    return 1 if report.errors else 0


def cmd_count_prices(args: argparse.Namespace, config: Config) -> int:
    from grocer.db import queries

    engine = _engine(config)
    with engine.connect() as connection:
        print(f"price rows: {queries.count_prices(connection)}")
        for company, count in queries.count_prices_by_company(connection).items():
            print(f"  {company:<11} {count:>10}")
        if args.by_store:
            print(f"{'company':<11} {'store':<10} {'name':<40} {'rows':>10}")
            for row in queries.count_prices_by_store(connection):
                name = (row.name or "")[:40]
                print(f"{row.company:<11} {row.store_id:<10} {name:<40} {row.rows:>10}")
    return 0


def cmd_stores_import(args: argparse.Namespace, config: Config) -> int:
    from grocer.stores import import_store_master

    path = Path(args.file)
    if not path.is_file():
        print(f"error: no such file: {path}", file=sys.stderr)
        return 2
    engine = _engine(config)
    counts = import_store_master(engine, path)
    for company, (total, crawlable) in sorted(counts.items()):
        print(f"  {company:<11} {total:>5} stores, {crawlable:>5} crawlable")
    return 0


SAMPLES = Path(__file__).with_name("data") / "samples"


def cmd_demo(args: argparse.Namespace, config: Config) -> int:
    """Ingest the bundled corpus excerpt into the database and show the price counts."""
    samples = sorted(SAMPLES.glob("*.jsonl.gz"))
    print(f"ingesting {len(samples)} bundled sample snapshots from {SAMPLES}")
    status = cmd_ingest(argparse.Namespace(files=[str(p) for p in samples], batch_size=0), config)
    if status:
        return status
    return cmd_count_prices(argparse.Namespace(by_store=True), config)


def cmd_sim_serve(args: argparse.Namespace, config: Config) -> int:
    from grocer.sim.server import serve

    serve(
        host="127.0.0.1",
        port=args.port,
        date=args.date,
        day_seconds=args.day_seconds or None,
        scale=args.scale or None,
        faults=args.faults or None,
        seed=args.seed,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grocer", description=__doc__)
    parser.add_argument("--dev", action="store_true", help="simulator targets and dev database")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db = commands.add_parser("db", help="database schema").add_subparsers(
        dest="db_command", required=True, metavar="ACTION"
    )
    db.add_parser("upgrade", help="create or migrate the schema").set_defaults(
        handler=cmd_db_upgrade
    )

    ingest = commands.add_parser("ingest", help="load JSONL(.gz) snapshots or feed exports")
    ingest.add_argument("files", nargs="+", metavar="FILE")
    ingest.add_argument("--batch-size", type=int, default=0, help="observations per transaction")
    ingest.set_defaults(handler=cmd_ingest)

    count = commands.add_parser("count-prices", help="price rows in total and per company")
    count.add_argument("--by-store", action="store_true", help="also per observed store")
    count.set_defaults(handler=cmd_count_prices)

    stores = commands.add_parser("stores", help="store master").add_subparsers(
        dest="stores_command", required=True, metavar="ACTION"
    )
    store_import = stores.add_parser("import", help="import companies.store.json(.gz)")
    store_import.add_argument("file", metavar="FILE")
    store_import.set_defaults(handler=cmd_stores_import)

    demo = commands.add_parser("demo", help="the main job: load a real sample, show counts")
    demo.set_defaults(handler=cmd_demo)

    sim = commands.add_parser("sim", help="the retailer simulator").add_subparsers(
        dest="sim_command", required=True, metavar="ACTION"
    )
    serve = sim.add_parser("serve", help="serve the four retailers on 127.0.0.1")
    serve.add_argument("--port", type=int, default=8411)
    serve.add_argument("--date", default=None, help="simulated start date, YYYY-MM-DD")
    serve.add_argument("--day-seconds", type=float, default=0.0, help="real seconds per day")
    serve.add_argument("--scale", type=int, default=0, help="products per scaled store")
    serve.add_argument("--faults", default="", help='e.g. "aldi:429=0.05,latency=20ms"')
    serve.add_argument("--seed", type=int, default=1)
    serve.set_defaults(handler=cmd_sim_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    config = load_config(dev=True if args.dev else None)
    handler: Handler = args.handler
    return handler(args, config)


if __name__ == "__main__":
    raise SystemExit(main())
