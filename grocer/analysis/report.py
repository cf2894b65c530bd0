"""The report: what the database holds, its price zones, the bargains and illusory specials.

:func:`build_report` gathers the figures, writes an HTML page with a price-history chart (PNG,
matplotlib) for each top bargain, and records the run in ``analysis_runs`` (kind "report").
``grocer report`` prints :meth:`Report.lines` and the HTML path.
"""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Connection, Engine, case, func, select
from sqlalchemy.orm import aliased

from grocer.analysis.runs import fail_run, finish_run, open_run
from grocer.analysis.specials import ILLUSORY, SpecialCheck, find_specials
from grocer.analysis.zones.resolver import store_history
from grocer.constants import COMPANY_NAMES
from grocer.db.models import (
    Bargain,
    CrawlRun,
    GroupMembership,
    Listing,
    Price,
    Product,
    Store,
    StoreGroup,
)
from grocer.db.store_rows import COMPANY_SLUGS

RUN_KIND = "report"
CURRENT_DAYS = 3  # DESIGN §5: "current" is last seen within 3 days
FRESH_DAYS = 7  # and "fresh" within 7
CHART_DAYS = 90  # history shown in a bargain's chart


@dataclass(frozen=True)
class CompanyFigures:
    """Counts and freshness of one retailer."""

    company: str
    stores: int
    crawlable: int
    observed: int  # stores with at least one observation (crawl or ingest)
    current: int  # stores last observed within 3 days of the report date
    fresh: int  # ... within 7 days
    newest: date | None  # the newest observation date
    listings: int
    price_rows: int

    @property
    def stale(self) -> int:
        """Observed stores not observed within 7 days."""
        return self.observed - self.fresh


@dataclass(frozen=True)
class ZoneFigures:
    """The price zones of one retailer on the report date."""

    company: str
    zones: int
    stores_in_zones: int
    largest: int  # stores in the largest zone


@dataclass(frozen=True)
class BargainLine:
    """A stored bargain with its product, both stores and both price rows."""

    product_id: int
    product: str
    barcode: str | None
    kind: str
    discount: Decimal
    cheap_company: str
    cheap_store: str
    cheap_store_id: int
    cheap_listing_id: int
    cheap_price: Decimal
    cheap_last_seen: date
    dear_company: str
    dear_store: str
    dear_store_id: int
    dear_listing_id: int
    dear_price: Decimal
    dear_last_seen: date
    computed_at: datetime
    chart: Path | None = None


@dataclass(frozen=True)
class IllusoryLine:
    """A special whose was-price is above the most common recent price."""

    company: str
    store: str
    sku: str
    product: str
    check: SpecialCheck


@dataclass
class Report:
    """Everything ``grocer report`` shows."""

    as_of: date
    run_id: int = 0
    totals: dict[str, int] = field(default_factory=dict)
    companies: list[CompanyFigures] = field(default_factory=list)
    zones: list[ZoneFigures] = field(default_factory=list)
    bargains: list[BargainLine] = field(default_factory=list)
    reviews: list[BargainLine] = field(default_factory=list)
    specials: Counter[str] = field(default_factory=Counter)
    illusory: list[IllusoryLine] = field(default_factory=list)
    html_path: Path | None = None

    def lines(self) -> Iterator[str]:
        """The report as text lines."""
        yield f"report as of {self.as_of}"
        yield "  " + ", ".join(f"{name}: {n}" for name, n in self.totals.items())
        yield (
            f"  {'company':<11} {'stores':>7} {'crawl':>6} {'seen':>5} {'current':>7} "
            f"{'fresh':>5} {'stale':>5} {'newest':>10} {'listings':>9} {'prices':>10}"
        )
        for c in self.companies:
            newest = c.newest.isoformat() if c.newest else "-"
            yield (
                f"  {c.company:<11} {c.stores:>7} {c.crawlable:>6} {c.observed:>5} "
                f"{c.current:>7} {c.fresh:>5} {c.stale:>5} {newest:>10} {c.listings:>9} "
                f"{c.price_rows:>10}"
            )
        yield "price zones:"
        if not any(z.zones for z in self.zones):
            yield "  none computed yet (grocer analyze zones)"
        for z in self.zones:
            if z.zones:
                yield (
                    f"  {z.company:<11} {z.zones} zones, {z.stores_in_zones} stores, "
                    f"largest {z.largest}"
                )
        yield f"top bargains ({len(self.bargains)} shown, {len(self.reviews)} for review):"
        if not self.bargains:
            yield "  none stored (grocer analyze bargains)"
        for b in self.bargains:
            yield (
                f"  {_percent(b.discount):>4} {b.product[:48]:<48} "
                f"${b.cheap_price} at {b.cheap_company} {b.cheap_store} vs "
                f"${b.dear_price} at {b.dear_company} {b.dear_store}"
            )
        for b in self.reviews:
            yield (
                f"  review {_percent(b.discount)} {b.product[:44]} "
                f"${b.cheap_price} ({b.cheap_company}) vs ${b.dear_price} ({b.dear_company}): "
                "likely different products"
            )
        verdicts = ", ".join(f"{v} {n}" for v, n in sorted(self.specials.items())) or "none"
        yield f"specials: {verdicts}; illusory discounts ({len(self.illusory)} shown):"
        for i in self.illusory:
            c = i.check
            yield (
                f"  {i.company} {i.store} {i.product[:40]}: ${c.price} 'was ${c.was_price}' "
                f"claims {_percent(c.claimed_discount)}, usually ${c.most_common} "
                f"(real {_percent(c.real_discount)})"
            )


