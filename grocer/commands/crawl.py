"""``grocer crawl RETAILER [STORE ...] [--all] [--sample N]``: many stores' crawls in one process.

``scrapy crawl`` crawls one store; this runs the same spider for many stores through one Scrapy
process (the local launcher's in-process batch, :mod:`grocer.crawl.launch`), each store a run
of its own, e.g. sampled health checks of every crawlable store:
``grocer crawl aldi --all --sample 250``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter

from grocer.commands import Commands, open_database
from grocer.config import Config

RETAILERS = ("coles", "woolworths", "aldi", "iga")


def crawl(args: argparse.Namespace, config: Config) -> int:
    from sqlalchemy import select

    from grocer.constants import COMPLETE
    from grocer.crawl.launch.local import LocalLauncher
    from grocer.db.models import CrawlRun, Store
    from grocer.db.store_rows import COMPANY_IDS
    from grocer.progress import progress

    company = args.retailer.lower()
    engine = open_database(config)
    stores = list(args.stores)
    if args.all:
        with engine.connect() as connection:
            stores += connection.scalars(
                select(Store.retailer_store_id)
                .where(Store.company_id == COMPANY_IDS[company], Store.crawlable.is_(True))
                .order_by(Store.retailer_store_id)
            ).all()
    if not stores:
        print("no stores: name some, or --all for every crawlable store", file=sys.stderr)
        return 2
    for handler in logging.getLogger().handlers:  # Scrapy's loggers pass everything on
        handler.setLevel(args.log_level.upper())
    settings = {"LOG_LEVEL": args.log_level.upper()}
    for setting in args.setting or []:
        name, _, value = setting.partition("=")
        settings[name] = value
    kind = f"sampled ({args.sample} listings)" if args.sample else "full"
    launcher = LocalLauncher(engine, config)
    try:
        with progress(len(stores), f"{company} {kind} crawls", unit="store") as bar:
            run_ids = launcher.start_here(
                company,
                stores,
                {"sample": args.sample} if args.sample else {},
                settings,
                parallel=args.parallel,
                on_done=lambda _run, _reason: bar.update(),
            )
    except ValueError as error:  # a store id the retailer cannot have
        print(f"error: {error}", file=sys.stderr)
        return 2
    with engine.connect() as connection:
        ended = connection.execute(
            select(CrawlRun.status, CrawlRun.finish_reason, Store.retailer_store_id)
            .join(Store, Store.id == CrawlRun.store_id)
            .where(CrawlRun.id.in_(run_ids))
        ).all()
    engine.dispose()
    print(f"{company}: {len(stores)} {kind} crawls")
    outcomes = Counter((status, reason or "") for status, reason, _ in ended)
    for (status, reason), count in sorted(outcomes.items()):
        named = [s for st, r, s in ended if (st, r or "") == (status, reason)]
        shown = "" if status == COMPLETE else ", ".join(named[:10]) + (" ..." * (count > 10))
        print(f"  {status:<11} {reason:<16} {count:>6}  {shown}")
    for store, why in launcher.refused.items():
        print(f"  {'refused':<11} {store}: {why}")
    return 0 if all(status == COMPLETE for status, _, _ in ended) and ended else 1


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
