"""``grocer plan``: the stores due a crawl now; ``--report``: the crawl budget per retailer."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime

from grocer.commands import Commands, open_database
from grocer.config import Config


def plan_command(args: argparse.Namespace, config: Config) -> int:
    from grocer.scheduler.budget import crawl_budget, format_budget
    from grocer.scheduler.planner import plan
    from grocer.scheduler.state import store_states

    companies = [c.lower() for c in args.company or []]
    engine = open_database(config)
    with engine.connect() as connection:
        if args.report:
            for line in format_budget(crawl_budget(connection, companies=companies)):
                print(line)
            return 0
        now = datetime.now(UTC)
        today = date.fromisoformat(args.date) if args.date else now.date()
        states = store_states(connection, companies=companies or None, now=now)
        due = plan(states, today, now=now)
    print(f"due on {today}: {len(due)} stores")
    for order in due[: args.limit]:
        print(f"  {order.company:<10} {order.store_id:<9} {order.reason}")
    return 0


def register(commands: Commands) -> None:
    parser = commands.add_parser(
        "plan", help="stores due a crawl; --report: requests per day with and without zones"
    )
    parser.add_argument("--report", action="store_true", help="the crawl budget per retailer")
    parser.add_argument("--company", action="append", help="only this retailer (repeatable)")
    parser.add_argument("--date", help="plan as of this date (default today)")
    parser.add_argument("--limit", type=int, default=30, help="due stores listed")
    parser.set_defaults(handler=plan_command)
