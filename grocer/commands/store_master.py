"""``grocer stores import FILE``: import a store master (``companies.store.json(.gz)``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grocer.commands import Commands, open_database, subgroup
from grocer.config import Config


def import_master(args: argparse.Namespace, config: Config) -> int:
    from grocer.store_import import import_store_master

    path = Path(args.file)
    if not path.is_file():
        print(f"error: no such file: {path}", file=sys.stderr)
        return 2
    engine = open_database(config)
    counts = import_store_master(engine, path)
    for company, (total, crawlable) in sorted(counts.items()):
        print(f"  {company:<11} {total:>5} stores, {crawlable:>5} crawlable")
    return 0


def register(commands: Commands) -> None:
    stores = subgroup(commands, "stores", "store master")
    parser = stores.add_parser("import", help="import companies.store.json(.gz)")
    parser.add_argument("file", metavar="FILE")
    parser.set_defaults(handler=import_master)