def _percent(value: Decimal | None) -> str:
    return "-" if value is None else f"{round(value * 100)}%"


# ----------------------------------------------------------------------------- figures


def _totals(connection: Connection) -> dict[str, int]:
    def count(column: object) -> int:
        return int(connection.execute(select(func.count(column))).scalar_one())

    return {
        "stores": count(Store.id),
        "products": count(Product.id),
        "listings": count(Listing.id),
        "price rows": count(Price.id),
    }


def company_figures(connection: Connection, as_of: date) -> list[CompanyFigures]:
    """Counts and freshness per retailer, freshness from the days each store was observed."""
    stores: dict[int, list[int]] = {
        cid: [int(n), int(crawlable or 0)]
        for cid, n, crawlable in connection.execute(
            select(
                Store.company_id,
                func.count(Store.id),
                func.sum(case((Store.crawlable, 1), else_=0)),
            ).group_by(Store.company_id)
        )
    }
    listings = dict(
        connection.execute(
            select(Listing.company_id, func.count(Listing.id)).group_by(Listing.company_id)
        ).all()
    )
    rows = dict(
        connection.execute(
            select(Store.company_id, func.count(Price.id))
            .join(Store, Store.id == Price.store_id)
            .group_by(Store.company_id)
        ).all()
    )
    # The newest observation of each store: its crawls and ingests record the observed day.
    newest_per_store = (
        select(CrawlRun.store_id, func.max(CrawlRun.observed_on).label("newest"))
        .where(CrawlRun.store_id.is_not(None), CrawlRun.observed_on <= as_of)
        .group_by(CrawlRun.store_id)
        .subquery()
    )
    seen: dict[int, list[date]] = defaultdict(list)
    for company_id, newest in connection.execute(
        select(Store.company_id, newest_per_store.c.newest).join(
            newest_per_store, newest_per_store.c.store_id == Store.id
        )
    ):
        seen[company_id].append(newest)
    figures = []
    for company_id, slug in sorted(COMPANY_SLUGS.items()):
        days = seen.get(company_id, [])
        total, crawlable = stores.get(company_id, [0, 0])
        figures.append(
            CompanyFigures(
                company=slug,
                stores=total,
                crawlable=crawlable,
                observed=len(days),
                current=sum(d >= as_of - timedelta(days=CURRENT_DAYS) for d in days),
                fresh=sum(d >= as_of - timedelta(days=FRESH_DAYS) for d in days),
                newest=max(days) if days else None,
                listings=int(listings.get(company_id, 0)),
                price_rows=int(rows.get(company_id, 0)),
            )
        )
    return figures


def zone_figures(connection: Connection, as_of: date) -> list[ZoneFigures]:
    """Zones per retailer from ``store_groups`` / ``group_memberships`` (none is fine)."""
    sizes: dict[int, Counter[int]] = defaultdict(Counter)
    for company_id, group_id in connection.execute(
        select(StoreGroup.company_id, GroupMembership.group_id)
        .join(StoreGroup, StoreGroup.id == GroupMembership.group_id)
        # The membership period in force on the report date.
        .where(GroupMembership.valid_from <= as_of)
        .where((GroupMembership.valid_to.is_(None)) | (GroupMembership.valid_to > as_of))
    ):
        sizes[company_id][group_id] += 1
    out = []
    for company_id, slug in sorted(COMPANY_SLUGS.items()):
        groups = sizes.get(company_id, Counter())
        out.append(
            ZoneFigures(
                company=slug,
                zones=len(groups),
                stores_in_zones=sum(groups.values()),
                largest=max(groups.values(), default=0),
            )
        )
    return out


def stored_bargains(connection: Connection, *, kind: str, limit: int) -> list[BargainLine]:
    """The stored bargains of ``kind``, largest discount first, with both sides."""
    cheap_store, dear_store = aliased(Store), aliased(Store)
    cheap_price, dear_price = aliased(Price), aliased(Price)
    statement = (
        select(
            Bargain.product_id,
            Product.name,
            Product.barcode,
            Bargain.kind,
            Bargain.discount,
            cheap_store.company_id,
            cheap_store.retailer_store_id,
            cheap_store.id,
            cheap_price.listing_id,
            cheap_price.price,
            cheap_price.last_seen,
            dear_store.company_id,
            dear_store.retailer_store_id,
            dear_store.id,
            dear_price.listing_id,
            dear_price.price,
            dear_price.last_seen,
            Bargain.computed_at,
        )  # fmt: skip
        .join(Product, Product.id == Bargain.product_id)
        .join(cheap_store, cheap_store.id == Bargain.cheap_store_id)
        .join(dear_store, dear_store.id == Bargain.dear_store_id)
        .join(cheap_price, cheap_price.id == Bargain.cheap_price_id)
        .join(dear_price, dear_price.id == Bargain.dear_price_id)
        .where(Bargain.kind == kind)
        .order_by(Bargain.discount.desc(), Bargain.product_id)
        .limit(limit)
    )
    lines = []
    for row in connection.execute(statement):
        values = list(row)
        values[5] = COMPANY_SLUGS[values[5]]
        values[11] = COMPANY_SLUGS[values[11]]
        lines.append(BargainLine(*values))
    return lines


