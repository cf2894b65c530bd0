"""The ``grocer`` command; each sub-command lives in a module of :mod:`grocer.commands`."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from grocer.commands import Handler, command_modules
from grocer.config import load_config


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grocer",
        description="Grocery prices of Coles, Woolworths, Aldi and IGA: crawl, store, analyse.",
    )
    parser.add_argument("--dev", action="store_true", help="simulator targets and dev database")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in command_modules():
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if not args.verbose:  # APScheduler logs every run of every job at INFO
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    try:
        config = load_config(dev=True if args.dev else None)
    except ValueError as error:  # a setting in the environment that cannot be read
        print(f"error: {error}", file=sys.stderr)
        return 2
    handler: Handler = args.handler
    return handler(args, config)


if __name__ == "__main__":
    raise SystemExit(main())
