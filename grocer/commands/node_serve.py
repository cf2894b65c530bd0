"""``grocer node serve``: this checkout as a crawl node (Scrapyd; :mod:`grocer.node.serve`)."""

from __future__ import annotations

import argparse
import os
import sys

from grocer.commands import Commands, subgroup
from grocer.config import Config


def serve(args: argparse.Namespace, config: Config) -> int:
    from grocer.node import serve as node

    options = node.NodeOptions(
        port=args.port, slots=args.slots, bind=args.bind, source_address=args.source_address
    )
    problem = node.refusal(options, os.environ)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return node.EXIT_REFUSED
    folder = node.prepare_folder(options, config.data_dir)
    env = node.node_env(config, options)
    source = f", requests from {options.source_address}" if options.source_address else ""
    listening = f"grocer node listening on {options.url} ({options.slots} slots{source})"
    print(f"{listening}, folder {folder}", flush=True)
    return node.run_scrapyd(folder, env)


def register(commands: Commands) -> None:
    nodes = subgroup(commands, "node", "crawl nodes (Scrapyd)")
    parser = nodes.add_parser(
        "serve", help="run Scrapyd on this checkout's code ($GROCER_DATA_DIR/nodes/<port>/)"
    )
    parser.add_argument("--port", type=int, default=6800, help="HTTP port (default 6800)")
    parser.add_argument(
        "--slots", type=int, default=2, help="crawls at once (Scrapyd's max_proc, default 2)"
    )
    parser.add_argument(
        "--bind", default="127.0.0.1",
        help="listen address (default 127.0.0.1); beyond loopback needs SCRAPYD_USERNAME "
        "and SCRAPYD_PASSWORD",
    )  # fmt: skip
    parser.add_argument(
        "--source-address", default=None, metavar="ADDR",
        help="local address the crawls' requests leave from (GROCER_SOURCE_ADDRESS)",
    )  # fmt: skip
    parser.set_defaults(handler=serve)
