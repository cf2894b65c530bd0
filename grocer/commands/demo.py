"""``grocer demo``: the main job shown in the README."""

from __future__ import annotations

import argparse
from pathlib import Path

from grocer.commands import Commands
from grocer.commands.ingest import ingest
from grocer.commands.prices import count_prices
from grocer.config import Config

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"


def demo(args: argparse.Namespace, config: Config) -> int:
    """Ingest the bundled corpus excerpt into the database and show the price counts."""
    samples = sorted(SAMPLES.glob("*.jsonl.gz"))
    print(f"ingesting {len(samples)} bundled sample snapshots from {SAMPLES}")
    status = ingest(argparse.Namespace(files=[str(p) for p in samples], batch_size=0), config)
    if status:
        return status
    return count_prices(argparse.Namespace(by_store=True), config)


def register(commands: Commands) -> None:
    parser = commands.add_parser("demo", help="the main job: load a real sample, show counts")
    parser.set_defaults(handler=demo)
