"""``grocer db upgrade``: create or migrate the schema; ``grocer db rebuild-search``: index
every product for search again."""

from __future__ import annotations

import argparse

from grocer.commands import Commands, open_database, subgroup
from grocer.config import Config


def upgrade(args: argparse.Namespace, config: Config) -> int:
    from grocer.db.migrate import current_revision

    engine = open_database(config, migrate=True)
    print(f"schema at revision {current_revision(engine)}")
    return 0


def rebuild_search(args: argparse.Namespace, config: Config) -> int:
    from grocer.db.search import rebuild

    engine = open_database(config)
    with engine.begin() as connection:
        count = rebuild(connection)
    print(f"search index rebuilt: {count} products indexed")
    return 0


def register(commands: Commands) -> None:
    db = subgroup(commands, "db", "database schema")
    db.add_parser("upgrade", help="create or migrate the schema").set_defaults(handler=upgrade)
    db.add_parser(
        "rebuild-search", help="rebuild the product search index from the products"
    ).set_defaults(handler=rebuild_search)
