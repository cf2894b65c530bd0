"""The report as text: the lines ``grocer report`` and the daemon print."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grocer.analysis.report_figures import Report


def report_lines(report: Report) -> Iterator[str]:
    """The report as text lines: totals, retailers, zones, bargains and illusory specials."""
    yield f"report as of {report.as_of}"
    yield "  " + ", ".join(f"{name}: {n}" for name, n in report.totals.items())
    yield (
        f"  {'company':<11} {'stores':>7} {'crawl':>6} {'seen':>5} {'current':>7} "
        f"{'fresh':>5} {'stale':>5} {'newest':>10} {'listings':>9} {'prices':>10}"
    )
    for c in report.companies:
        newest = c.newest.isoformat() if c.newest else "-"
        yield (
            f"  {c.company:<11} {c.stores:>7} {c.crawlable:>6} {c.observed:>5} "
            f"{c.current:>7} {c.fresh:>5} {c.stale:>5} {newest:>10} {c.listings:>9} "
            f"{c.price_rows:>10}"
        )
    yield "price zones:"
    if not any(z.zones for z in report.zones):
        yield "  none computed yet (grocer analyze zones)"
    for z in report.zones:
        if z.zones:
            yield (
                f"  {z.company:<11} {z.zones} zones, {z.stores_in_zones} stores, "
                f"largest {z.largest}"
            )
    yield f"top bargains ({len(report.bargains)} shown, {len(report.reviews)} for review):"
    if not report.bargains:
        yield "  none stored (grocer analyze bargains)"
    for b in report.bargains:
        yield (
            f"  {percent(b.discount):>4} {b.product[:48]:<48} "
            f"${b.cheap_price} at {b.cheap_company} {b.cheap_store} vs "
            f"${b.dear_price} at {b.dear_company} {b.dear_store}"
        )
    for b in report.reviews:
        yield (
            f"  review {percent(b.discount)} {b.product[:44]} "
            f"${b.cheap_price} ({b.cheap_company}) vs ${b.dear_price} ({b.dear_company}): "
            "likely different products"
        )
    verdicts = ", ".join(f"{v} {n}" for v, n in sorted(report.specials.items())) or "none"
    yield f"specials: {verdicts}; illusory discounts ({len(report.illusory)} shown):"
    for i in report.illusory:
        c = i.check
        yield (
            f"  {i.company} {i.store} {i.product[:40]}: ${c.price} 'was ${c.was_price}' "
            f"claims {percent(c.claimed_discount)}, usually ${c.most_common} "
            f"(real {percent(c.real_discount)})"
        )


def percent(value: Decimal | None) -> str:
    """A fraction as a whole percentage ("25%"), "-" when unknown."""
    return "-" if value is None else f"{round(value * 100)}%"
