"""``grocer db upgrade``: create or migrate the schema."""

from __future__ import annotations

import argparse

from grocer.commands import Commands, open_database, subgroup
from grocer.config import Config


def upgrade(args: argparse.Namespace, config: Config) -> int:
    from grocer.db.migrate import current_revision

    engine = open_database(config, migrate=True)
    print(f"schema at revision {current_revision(engine)}")
    return 0


def register(commands: Commands) -> None:
    db = subgroup(commands, "db", "database schema")
    db.add_parser("upgrade", help="create or migrate the schema").set_defaults(handler=upgrade)
