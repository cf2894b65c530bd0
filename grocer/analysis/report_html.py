"""The report as one HTML page: its tables, and the charts linked beside them."""

from __future__ import annotations

import html
from pathlib import Path

from grocer.analysis.report_figures import BargainLine, Report
from grocer.analysis.report_text import percent
from grocer.constants import COMPANY_NAMES


def _table(headers: list[str], rows: list[list[str]]) -> str:
    """An HTML table; ``rows`` hold escaped HTML already."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(report: Report, html_dir: Path) -> str:
    """The report as one HTML page; charts are linked relative to ``html_dir``."""
    e = html.escape
    companies = _table(
        ["company", "stores", "crawlable", "observed", "current", "fresh", "stale", "newest",
         "listings", "price rows"],
        [
            [e(COMPANY_NAMES[c.company]), str(c.stores), str(c.crawlable), str(c.observed),
             str(c.current), str(c.fresh), str(c.stale), e(str(c.newest or "-")),
             str(c.listings), str(c.price_rows)]
            for c in report.companies
        ],
    )  # fmt: skip
    zones = _table(
        ["company", "zones", "stores in zones", "largest zone"],
        [
            [e(COMPANY_NAMES[z.company]), str(z.zones), str(z.stores_in_zones), str(z.largest)]
            for z in report.zones
        ],
    )

    def bargain_rows(lines: list[BargainLine]) -> list[list[str]]:
        return [
            [e(b.product), e(b.barcode or "-"), percent(b.discount),
             f"${b.cheap_price} &middot; {e(COMPANY_NAMES[b.cheap_company])} {e(b.cheap_store)}",
             f"${b.dear_price} &middot; {e(COMPANY_NAMES[b.dear_company])} {e(b.dear_store)}"]
            for b in lines
        ]  # fmt: skip

    headers = ["product", "barcode", "discount", "cheapest", "dearest"]
    charts = "".join(
        f'<figure><img src="{e(b.chart.relative_to(html_dir).as_posix())}" '
        f'alt="price history of {e(b.product)}"><figcaption>{e(b.product)}</figcaption></figure>'
        for b in report.bargains
        if b.chart is not None
    )
    illusory = _table(
        ["store", "product", "price", "was", "usually", "lowest", "claimed", "real", "days"],
        [
            [f"{e(COMPANY_NAMES[i.company])} {e(i.store)}", e(i.product), f"${i.check.price}",
             f"${i.check.was_price}", f"${i.check.most_common}", f"${i.check.lowest}",
             percent(i.check.claimed_discount), percent(i.check.real_discount),
             str(i.check.history_days)]
            for i in report.illusory
        ],
    )  # fmt: skip
    totals = ", ".join(f"{e(k)}: {v}" for k, v in report.totals.items())
    verdicts = ", ".join(f"{e(v)}: {n}" for v, n in sorted(report.specials.items())) or "none"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>grocer report {report.as_of}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }} table {{ border-collapse: collapse; }}
td, th {{ border: 1px solid #ccc; padding: 2px 8px; text-align: left; }}
figure {{ display: inline-block; margin: 1em; }}
</style></head><body>
<h1>grocer report, as of {report.as_of}</h1>
<p>{totals}</p>
<h2>Retailers</h2>{companies}
<h2>Price zones</h2>{zones}
<h2>Top bargains</h2>{_table(headers, bargain_rows(report.bargains))}
<h2>For review (discount above the plausibility cap)</h2>
{_table(headers, bargain_rows(report.reviews))}
<h2>Price history of the top bargains</h2>{charts or "<p>no bargains stored</p>"}
<h2>Illusory discounts</h2><p>specials: {verdicts}</p>{illusory}
</body></html>
"""
