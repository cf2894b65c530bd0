"""The report's charts: a PNG of each top bargain's price history at its two stores."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Connection

from grocer.analysis.report_figures import BargainLine
from grocer.analysis.zones.resolver import store_history
from grocer.constants import COMPANY_NAMES

CHART_DAYS = 90  # history shown in a bargain's chart


def _history(
    connection: Connection, store_id: int, listing_id: int, since: date
) -> list[tuple[date, date, Decimal]]:
    return [
        (r.first_seen, r.last_seen, r.price)
        for r in store_history(connection, store_id, since=since)
        if r.listing_id == listing_id
    ]


def price_chart(connection: Connection, bargain: BargainLine, path: Path, *, as_of: date) -> Path:
    """A PNG step chart of the bargain's price history at its cheap and its dear store."""
    from matplotlib.dates import DateFormatter
    from matplotlib.figure import Figure

    since = as_of - timedelta(days=CHART_DAYS)
    figure = Figure(figsize=(7, 3), dpi=100)
    axes = figure.subplots()
    sides = [
        (bargain.cheap_store_id, bargain.cheap_listing_id, bargain.cheap_company,
         bargain.cheap_store, "tab:green"),
        (bargain.dear_store_id, bargain.dear_listing_id, bargain.dear_company,
         bargain.dear_store, "tab:red"),
    ]  # fmt: skip
    for store_id, listing_id, company, store, colour in sides:
        first = True
        for start, end, price in _history(connection, store_id, listing_id, since):
            if end > as_of:
                end = as_of
            if start > end:
                continue
            axes.hlines(
                float(price), start, end + timedelta(days=1), colors=colour, linewidth=2,
                label=f"{COMPANY_NAMES[company]} {store}" if first else None,
            )  # fmt: skip
            first = False
    axes.xaxis.set_major_formatter(DateFormatter("%Y-%m-%d"))
    left, right = axes.get_xlim()
    if right - left < 7:  # a few days of history: show a week, not hours
        axes.set_xlim(right - 7, right)
    axes.set_title(bargain.product[:70], fontsize=9, parse_math=False)  # "$" is text here
    axes.set_ylabel("price ($)")
    axes.set_ylim(bottom=0)
    if axes.get_legend_handles_labels()[0]:  # no history left to draw: no legend
        axes.legend(loc="best", fontsize=8)
    figure.autofmt_xdate()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
    return path


def with_charts(
    connection: Connection, bargains: list[BargainLine], chart_dir: Path, *, as_of: date
) -> list[BargainLine]:
    """``bargains``, each with its chart drawn into ``chart_dir`` (``bargain-<product>.png``)."""
    drawn = []
    for bargain in bargains:
        path = chart_dir / f"bargain-{bargain.product_id}.png"
        drawn.append(replace(bargain, chart=price_chart(connection, bargain, path, as_of=as_of)))
    return drawn
