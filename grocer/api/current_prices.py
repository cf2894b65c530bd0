"""Each listing's best current price over stores, and the server's index of them.

A product list sorts by price, so it needs every candidate's current price at once; resolving
a million price intervals per request cannot answer in time.  :class:`CurrentPriceIndex` holds,
per listing, the best :class:`Offer` as of ``default_as_of()`` read under one
:class:`~grocer.api.cursors.Snapshot`, and builds itself again when the database's runs or
zones change (a run starts or finishes, a membership opens or ends).  It is never updated in
place: a list whose cursor names the index's snapshot reads the index, any other snapshot is
resolved from ``prices`` under its caps (:func:`listing_offers`).
"""

from __future__ import annotations

import gc
import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, select

from grocer.analysis.zones.resolver import ResolvedPrice, latest_prices
from grocer.api.cursors import Snapshot, current_snapshot
from grocer.db.models import Company, CrawlRun, GroupMembership, Listing, Store
from grocer.health.freshness import DEFAULT_AS_OF_QUERY, FRESH_DAYS_ENV, fresh_days
from grocer.normalize.unit_price import NO_UNIT, unit_class

SYNC_BUILD_SECONDS = 1.0  # builds quicker than this happen inside the request
STORES_PER_READ = 20  # stores resolved at once while building: bounds the rows in memory
logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Offer:
    """A listing's best current price: the lowest unit price (per kg or l, then per each) and
    the shelf price at that store; with no unit price anywhere, the lowest shelf price."""

    unit_class: int
    unit_price: Decimal | None
    unit: str | None
    price: Decimal

    @property
    def rank(self) -> tuple[int, Decimal, Decimal]:
        """Sort key: unit class, unit price (0 when none), shelf price."""
        return (self.unit_class, self.unit_price or Decimal(0), self.price)


def offer_of(price: ResolvedPrice) -> Offer:
    """The offer one resolved price makes."""
    if price.unit_price is None or price.unit is None:
        return Offer(NO_UNIT, None, None, price.price)
    return Offer(unit_class(price.unit), price.unit_price, price.unit, price.price)


def _keep_best(best: dict[int, Offer], prices: Iterable[ResolvedPrice], max_listing: int) -> None:
    for price in prices:
        if price.listing_id > max_listing:
            continue
        offer = offer_of(price)
        held = best.get(price.listing_id)
        if held is None or offer.rank < held.rank:
            best[price.listing_id] = offer


def _companies(connection: Connection) -> list[tuple[int, str]]:
    return [(row.id, row.slug) for row in connection.execute(select(Company.id, Company.slug))]


def _store_chunks(connection: Connection, company_id: int) -> Iterator[list[int]]:
    stmt = select(Store.id).where(Store.company_id == company_id).order_by(Store.id)
    stores = list(connection.execute(stmt).scalars())
    for start in range(0, len(stores), STORES_PER_READ):
        yield stores[start : start + STORES_PER_READ]


def listing_offers(
    connection: Connection,
    snapshot: Snapshot,
    environ: Mapping[str, str] | None = None,
    listing_ids: Sequence[int] | None = None,
) -> dict[int, Offer]:
    """Per listing, its best price over every store as of ``snapshot.as_of`` (each company's
    :func:`latest_prices` with its ``fresh_days``), reading only rows under the snapshot's caps.

    Raises:
        ValueError: a bad ``GROCER_FRESH_DAYS``.
    """
    best: dict[int, Offer] = {}
    if snapshot.as_of is None or (listing_ids is not None and not listing_ids):
        return best
    for company_id, slug in _companies(connection):
        days = fresh_days(slug, environ)
        if listing_ids is not None:
            prices = latest_prices(
                connection,
                snapshot.as_of,
                fresh_days=days,
                company_ids=[company_id],
                listing_ids=listing_ids,
                max_price_id=snapshot.prices,
            )
            _keep_best(best, prices, snapshot.listings)
            continue
        for stores in _store_chunks(connection, company_id):
            prices = latest_prices(
                connection,
                snapshot.as_of,
                fresh_days=days,
                store_ids=stores,
                max_price_id=snapshot.prices,
            )
            _keep_best(best, prices, snapshot.listings)
    return best


# What the index depends on besides price rows, read in one statement on every request:
# the default as-of date, runs (one starts or finishes), zone memberships (one opens or ends).
_PROBE = select(
    DEFAULT_AS_OF_QUERY.scalar_subquery(),
    select(func.max(CrawlRun.id)).scalar_subquery(),
    select(func.max(CrawlRun.finished_at)).scalar_subquery(),
    select(func.count()).select_from(GroupMembership).scalar_subquery(),
    select(func.max(GroupMembership.id)).scalar_subquery(),
    select(func.max(GroupMembership.valid_from)).scalar_subquery(),
    select(func.max(GroupMembership.valid_to)).scalar_subquery(),
)
_LISTINGS = select(Listing.id, Listing.product_id, Listing.company_id, Listing.category_id).where(
    Listing.id <= bindparam("max_listing"), Listing.product_id <= bindparam("max_product")
)


