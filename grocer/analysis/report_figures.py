"""The report's figures: what the database holds, its zones, bargains and illusory specials.

The figure types (one per table of the report), :class:`Report` holding them all, and the
queries that read them from the database as of the report date.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Connection, case, func, select
from sqlalchemy.orm import aliased

from grocer.analysis.specials import ILLUSORY, SpecialCheck, find_specials
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

CURRENT_DAYS = 3  # DESIGN §5: "current" is last seen within 3 days
FRESH_DAYS = 7  # and "fresh" within 7


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


def table_counts(connection: Connection) -> dict[str, int]:
    """Rows of the main tables: stores, products, listings and price rows."""

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


def illusory_specials(
    connection: Connection, as_of: date, limit: int
) -> tuple[Counter[str], list[IllusoryLine]]:
    """Every special's verdict counted, and the ``limit`` illusory ones overstating most."""
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
