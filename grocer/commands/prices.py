"""``grocer count-prices [--by-store]``: price rows in total, per company and per store."""

from __future__ import annotations

import argparse

from grocer.commands import Commands, open_database
from grocer.config import Config


def count_prices(args: argparse.Namespace, config: Config) -> int:
    from grocer.db import queries

    engine = open_database(config)
    with engine.connect() as connection:
        print(f"price rows: {queries.count_prices(connection)}")
        for company, count in queries.count_prices_by_company(connection).items():
            print(f"  {company:<11} {count:>10}")
        if args.by_store:
            print(f"{'company':<11} {'store':<10} {'name':<40} {'rows':>10}")
            for row in queries.count_prices_by_store(connection):
                name = (row.name or "")[:40]
                print(f"{row.company:<11} {row.store_id:<10} {name:<40} {row.rows:>10}")
    return 0


def register(commands: Commands) -> None:
    parser = commands.add_parser("count-prices", help="price rows in total and per company")
    parser.add_argument("--by-store", action="store_true", help="also per observed store")
    parser.set_defaults(handler=count_prices)
