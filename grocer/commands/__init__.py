"""Sub-commands of ``grocer``: each module here has ``register(commands)`` adding its own.

``grocer/cli.py`` discovers the modules, so a new command is a new module.  Commands that share
a parent (``grocer analyze zones``, ``grocer analyze subs``) get it from :func:`subgroup`.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

from sqlalchemy import Engine

from grocer.config import Config

Handler = Callable[[argparse.Namespace, Config], int]
Commands = Any  # argparse's private _SubParsersAction


def open_database(config: Config, *, migrate: bool = False) -> Engine:
    """The database engine at this checkout's schema; prints which database every command
    uses.  SQLite is upgraded on the way; PostgreSQL only with ``migrate`` (``grocer db
    upgrade``), else a database at another revision ends the command (exit code 2)."""
    from grocer.db.engine import display_url
    from grocer.db.migrate import SchemaMismatch, open_current, upgrade

    print(f"database: {display_url(config.database_url)}", file=sys.stderr)
    if migrate:
        return upgrade(config.database_url)
    try:
        return open_current(config.database_url)
    except SchemaMismatch as mismatch:
        print(f"error: {mismatch}", file=sys.stderr)
        raise SystemExit(2) from None


def subgroup(commands: Commands, name: str, help: str) -> Commands:
    """The sub-commands of a shared parent command, created on first use."""
    groups: dict[str, Commands] = commands.__dict__.setdefault("_grocer_groups", {})
    if name not in groups:
        parent = commands.add_parser(name, help=help)
        groups[name] = parent.add_subparsers(
            dest=f"{name}_command", required=True, metavar="ACTION"
        )
    return groups[name]


def command_modules() -> list[ModuleType]:
    """Every module of this package, in name order."""
    return [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name)
    ]
