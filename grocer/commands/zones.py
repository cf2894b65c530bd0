"""``grocer analyze zones`` (price-zone maintenance) and ``grocer zones report``."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from grocer.commands import Commands, open_database, subgroup
from grocer.config import Config
from grocer.constants import COMPANY_LIST


def analyze_zones(args: argparse.Namespace, config: Config) -> int:
    from grocer.analysis.zones.maintain import maintain_zones

    engine = open_database(config)
    try:
        summary = maintain_zones(
            engine, as_of=args.as_of, companies=args.company or None, reset=args.reset
        )
    finally:
        engine.dispose()
    print("\n".join(summary.lines()))
    return 0


def zones_report(args: argparse.Namespace, config: Config) -> int:
    from grocer.analysis.zones.report import render_map, render_text
    from grocer.analysis.zones.report import zones_report as read_zones

    engine = open_database(config)
    try:
        with engine.connect() as connection:
            report = read_zones(connection, companies=args.company or None)
    finally:
        engine.dispose()
    text = render_text(report)
    print(text, end="")
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "zones.txt").write_text(text)
        image = render_map(report, out / "zones.png")
        print(f"wrote {out / 'zones.txt'} and {image}", file=sys.stderr)
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def register(commands: Commands) -> None:
    analyze = subgroup(commands, "analyze", "analysis jobs")
    parser = analyze.add_parser("zones", help="price zones: health check, merge, retention")
    parser.add_argument("--reset", action="store_true", help="start every store alone again")
    parser.add_argument("--as-of", type=_day, default=None, help="run as of DATE (default today)")
    parser.add_argument(
        "--company", action="append", choices=COMPANY_LIST, help="only this company (repeatable)"
    )
    parser.set_defaults(handler=analyze_zones)

    zones = subgroup(commands, "zones", "price zones")
    report = zones.add_parser("report", help="zones per company and a store map (PNG)")
    report.add_argument("--out", default=None, help="write zones.txt and zones.png here")
    report.add_argument(
        "--company", action="append", choices=COMPANY_LIST, help="only this company (repeatable)"
    )
    report.set_defaults(handler=zones_report)
