"""``grocer ingest FILE...``: load JSONL snapshots or feed exports."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from grocer.commands import Commands, open_database
from grocer.config import Config


def ingest(args: argparse.Namespace, config: Config) -> int:
    from grocer.ingest.runner import ingest_files

    paths = [Path(p) for p in args.files]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        print(f"error: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    engine = open_database(config)
    report = ingest_files(engine, paths, batch_size=args.batch_size or config.batch_size)
    for error in report.errors:
        print(f"error: {error}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.as_json()))
    else:
        print(
            f"ingested {report.files} file(s): {report.records} records, {report.written} "
            f"written, {report.rejected_total} rejected"
        )
        for reason, count in sorted(report.rejected.items()):
            print(f"  rejected {reason}: {count}")
        for note, count in sorted(report.notes.items()):
            print(f"  {note.replace('_', ' ')}: {count}")
    return 1 if report.errors else 0  # 0: every file was read to its end


def register(commands: Commands) -> None:
    parser = commands.add_parser("ingest", help="load JSONL(.gz) snapshots or feed exports")
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("--batch-size", type=int, default=0, help="observations per transaction")
    parser.add_argument("--json", action="store_true", help="print the counts as one JSON object")
    parser.set_defaults(handler=ingest)
