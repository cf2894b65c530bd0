"""``grocer daemon``: the scheduler (``grocer status``, in :mod:`grocer.commands.status`, shows
what it did)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime

from grocer.commands import Commands, open_database
from grocer.config import Config
from grocer.scheduler.jobs import JOBS


def parse_stores(text: str) -> list[tuple[str, str]]:
    """``aldi:G102,coles:COL:401`` -> [("aldi", "G102"), ("coles", "COL:401")]."""
    from grocer.retailers.store_records import canonical_store_id

    pairs = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        company, _, store = part.partition(":")
        pairs.append((company.lower(), canonical_store_id(company.lower(), store)))
    return pairs


def daemon(args: argparse.Namespace, config: Config) -> int:
    from grocer.crawl.launch.scrapyd import scrapyd_nodes
    from grocer.scheduler.analysis import analysis_jobs
    from grocer.scheduler.clock import ScaledClock
    from grocer.scheduler.daemon import Daemon, DaemonOptions
    from grocer.scheduler.planner import Policy

    jobs = [j.strip() for j in args.jobs.split(",") if j.strip()]
    unknown = sorted(set(jobs) - set(JOBS))
    if unknown:
        print(
            f"error: no such job: {', '.join(unknown)} (jobs: {', '.join(JOBS)})", file=sys.stderr
        )
        return 2

    if args.sample is not None and args.sample < 1:
        print(f"error: --sample must be at least 1, not {args.sample}", file=sys.stderr)
        return 2
    try:
        nodes = scrapyd_nodes()
    except ValueError as error:
        print(f"error: GROCER_SCRAPYD_NODES: {error}", file=sys.stderr)
        return 2
    engine = open_database(config)
    start = (
        datetime.combine(date.fromisoformat(args.start_date), datetime.min.time(), UTC)
        if args.start_date
        else None
    )
    options = DaemonOptions(
        companies=[c.lower() for c in args.company or []],
        stores=parse_stores(args.stores or ""),
        per_company=args.per_company,
        max_crawls=args.max_crawls,
        crawl_timeout=args.crawl_timeout,
        grace=args.grace,
        scrapy_args=[a for s in args.setting or [] for a in ("-s", s)],
        jobs=jobs,
        nodes=nodes,
        policy=Policy(sample_every_crawl=args.sample),
    )
    try:
        daemon = Daemon(
            config, engine, ScaledClock(args.time_scale, start), options, analysis_jobs()
        )
    except ValueError as error:  # Scrapyd nodes on SQLite, a secret among the settings
        print(f"error: {error}", file=sys.stderr)
        return 2
    daemon.run()
    return 0


def register(commands: Commands) -> None:
    parser = commands.add_parser(
        "daemon",
        help="plan and run crawls and analysis on a schedule (on the Scrapyd nodes of "
        "GROCER_SCRAPYD_NODES, if set)",
    )
    parser.add_argument("--time-scale", type=float, default=1.0, help="clock speed-up factor")
    parser.add_argument("--start-date", help="simulated start date with --time-scale")
    parser.add_argument("--company", action="append", help="only this retailer (repeatable)")
    parser.add_argument("--stores", help="only these stores, e.g. aldi:G102,coles:COL:401")
    parser.add_argument("--per-company", type=int, default=2, help="crawls at once per retailer")
    parser.add_argument("--max-crawls", type=int, default=4, help="crawls at once in all")
    parser.add_argument("--crawl-timeout", type=float, default=3 * 3600, help="seconds")
    parser.add_argument("--grace", type=float, default=60.0, help="seconds to let crawls finish")
    parser.add_argument("--setting", "-s", action="append", help="Scrapy setting for crawls")
    parser.add_argument(
        "--sample", type=int, metavar="N", help="every crawl a sample of N listings (a quick look)"
    )
    parser.add_argument(
        "--jobs", default=",".join(JOBS), help=f"the jobs to run (default: {','.join(JOBS)})"
    )
    parser.set_defaults(handler=daemon)
