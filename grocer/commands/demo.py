"""``grocer demo``: the main job shown in the README."""

from __future__ import annotations

import argparse
from pathlib import Path

from grocer.commands import Commands, open_database
from grocer.commands.ingest import ingest
from grocer.commands.prices import count_prices
from grocer.config import Config

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"


def demo(args: argparse.Namespace, config: Config) -> int:
    """The whole system on the simulator (see :mod:`grocer.demo`), or with ``--sample`` only
    the bundled corpus excerpt ingested and counted."""
    if args.sample:
        samples = sorted(SAMPLES.glob("*.jsonl.gz"))
        print(f"ingesting {len(samples)} bundled sample snapshots from {SAMPLES}")
        files = [str(p) for p in samples]
        status = ingest(argparse.Namespace(files=files, batch_size=0), config)
        return status or count_prices(argparse.Namespace(by_store=True), config)
    from grocer.demo import DemoPlan, run_demo

    engine = open_database(config)
    html = run_demo(config, engine, DemoPlan(weeks=args.weeks, every_days=args.every))
    print(f"HTML report: {html}")
    return count_prices(argparse.Namespace(by_store=True), config)


def register(commands: Commands) -> None:
    parser = commands.add_parser("demo", help="the main job: the simulator, crawls, analysis")
    parser.add_argument("--sample", action="store_true", help="only ingest the bundled sample")
    parser.add_argument("--weeks", type=int, default=4, help="simulated weeks to crawl")
    parser.add_argument("--every", type=int, default=3, help="days between crawls")
    parser.set_defaults(handler=demo)
