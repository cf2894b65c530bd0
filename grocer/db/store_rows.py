"""Store rows: upsert from store locators or the store master, and look-ups by retailer id."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from grocer.constants import COMPANY_LIST, DEFAULT_TIMEZONE, STATE_TIMEZONES
from grocer.db.models import Store

COMPANY_IDS: dict[str, int] = {slug: i for i, slug in enumerate(COMPANY_LIST, start=1)}
COMPANY_SLUGS: dict[int, str] = {i: slug for slug, i in COMPANY_IDS.items()}


def timezone_for_state(state: str | None) -> str:
    return STATE_TIMEZONES.get((state or "").upper(), DEFAULT_TIMEZONE)


@dataclass(frozen=True)
class StoreRow:
    """The columns of a store as a source describes it; None means "the source does not say"."""

    company: str
    retailer_store_id: str
    name: str | None = None
    banner: str | None = None
    address: str | None = None
    suburb: str | None = None
    state: str | None = None
    postcode: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    aux_id: str | None = None
    crawlable: bool = True
    not_crawlable_reason: str | None = None

    def values(self) -> dict[str, object]:
        state = self.state.upper() if self.state else None
        return {
            "company_id": COMPANY_IDS[self.company],
            "retailer_store_id": self.retailer_store_id,
            "name": self.name,
            "banner": self.banner,
            "address": self.address,
            "suburb": self.suburb,
            "state": state,
            "postcode": self.postcode,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "aux_id": self.aux_id,
            "timezone": timezone_for_state(state),
            "crawlable": self.crawlable,
            "not_crawlable_reason": self.not_crawlable_reason,
        }


_DESCRIPTIVE = (
    "name", "banner", "address", "suburb", "state", "postcode", "latitude", "longitude",
    "aux_id", "timezone", "crawlable", "not_crawlable_reason",
)  # fmt: skip


def upsert_stores(connection: Connection, rows: Iterable[StoreRow], chunk: int = 500) -> int:
    """Insert or update stores by (company, retailer store id); never overwrite with nulls."""
    dialect = connection.dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = Store.__table__
    batch: list[dict[str, object]] = []
    count = 0

    def flush() -> None:
        if not batch:
            return
        stmt = insert(table)
        updates = {
            col: func.coalesce(stmt.excluded[col], table.c[col])
            for col in _DESCRIPTIVE
            if col not in ("crawlable",)
        }
        updates["crawlable"] = stmt.excluded.crawlable
        connection.execute(
            stmt.on_conflict_do_update(
                index_elements=["company_id", "retailer_store_id"], set_=updates
            ),
            batch,
        )
        batch.clear()

    seen: set[tuple[str, str]] = set()
    for row in rows:
        key = (row.company, row.retailer_store_id)
        if key in seen:
            continue
        seen.add(key)
        batch.append(row.values())
        count += 1
        if len(batch) >= chunk:
            flush()
    flush()
    return count


def ensure_store(connection: Connection, row: StoreRow) -> int:
    """The id of a store, created from ``row`` when unknown (ingest of an unseen store)."""
    company_id = COMPANY_IDS[row.company]
    found = connection.execute(
        select(Store.id).where(
            Store.company_id == company_id, Store.retailer_store_id == row.retailer_store_id
        )
    ).scalar_one_or_none()
    if found is not None:
        return found
    upsert_stores(connection, [row])
    return connection.execute(
        select(Store.id).where(
            Store.company_id == company_id, Store.retailer_store_id == row.retailer_store_id
        )
    ).scalar_one()


def mark_crawled(connection: Connection, store_id: int, when: object) -> None:
    connection.execute(
        update(Store).where(Store.id == store_id).values(last_crawled_at=when, needs_rescrape=False)
    )


def company_id(slug: str) -> int:
    return COMPANY_IDS[slug]


@dataclass(frozen=True)
class StoreInfo:
    """What a crawl needs to know about its store."""

    id: int
    crawlable: bool
    not_crawlable_reason: str | None
    timezone: str
    aux_id: str | None
    name: str | None


def store_info(connection: Connection, company: str, retailer_store_id: str) -> StoreInfo | None:
    """The store's crawl facts, or None when the store is not in the database."""
    row = connection.execute(
        select(
            Store.id,
            Store.crawlable,
            Store.not_crawlable_reason,
            Store.timezone,
            Store.aux_id,
            Store.name,
        ).where(
            Store.company_id == COMPANY_IDS[company],
            Store.retailer_store_id == retailer_store_id,
        )
    ).one_or_none()
    return StoreInfo(*row) if row is not None else None
