"""``grocer status``: what ran, how the checks judged it, how fresh the prices are, whether the
daemon lives, what is due; ``--json`` the status object, ``--check`` exit 2 on a problem,
``--alert`` the operator alert pass (for cron).  The object is built in
:mod:`grocer.health.status`; this module only prints it."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from grocer.commands import Commands, open_database
from grocer.config import Config

if TYPE_CHECKING:
    from grocer.health.status import Status

CHECK_FAILED = 2


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def status(args: argparse.Namespace, config: Config) -> int:
    from grocer.health.status import build_status

    engine = open_database(config)
    try:
        with engine.connect() as connection:
            report = build_status(
                connection, as_of=args.as_of, limit=args.limit,
                require_daemon=args.require_daemon,
            )  # fmt: skip
            if not (args.json or args.check or args.alert):
                print_report(connection, report, args.limit)
        if args.alert:
            from grocer.health.alerts import run_pass

            print(run_pass(engine, as_of=args.as_of).summary(), file=sys.stderr)
    except ValueError as error:  # a bad GROCER_* setting
        print(f"error: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    elif args.check:
        for problem in report.problems:
            print(problem)
        if report.healthy:
            print(f"healthy (as of {report.as_of or 'no complete price run yet'})")
    return CHECK_FAILED if args.check and not report.healthy else 0


def print_report(connection: Connection, report: Status, limit: int) -> None:
    """Today's sections (runs, analyses, failures, what is due) and freshness per company."""
    from grocer.constants import FAILED, PARTIAL
    from grocer.db.models import AnalysisRun
    from grocer.scheduler.planner import plan
    from grocer.scheduler.state import store_states

    print(f"last {len(report.runs)} crawl runs:")
    for run in report.runs:
        failed = ", ".join(check.name for check in run.failed_checks)
        print(
            f"  #{run.id:<5} {run.spider:<15} {run.company or '?':<10} {run.store or '':<9} "
            f"{str(run.observed_on or ''):<10} {run.status:<11} {run.finish_reason or '':<15} "
            f"{run.items:>7}  {run.node or ''}" + (f"  failed checks: {failed}" if failed else "")
        )
    if report.nodes:
        print(f"{len(report.nodes)} crawl nodes:")
    for node in report.nodes:
        seen = f"{node.last_seen_at:%Y-%m-%d %H:%M:%S} UTC" if node.last_seen_at else "never"
        print(
            f"  {node.url:<30} {node.state:<9} slots {node.slots:>2}  running {node.running:>2}  "
            f"pending {node.pending:>2}  last seen {seen}"
        )
    analyses = connection.execute(
        select(AnalysisRun.kind, AnalysisRun.as_of, AnalysisRun.status, AnalysisRun.finished_at)
        .order_by(AnalysisRun.id.desc())
        .limit(limit)
    ).all()
    print(f"last {len(analyses)} analysis runs:")
    for kind, as_of, run_status, finished in analyses:
        print(f"  {kind:<10} as of {as_of}  {run_status:<8} {finished or ''}")
    failed_runs = [r for r in report.runs if r.status in (FAILED, PARTIAL)]
    failed_analyses = [a for a in analyses if a.status == "failed"]
    print(
        f"failed (of those shown): {len(failed_runs)} crawl runs, {len(failed_analyses)} analyses"
    )
    now = datetime.now(UTC)  # as grocer plan: the wall clock's day and re-crawl back-off
    due = plan(store_states(connection, now=now), now.date(), now=now)
    print(f"due now: {len(due)} stores")
    for order in due[:limit]:
        print(f"  {order.company:<10} {order.store_id:<9} {order.reason}")

    print(f"freshness as of {report.as_of or '- (no complete price run yet)'}:")
    for company, counts in report.companies.items():
        print(
            f"  {company:<10} fresh {counts['fresh']:>5}  stale {counts['stale']:>5}  "
            f"never {counts['never']:>5}"
        )
    for store in report.stale[:limit]:
        print(
            f"  stale: {store.company:<10} {store.store:<9} last price {store.last_price_on} "
            f"({store.age_days} days; limit {store.fresh_days})"
        )
    daemon = report.daemon
    if daemon.alive is None:
        print("daemon: no heartbeat ever")
    else:
        state = "alive" if daemon.alive else "NOT ALIVE"
        print(
            f"daemon: {state}, last heartbeat {daemon.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC "
            f"({daemon.age_seconds:.0f} s ago; limit {daemon.limit_seconds:g} s)"
        )
    for job in daemon.jobs:
        print(
            f"  {job.job:<14} next {job.next_run_at or '-'}  last {job.last_status or '-'}"
            + (
                f" ({job.consecutive_failures} failures in a row)"
                if job.consecutive_failures
                else ""
            )
        )
    print(f"problems: {len(report.problems) or 'none'}")
    for problem in report.problems[:limit]:
        print(f"  {problem}")


def register(commands: Commands) -> None:
    parser = commands.add_parser(
        "status", help="what ran, how fresh the prices are, problems (--check), alerts (--alert)"
    )
    parser.add_argument("--limit", type=int, default=20, help="runs (and lines) shown")
    parser.add_argument(
        "--as-of", type=_day, help="judge freshness on this day (default: the latest day of a "
        "complete price run)",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the status object as JSON")
    parser.add_argument(
        "--check", action="store_true", help="print the problems; exit 2 if there are any"
    )
    parser.add_argument(
        "--alert", action="store_true",
        help="run the alert pass (GROCER_ALERT_URLS), e.g. from cron",
    )  # fmt: skip
    parser.add_argument(
        "--require-daemon", action="store_true",
        help="a daemon that never sent a heartbeat is a problem",
    )  # fmt: skip
    parser.set_defaults(handler=status)
