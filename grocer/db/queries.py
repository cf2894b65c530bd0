"""Read queries shared by the CLI, the report and tests (verb-named, composable)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from grocer.db.models import Company, CrawlRun, Price, Store


@dataclass(frozen=True)
class StorePriceCount:
    company: str
    store_id: str
    name: str | None
    rows: int


def count_prices(connection: Connection) -> int:
    """All price rows."""
    return int(connection.execute(select(func.count()).select_from(Price)).scalar_one())


def count_prices_by_company(connection: Connection) -> dict[str, int]:
    """Price rows per company slug (companies without rows count 0)."""
    counts = dict(
        connection.execute(
            select(Company.slug, func.count(Price.id))
            .select_from(Company)
            .outerjoin(Store, Store.company_id == Company.id)
            .outerjoin(Price, Price.store_id == Store.id)
            .group_by(Company.slug)
        ).all()
    )
    return {slug: int(n) for slug, n in sorted(counts.items())}


def count_prices_by_store(connection: Connection) -> list[StorePriceCount]:
    """Price rows per store that was ever observed, ordered by company and store."""
    observed = select(CrawlRun.store_id).where(CrawlRun.store_id.is_not(None))
    rows = connection.execute(
        select(Company.slug, Store.retailer_store_id, Store.name, func.count(Price.id))
        .select_from(Store)
        .join(Company, Company.id == Store.company_id)
        .outerjoin(Price, Price.store_id == Store.id)
        .where(Store.id.in_(observed))
        .group_by(Company.slug, Store.retailer_store_id, Store.name)
        .order_by(Company.slug, Store.retailer_store_id)
    )
    return [StorePriceCount(slug, sid, name, int(n)) for slug, sid, name, n in rows]