@dataclass(frozen=True, slots=True)
class ListedOffer:
    """One listing of a product as the index holds it: its company, category and best offer
    (None: no current price)."""

    listing_id: int
    company_id: int
    category_id: int | None
    offer: Offer | None

    @property
    def rank(self) -> tuple[Any, ...]:
        """A product's listings in this order, its best offer first: priced by
        :attr:`Offer.rank`, then unpriced; then by listing id."""
        if self.offer is None:
            return (1, (), self.listing_id)
        return (0, self.offer.rank, self.listing_id)


def _listed(
    connection: Connection, snapshot: Snapshot, offers: Mapping[int, Offer]
) -> dict[int, tuple[ListedOffer, ...]]:
    """Per product of the snapshot, its listings' offers, best first."""
    by_product: dict[int, list[ListedOffer]] = {}
    caps = {"max_listing": snapshot.listings, "max_product": snapshot.products}
    for listing, product, company, category in connection.execute(_LISTINGS, caps):
        entry = ListedOffer(listing, company, category, offers.get(listing))
        by_product.setdefault(product, []).append(entry)
    return {
        product: tuple(sorted(entries, key=lambda e: e.rank))
        for product, entries in by_product.items()
    }


@dataclass(frozen=True)
class IndexedOffers:
    """The index's offers and the snapshot they were read under: per listing, and per
    product its listings best first."""

    snapshot: Snapshot
    offers: dict[int, Offer]
    listed: dict[int, tuple[ListedOffer, ...]] = field(default_factory=dict)
    # sorted product lists of this snapshot, kept as first asked: (sort, company) -> keys
    orders: dict[Any, list[Any]] = field(default_factory=dict, compare=False, repr=False)


class CurrentPriceIndex:
    """Best current offer per listing as of ``default_as_of()``, built on demand and again
    whenever :data:`_PROBE`'s answer changes; safe to share between request threads.

    A build that took under :data:`SYNC_BUILD_SECONDS` is repeated inside the request that
    finds the index stale.  A longer one (a million price rows: about ten seconds) runs in a
    background thread on its own connection while requests keep reading the index held, whose
    snapshot (an earlier ``as_of`` and caps) they then answer at, until the new one is in.
    """

    def __init__(self, engine: Engine, environ: Mapping[str, str] | None = None) -> None:
        self._engine = engine
        self._environ = environ
        self._lock = threading.Lock()
        self._key: Any = None
        self._held: IndexedOffers | None = None
        self._build_seconds = 0.0
        self._building = False

    def _setting(self) -> Mapping[str, str]:
        return os.environ if self._environ is None else self._environ

    def _build(self, connection: Connection, as_of: date | None, key: Any) -> IndexedOffers:
        started = time.perf_counter()
        # One read transaction pins one state: the caps and the rows read agree.
        snapshot = current_snapshot(connection, as_of)
        offers = listing_offers(connection, snapshot, self._setting())
        held = IndexedOffers(snapshot, offers, _listed(connection, snapshot, offers))
        self._held, self._key = held, key
        # Hundreds of thousands of long-lived objects: moved out of the collector's reach, so
        # its full collections (triggered by requests' garbage) stop walking them (they made
        # the slowest searches 15 times slower).  Collected first, so no garbage cycle is
        # frozen; a replaced index is still freed by reference counting.
        gc.collect()
        gc.freeze()
        self._build_seconds = time.perf_counter() - started
        return held

    def _build_in_background(self, as_of: date | None, key: Any) -> None:
        try:
            with self._engine.connect() as connection:
                self._build(connection, as_of, key)
        except Exception:  # the next request tries again; the held index keeps answering
            logger.exception("building the current-price index failed")
        finally:
            self._building = False

    def get(self, connection: Connection) -> tuple[date | None, IndexedOffers]:
        """The database's ``default_as_of()`` and the offers as of it, built if stale (or,
        when building takes long, the held offers, of an earlier state, while a build runs).

        Raises:
            ValueError: a bad ``GROCER_FRESH_DAYS``.
        """
        probe = tuple(connection.execute(_PROBE).one())
        as_of = probe[0]
        key = (probe, self._setting().get(FRESH_DAYS_ENV))
        with self._lock:
            held = self._held
            if held is not None and self._key == key:
                return as_of, held
            if held is None or self._build_seconds < SYNC_BUILD_SECONDS:
                return as_of, self._build(connection, as_of, key)
            if not self._building:
                self._building = True
                threading.Thread(
                    target=self._build_in_background, args=(as_of, key),
                    name="current-price-index", daemon=True,
                ).start()  # fmt: skip
            return as_of, held

    @property
    def held(self) -> IndexedOffers | None:
        """The offers held now, if any (read once: a rebuild replaces the whole object)."""
        return self._held
