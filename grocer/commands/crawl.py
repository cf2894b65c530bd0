"""``grocer crawl RETAILER [STORE ...] [--all] [--sample N]``: many stores' crawls in one process.

``scrapy crawl`` crawls one store; this runs the same spider for many stores through one Scrapy
process (see :mod:`grocer.crawl.batch`), e.g. sampled health checks of every crawlable store:
``grocer crawl aldi --all --sample 250``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from grocer.commands import Commands, open_database
from grocer.config import Config

RETAILERS = ("coles", "woolworths", "aldi", "iga")


def crawl(args: argparse.Namespace, config: Config) -> int:
    from sqlalchemy import select

    from grocer.crawl.batch import crawl_stores
    from grocer.db.models import Store
    from grocer.db.store_rows import COMPANY_IDS
    from grocer.progress import progress
    from grocer.retailers.store_records import canonical_store_id
    from grocer.scheduler.crawls import child_env

    company = args.retailer.lower()
    stores = [canonical_store_id(company, s) for s in args.stores]
    if args.all:
        engine = open_database(config)
        with engine.connect() as connection:
            stores += connection.scalars(
                select(Store.retailer_store_id)
                .where(Store.company_id == COMPANY_IDS[company], Store.crawlable.is_(True))
                .order_by(Store.retailer_store_id)
            ).all()
        engine.dispose()
    if not stores:
        print("no stores: name some, or --all for every crawlable store", file=sys.stderr)
        return 2
    os.environ.update(child_env(config))  # the crawls' configuration, as the daemon gives it
    for handler in logging.getLogger().handlers:  # Scrapy's loggers pass everything on
        handler.setLevel(args.log_level.upper())
    settings = {"LOG_LEVEL": args.log_level.upper()}
    for setting in args.setting or []:
        name, _, value = setting.partition("=")
        settings[name] = value
    spider_args = {"sample": args.sample} if args.sample else {}
    kind = f"sampled ({args.sample} listings)" if args.sample else "full"
    bar = progress(len(stores), f"{company} {kind} crawls", unit="store")
    result = crawl_stores(
        company,
        stores,
        spider_args=spider_args,
        parallel=args.parallel,
        settings=settings,
        on_done=lambda _store, _reason: bar.update(),
    )
    bar.close()
    print(f"{company}: {len(stores)} {kind} crawls")
    for reason, done in sorted(result.finished.items()):
        shown = ", ".join(done[:10]) + (" ..." if len(done) > 10 else "")
        print(f"  {reason:<16} {len(done):>6}  {shown if reason != 'finished' else ''}")
    return 0 if set(result.finished) <= {"finished"} else 1


def register(commands: Commands) -> None:
    parser = commands.add_parser("crawl", help="crawl many stores of a retailer in one process")
    parser.add_argument("retailer", choices=RETAILERS)
    parser.add_argument("stores", nargs="*", help="store ids (as for scrapy crawl -a store=)")
    parser.add_argument("--all", action="store_true", help="every crawlable store in the database")
    parser.add_argument("--sample", type=int, help="sampled crawls of about N listings each")
    parser.add_argument("--parallel", type=int, default=4, help="stores crawled at once")
    parser.add_argument("--log-level", default="WARNING", help="Scrapy log level")
    parser.add_argument("--setting", "-s", action="append", help="Scrapy setting NAME=VALUE")
    parser.set_defaults(handler=crawl)
