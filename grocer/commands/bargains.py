"""``grocer analyze bargains [--as-of DATE]``: store the bargains and show the largest."""

from __future__ import annotations

import argparse
from datetime import date
from decimal import Decimal

from grocer.commands import Commands, open_database, subgroup
from grocer.config import Config


def analyze_bargains(args: argparse.Namespace, config: Config) -> int:
    from grocer.analysis.bargains import detect_bargains
    from grocer.analysis.export import company_filter
    from grocer.analysis.report_figures import stored_bargains

    engine = open_database(config)
    run = detect_bargains(
        engine,
        as_of=args.as_of,
        fresh_days=args.fresh_days,
        ratio=args.ratio,
        plausibility_cap=args.cap,
        company_ids=company_filter(args.company),
    )
    print(
        f"bargains as of {run.as_of}: {len(run.bargains)} bargains, {len(run.reviews)} for "
        f"review (discount over {args.cap:.0%}), {run.products_compared} products compared "
        f"across {run.zones} price zones (run {run.run_id})"
    )
    with engine.connect() as connection:
        for kind in ("bargain", "review"):
            for b in stored_bargains(connection, kind=kind, limit=args.top):
                label = "" if kind == "bargain" else "review "
                print(
                    f"  {label}{b.discount:.0%} {b.product[:50]}: ${b.cheap_price} at "
                    f"{b.cheap_company} {b.cheap_store} vs ${b.dear_price} at "
                    f"{b.dear_company} {b.dear_store}"
                )
    return 0


def register(commands: Commands) -> None:
    parser = subgroup(commands, "analyze", "analysis jobs").add_parser(
        "bargains", help="products much cheaper in one price zone than in another"
    )
    parser.add_argument(
        "--as-of", type=date.fromisoformat, default=date.today(), help="date (default today)"
    )
    parser.add_argument("--fresh-days", type=int, default=7, help="how old a price may be")
    parser.add_argument(
        "--ratio", type=Decimal, default=Decimal("1.5"), help="dearest > RATIO x cheapest"
    )
    parser.add_argument(
        "--cap", type=Decimal, default=Decimal("0.70"), help="larger discounts go to review"
    )
    parser.add_argument("--company", action="append", help="only this retailer (repeatable)")
    parser.add_argument("--top", type=int, default=10, help="bargains listed")
    parser.set_defaults(handler=analyze_bargains)
