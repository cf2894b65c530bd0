"""``grocer node drain URL`` / ``grocer node undrain URL``: a drained Scrapyd node gets no new
job (its running ones finish) until undrained; the mark is kept in ``crawl_nodes`` and
survives the daemon's refreshes.  A URL may carry credentials: they are neither stored nor
printed."""

from __future__ import annotations

import argparse
import sys

from grocer.commands import Commands, open_database, subgroup
from grocer.config import Config


def _drain(args: argparse.Namespace, config: Config, drained: bool) -> int:
    from grocer.db import nodes
    from grocer.db.transactions import in_transaction

    try:
        url = nodes.node_url_without_credentials(args.url)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    engine = open_database(config)
    state = in_transaction(engine, lambda c: nodes.set_drained(c, url, drained))
    with engine.connect() as connection:
        (node,) = nodes.list_nodes(connection, [url])
    what = "drained: no new job" if drained else "undrained: gets jobs again"
    print(f"node {url} {what} (state {state}; running {node.running}, pending {node.pending})")
    return 0


def drain(args: argparse.Namespace, config: Config) -> int:
    return _drain(args, config, True)


def undrain(args: argparse.Namespace, config: Config) -> int:
    return _drain(args, config, False)


def register(commands: Commands) -> None:
    group = subgroup(commands, "node", "crawl nodes (Scrapyd)")
    parser = group.add_parser("drain", help="give a node no new job; its running ones finish")
    parser.add_argument("url", help="the node's URL, e.g. http://host:6800")
    parser.set_defaults(handler=drain)
    parser = group.add_parser("undrain", help="give a drained node jobs again")
    parser.add_argument("url", help="the node's URL, e.g. http://host:6800")
    parser.set_defaults(handler=undrain)
