"""``grocer report``: counts, freshness, zones, top bargains, illusory specials, and HTML."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from grocer.commands import Commands, open_database
from grocer.config import Config


def report(args: argparse.Namespace, config: Config) -> int:
    from grocer.analysis.report import build_report
    from grocer.analysis.report_text import report_lines

    engine = open_database(config)
    out_dir = args.out or config.data_dir / "reports"
    built = build_report(
        engine, as_of=args.as_of, out_dir=out_dir, top=args.top, charts=not args.no_charts
    )
    for line in report_lines(built):
        print(line)
    print(f"html: {built.html_path}")
    return 0


def register(commands: Commands) -> None:
    parser = commands.add_parser("report", help="what the database holds, bargains, specials")
    parser.add_argument(
        "--as-of", type=date.fromisoformat, default=date.today(), help="date (default today)"
    )
    parser.add_argument("--out", type=Path, help="folder of the HTML report (default data dir)")
    parser.add_argument("--top", type=int, default=10, help="bargains shown and charted")
    parser.add_argument("--no-charts", action="store_true", help="skip the price charts")
    parser.set_defaults(handler=report)