def _illusory(
    connection: Connection, as_of: date, limit: int
) -> tuple[Counter[str], list[IllusoryLine]]:
    checks = find_specials(connection, as_of=as_of)
    verdicts = Counter(c.verdict for c in checks)
    worst = sorted(
        (c for c in checks if c.verdict == ILLUSORY),
        key=lambda c: (-(c.claimed_discount - (c.real_discount or 0)), c.store_id, c.listing_id),
    )[:limit]
    lines = []
    for check in worst:
        company_id, store, sku, name = connection.execute(
            select(Store.company_id, Store.retailer_store_id, Listing.sku, Product.name)
            .select_from(Listing)
            .join(Product, Product.id == Listing.product_id)
            .join(Store, Store.id == check.store_id)
            .where(Listing.id == check.listing_id)
        ).one()
        lines.append(IllusoryLine(COMPANY_SLUGS[company_id], store, sku, name, check))
    return verdicts, lines


# ----------------------------------------------------------------------------- charts + HTML


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
    axes.set_title(bargain.product[:70], fontsize=9)
    axes.set_ylabel("price ($)")
    axes.set_ylim(bottom=0)
    axes.legend(loc="best", fontsize=8)
    figure.autofmt_xdate()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
    return path


def _table(headers: list[str], rows: list[list[str]]) -> str:
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
            [e(b.product), e(b.barcode or "-"), _percent(b.discount),
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
             _percent(i.check.claimed_discount), _percent(i.check.real_discount),
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


def build_report(
    engine: Engine,
    *,
    as_of: date,
    out_dir: Path,
    top: int = 10,
    illusory_limit: int = 20,
    charts: bool = True,
) -> Report:
    """Gather the report's figures, write its HTML (and charts) and record the run.

    Args:
        engine: the database.
        as_of: the date freshness, zones and specials are judged on.
        out_dir: where ``report-<as_of>.html`` and ``charts/`` are written.
        top: bargains shown (and charted), and reviews shown.
        illusory_limit: illusory specials shown (largest overstatement first).
        charts: draw the price-history charts.

    Returns:
        The :class:`Report`; ``html_path`` is the page written.

    Examples:
        >>> report = build_report(engine, as_of=date.today(), out_dir=Path("out"))  # doctest: +SKIP
        >>> print("\\n".join(report.lines()))  # doctest: +SKIP
    """
    report = Report(as_of=as_of)
    report.run_id = open_run(engine, RUN_KIND, as_of=as_of)
    try:
        _gather(
            engine, report, out_dir=out_dir, top=top, illusory_limit=illusory_limit, charts=charts
        )
    except BaseException:
        fail_run(engine, report.run_id)
        raise
    finish_run(engine, report.run_id, {
        **report.totals,
        "bargains": len(report.bargains),
        "reviews": len(report.reviews),
        "illusory": report.specials[ILLUSORY],
        "html": str(report.html_path),
    })  # fmt: skip
    return report


def _gather(
    engine: Engine, report: Report, *, out_dir: Path, top: int, illusory_limit: int, charts: bool
) -> None:
    """Fill ``report`` from the database and write its HTML page (and charts)."""
    as_of = report.as_of
    with engine.connect() as connection:
        report.totals = _totals(connection)
        report.companies = company_figures(connection, as_of)
        report.zones = zone_figures(connection, as_of)
        report.bargains = stored_bargains(connection, kind="bargain", limit=top)
        report.reviews = stored_bargains(connection, kind="review", limit=top)
        report.specials, report.illusory = _illusory(connection, as_of, illusory_limit)
        if charts:
            chart_dir = out_dir / "charts"
            report.bargains = [
                _with_chart(b, price_chart(connection, b, _chart_path(chart_dir, b), as_of=as_of))
                for b in report.bargains
            ]
    out_dir.mkdir(parents=True, exist_ok=True)
    report.html_path = out_dir / f"report-{as_of.isoformat()}.html"
    report.html_path.write_text(render_html(report, out_dir), encoding="utf-8")


def _chart_path(chart_dir: Path, bargain: BargainLine) -> Path:
    return chart_dir / f"bargain-{bargain.product_id}.png"


def _with_chart(bargain: BargainLine, chart: Path) -> BargainLine:
    return replace(bargain, chart=chart)
