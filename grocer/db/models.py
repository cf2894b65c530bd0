"""SQLAlchemy 2.0 typed models for every table of grocer (DESIGN §5).

Money is ``Numeric(10, 2)`` and unit prices ``Numeric(12, 4)``, never float.  Price rows are a
change-only history: one row per run of equal price state, from ``first_seen`` to ``last_seen``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from grocer.constants import FULL_RUN, PENDING
from grocer.normalize.price_state import READ_FIELDS

# SQLite only auto-increments an INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")
Money = Numeric(10, 2)
UnitMoney = Numeric(12, 4)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Company(Base):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    slug: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(50))


class Store(Base):
    __tablename__ = "stores"
    __table_args__ = (UniqueConstraint("company_id", "retailer_store_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    retailer_store_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(String(200))
    banner: Mapped[str | None] = mapped_column(String(50))
    address: Mapped[str | None] = mapped_column(String(300))
    suburb: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(3))
    postcode: Mapped[str | None] = mapped_column(String(4))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    aux_id: Mapped[str | None] = mapped_column(String(32))
    timezone: Mapped[str] = mapped_column(String(40), default="Australia/Sydney")
    crawlable: Mapped[bool] = mapped_column(Boolean, default=True)
    not_crawlable_reason: Mapped[str | None] = mapped_column(String(200))
    last_crawled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    needs_rescrape: Mapped[bool] = mapped_column(Boolean, default=False)


class Brand(Base):
    __tablename__ = "brands"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    variations: Mapped[list[str]] = mapped_column(JSON, default=list)


class Category(Base):
    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("company_id", "path"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    path: Mapped[str] = mapped_column(String(500))  # " > "-joined, root first
    name: Mapped[str] = mapped_column(String(200))  # the leaf's name
    depth: Mapped[int] = mapped_column(SmallInteger)


class CategoryLink(Base):
    __tablename__ = "category_links"
    __table_args__ = (
        CheckConstraint("category_a < category_b", name="ordered"),
        CheckConstraint("kind IN ('MATCH', 'CLOSE', 'DISTANT')", name="kind"),
    )

    category_a: Mapped[int] = mapped_column(ForeignKey("categories.id"), primary_key=True)
    category_b: Mapped[int] = mapped_column(ForeignKey("categories.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    score: Mapped[float] = mapped_column(Float)


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    brand_id: Mapped[int | None] = mapped_column(ForeignKey("brands.id"), index=True)
    size_text: Mapped[str | None] = mapped_column(String(100))
    sizes: Mapped[str] = mapped_column(String(200), default="")  # canonical, space-joined
    matching_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    barcode: Mapped[str | None] = mapped_column(String(14), unique=True)
    barcode_checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Listing(Base):
    """A retailer's SKU for a product."""

    __tablename__ = "listings"
    __table_args__ = (UniqueConstraint("company_id", "sku"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    sku: Mapped[str] = mapped_column(String(64))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    url: Mapped[str | None] = mapped_column(String(1000))
    instore_code: Mapped[str | None] = mapped_column(String(14))  # variable-measure code
    label: Mapped[str | None] = mapped_column(String(200))  # the shelf label (Coles)


class Price(Base):
    """One run of equal price state of a listing at a store, ``first_seen`` to ``last_seen``."""

    __tablename__ = "prices"
    __table_args__ = (
        UniqueConstraint("store_id", "listing_id", "first_seen"),
        CheckConstraint("price >= 0", name="price_non_negative"),
        CheckConstraint("first_seen <= last_seen", name="interval"),
        Index("ix_prices_last_seen", "last_seen"),
        Index("ix_prices_listing", "listing_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"))
    price: Mapped[Decimal] = mapped_column(Money)
    was_price: Mapped[Decimal | None] = mapped_column(Money)
    unit_price: Mapped[Decimal | None] = mapped_column(UnitMoney)
    unit: Mapped[str | None] = mapped_column(String(4))
    unit_text: Mapped[str | None] = mapped_column(String(100))
    is_special: Mapped[bool] = mapped_column(Boolean, default=False)
    promo_text: Mapped[str | None] = mapped_column(String(200))
    multibuy_qty: Mapped[int | None] = mapped_column(Integer)
    multibuy_price: Mapped[Decimal | None] = mapped_column(Money)
    price_hash: Mapped[str] = mapped_column(String(32))
    first_seen: Mapped[date] = mapped_column(Date)
    last_seen: Mapped[date] = mapped_column(Date)


# What a price row says to readers (export, the zone resolver), in the order of their records.
PRICE_STATE = (
    *(getattr(Price, name) for name in READ_FIELDS),
    Price.first_seen,
    Price.last_seen,
)


class CrawlRun(Base):
    """A crawl of one store (or a store locator), or one ingested file: what was observed on
    which day, and how the run went (``status``, over its ``attempt``s)."""

    __tablename__ = "crawl_runs"
    __table_args__ = (
        Index("ix_crawl_runs_store_observed", "store_id", "observed_on"),
        Index("ix_crawl_runs_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spider: Mapped[str] = mapped_column(String(50))  # spider name, or "ingest"
    kind: Mapped[str] = mapped_column(String(10), default=FULL_RUN, server_default=FULL_RUN)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    observed_on: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(String(1000))  # file path or job directory
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finish_reason: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(12), default=PENDING, server_default=PENDING)
    attempt: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    node: Mapped[str | None] = mapped_column(String(200))  # "local" or a Scrapyd node URL
    host: Mapped[str | None] = mapped_column(String(200))  # hostname of the crawl process
    pid: Mapped[int | None] = mapped_column(Integer)
    args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # spider arguments
    items: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class RunCheck(Base):
    """The verdict of one check on a crawl run (replaced at each close of the run)."""

    __tablename__ = "run_checks"
    __table_args__ = (UniqueConstraint("run_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    passed: Mapped[bool] = mapped_column(Boolean)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)  # a number, a text or null
    threshold: Mapped[Any] = mapped_column(JSON, nullable=True)
    reason: Mapped[str | None] = mapped_column(String(500))


class CrawlLease(Base):
    """One crawl at a time per (spider, store): the run holding it and its heartbeat."""

    __tablename__ = "crawl_leases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)  # "<spider>:<store id or ->"
    spider: Mapped[str] = mapped_column(String(50))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id"))
    attempt: Mapped[int] = mapped_column(Integer)
    node: Mapped[str | None] = mapped_column(String(200))
    host: Mapped[str | None] = mapped_column(String(200))
    pid: Mapped[int | None] = mapped_column(Integer)
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    backend_pid: Mapped[int | None] = mapped_column(Integer)  # PostgreSQL: the lock session


class CrawlPage(Base):
    """A listing page whose items are committed: a restarted run skips it."""

    __tablename__ = "crawl_pages"

    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id"), primary_key=True)
    page: Mapped[str] = mapped_column(String(500), primary_key=True)


class Substitution(Base):
    __tablename__ = "substitutions"
    __table_args__ = (
        CheckConstraint("product_a < product_b", name="ordered"),
        CheckConstraint("level BETWEEN 1 AND 4", name="level"),
        Index("ix_substitutions_product_b", "product_b"),
    )

    product_a: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    product_b: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger)
    score: Mapped[float] = mapped_column(Float)


class ProductLink(Base):
    """Two products judged one without a shared barcode (``grocer analyze subs``)."""

    __tablename__ = "product_links"
    __table_args__ = (
        CheckConstraint("product_a < product_b", name="ordered"),
        Index("ix_product_links_product_b", "product_b"),
    )

    product_a: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    product_b: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    evidence: Mapped[str] = mapped_column(Text)  # JSON: each feature's value and weight


class Embedding(Base):
    __tablename__ = "embeddings"

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    model: Mapped[str] = mapped_column(String(100), primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(32), index=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class StoreGroup(Base):
    """A price zone of one company; its anchor's prices stand for every member."""

    __tablename__ = "store_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    anchor_store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class GroupMembership(Base):
    """An append-only period of a store's membership of a group (valid_to None: current)."""

    __tablename__ = "group_memberships"
    __table_args__ = (Index("ix_group_memberships_store", "store_id", "valid_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    group_id: Mapped[int] = mapped_column(ForeignKey("store_groups.id"), index=True)
    anchor_store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ComparisonCache(Base):
    __tablename__ = "comparison_cache"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str] = mapped_column(String(20))


class Bargain(Base):
    __tablename__ = "bargains"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    cheap_store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    cheap_price_id: Mapped[int] = mapped_column(ForeignKey("prices.id"), index=True)
    dear_store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    dear_price_id: Mapped[int] = mapped_column(ForeignKey("prices.id"), index=True)
    discount: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    kind: Mapped[str] = mapped_column(String(10), default="bargain")  # bargain | review
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AnalysisRun(Base):
    """One run of an analysis job (zones, substitutions, bargains) and its summary."""

    __tablename__ = "analysis_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    as_of: Mapped[date | None] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), default="running")
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Daemon(Base):
    """A running (or once running) scheduler daemon and its heartbeat."""

    __tablename__ = "daemons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    node: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DaemonJob(Base):
    """The daemon's schedule: when each job last ran, how, and when it runs next."""

    __tablename__ = "daemon_jobs"

    job: Mapped[str] = mapped_column(String(50), primary_key=True)
    next_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status: Mapped[str | None] = mapped_column(String(20))
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Alert(Base):
    """An operator alert: a condition (``key``, e.g. ``check:aldi:G102:item_count``) opened,
    sent, and cleared when it no longer holds (grocer/health/alerts.py)."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cleared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    message: Mapped[str] = mapped_column(Text)


class Watch(Base):
    """A shopper's price watch on a product (and the products linked to it): alert when a
    current price at a store in range drops to ``below``, or is a genuine special
    (grocer/shopper/watches.py)."""

    __tablename__ = "watches"
    __table_args__ = (
        CheckConstraint("below IS NULL OR below > 0", name="below_positive"),
        CheckConstraint("radius_km IS NULL OR radius_km > 0", name="radius_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    below: Mapped[Decimal | None] = mapped_column(Money)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    radius_km: Mapped[float | None] = mapped_column(Float)
    specials_only: Mapped[bool] = mapped_column(Boolean, default=False)
    url: Mapped[str | None] = mapped_column(String(1000))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    alert_open: Mapped[bool] = mapped_column(Boolean, default=False)
    last_alerted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CrawlNode(Base):
    """A Scrapyd node the daemon dispatches crawls to, as last seen (grocer/db/nodes.py)."""

    __tablename__ = "crawl_nodes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(200), unique=True)  # without credentials
    state: Mapped[str] = mapped_column(String(10))  # active, draining, lost, mismatch
    git_sha: Mapped[str | None] = mapped_column(String(100))
    schema_revision: Mapped[str | None] = mapped_column(String(32))
    slots: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    source_address: Mapped[str | None] = mapped_column(String(100))
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # set by an operator (grocer node drain), kept when the node is seen again
    drained: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


ALL_TABLES = [t.name for t in Base.metadata.sorted_tables]
