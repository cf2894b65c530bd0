"""Batched, transactional writer of price observations: one code path for crawls and ingest.

Each :meth:`PriceWriter.write` call is one transaction: products, listings, categories and
brands are matched or created in bulk (barcode -> (company, sku) -> matching key -> new), price
intervals are extended, split or opened (see :mod:`grocer.db.intervals`), and the listing pages
the batch completes are marked done, so a crash loses nothing committed and never half a page.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, bindparam, exc, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from grocer.db.bulk import insert_returning_ids, insert_rows
from grocer.db.engine import is_busy_error
from grocer.db.intervals import Span, SpanChanges, diff, place
from grocer.db.merge import merge_products
from grocer.db.models import (
    FULL_RUN,
    Brand,
    Category,
    CrawlPage,
    CrawlRun,
    Listing,
    Price,
    Product,
)
from grocer.db.store_rows import COMPANY_IDS, StoreRow, ensure_store, mark_crawled
from grocer.normalize.product import Observation

logger = logging.getLogger(__name__)

IN_CHUNK = 500  # bound parameters per IN (...) list; SQLite allows 32766, PostgreSQL 65535
BUSY_RETRIES = 8
T = TypeVar("T")


# Statements built once: expanding IN parameters keep SQLAlchemy from rebuilding and
# re-keying a statement for every batch.
_LISTINGS_OF_COMPANY = (
    select(
        Listing.sku,
        Listing.id,
        Listing.product_id,
        Listing.category_id,
        Listing.url,
        Product.barcode,
    )
    .join(Product, Product.id == Listing.product_id)
    .where(Listing.company_id == bindparam("company_id"))
)
_LISTINGS_BY_SKU = _LISTINGS_OF_COMPANY.where(Listing.sku.in_(bindparam("skus", expanding=True)))
_PRODUCTS_BY_BARCODE = select(Product.id, Product.barcode, Product.matching_key).where(
    Product.barcode.in_(bindparam("values", expanding=True))
)
_PRODUCTS_BY_KEY = select(Product.id, Product.barcode, Product.matching_key).where(
    Product.matching_key.in_(bindparam("values", expanding=True))
)
_SPANS = select(
    Price.id, Price.listing_id, Price.first_seen, Price.last_seen, Price.price_hash
).where(
    Price.store_id == bindparam("store_id"),
    Price.listing_id.in_(bindparam("listing_ids", expanding=True)),
)


@dataclass
class WriteStats:
    """Counters of what the writer did, reported at the end of a crawl or ingest."""

    observations: int = 0
    products_created: int = 0
    listings_created: int = 0
    prices_inserted: int = 0
    prices_extended: int = 0
    prices_rewritten: int = 0
    prices_deleted: int = 0
    barcodes_set: int = 0
    barcode_conflicts: int = 0
    merges: int = 0
    pages_done: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass(slots=True)
class _ListingInfo:
    id: int
    product_id: int
    category_id: int | None
    url: str | None


@dataclass
class _Caches:
    stores: dict[tuple[str, str], int] = field(default_factory=dict)
    store_days: dict[int, list[date]] = field(default_factory=dict)
    store_has_prices: dict[int, bool] = field(default_factory=dict)
    categories: dict[tuple[int, str], int] = field(default_factory=dict)
    brands: dict[str, int] = field(default_factory=dict)
    listings: dict[tuple[int, str], _ListingInfo] = field(default_factory=dict)
    # companies whose every listing is in ``listings``: a sku missing there is new
    complete_companies: set[int] = field(default_factory=set)
    by_barcode: dict[str, int] = field(default_factory=dict)
    by_key: dict[str, int] = field(default_factory=dict)
    product_barcode: dict[int, str | None] = field(default_factory=dict)


def _chunks(items: Sequence[Any], size: int = IN_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _now() -> datetime:
    return datetime.now(UTC)


def _price_state(obs: Observation) -> dict[str, Any]:
    return {
        "price": obs.price,
        "was_price": obs.was_price,
        "unit_price": obs.unit_price,
        "unit": obs.unit,
        "unit_text": obs.unit_text,
        "is_special": obs.is_special,
        "promo_text": obs.promo_text,
        "price_hash": obs.price_hash,
    }


class PriceWriter:
    """Writes observations in batches; keeps identity maps so repeated look-ups cost nothing.

    Args:
        engine: the database engine (schema already upgraded).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.stats = WriteStats()
        self._cache = _Caches()
        self._planned_refs: list[tuple[dict[str, int], str]] = []
        self._batch_time = _now()
        insert_ignoring = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
        # INSERT ... ON CONFLICT DO NOTHING statements, built once per writer
        self._insert_page = insert_ignoring(CrawlPage.__table__).on_conflict_do_nothing()
        self._insert_category = insert_ignoring(Category.__table__).on_conflict_do_nothing()
        self._insert_brand = insert_ignoring(Brand.__table__).on_conflict_do_nothing()

    # ---------------------------------------------------------------- runs

    def open_run(
        self,
        *,
        spider: str,
        store: StoreRow,
        observed_on: date | None,
        source: str | None = None,
        reuse_source: bool = False,
        kind: str = FULL_RUN,
    ) -> int:
        """Record the start of a crawl or ingest of one store; returns the run id.

        With ``reuse_source``, a run with the same spider, store, date and source is reused, so
        re-ingesting a file adds no row.  ``kind`` is ``"sample"`` for a sampled health check.
        """

        def work(connection: Connection) -> int:
            store_pk = self._store_pk(connection, store)
            if reuse_source:
                found = connection.execute(
                    select(CrawlRun.id).where(
                        CrawlRun.spider == spider,
                        CrawlRun.store_id == store_pk,
                        CrawlRun.observed_on == observed_on,
                        CrawlRun.source == source,
                    )
                ).scalar()
                if found is not None:
                    self._add_store_day(connection, store_pk, observed_on)
                    return int(found)
            run_id = connection.execute(
                insert(CrawlRun)
                .values(
                    spider=spider,
                    kind=kind,
                    company_id=COMPANY_IDS[store.company],
                    store_id=store_pk,
                    observed_on=observed_on,
                    source=source,
                    started_at=_now(),
                    complete=False,
                    items=0,
                    rejected=0,
                    stats={},
                )
                .returning(CrawlRun.id)
            ).scalar_one()
            self._add_store_day(connection, store_pk, observed_on)
            return int(run_id)

        return self._in_transaction(work)

    def find_open_run(self, *, spider: str, store: StoreRow, source: str) -> int | None:
        """The latest unfinished-or-partial run of ``spider`` at ``store`` from ``source``
        (its job directory): the run a restarted crawl continues."""

        def work(connection: Connection) -> int | None:
            store_pk = self._store_pk(connection, store)
            return connection.execute(
                select(CrawlRun.id)
                .where(
                    CrawlRun.spider == spider,
                    CrawlRun.store_id == store_pk,
                    CrawlRun.source == source,
                    CrawlRun.complete.is_(False),
                )
                .order_by(CrawlRun.id.desc())
                .limit(1)
            ).scalar()

        return self._in_transaction(work)

    def set_run_date(self, run_id: int, observed_on: date) -> None:
        """Set a run's observation date once the first response tells it."""

        def work(connection: Connection) -> None:
            store_pk = connection.execute(
                update(CrawlRun)
                .where(CrawlRun.id == run_id)
                .values(observed_on=observed_on)
                .returning(CrawlRun.store_id)
            ).scalar_one()
            if store_pk is not None:
                self._add_store_day(connection, store_pk, observed_on)

        self._in_transaction(work)

    def close_run(
        self,
        run_id: int,
        *,
        complete: bool,
        finish_reason: str,
        items: int,
        rejected: int,
        stats: dict[str, Any],
    ) -> None:
        """Record the end of a run; a complete run of the whole catalogue marks its store
        crawled."""
        finished = _now()

        def work(connection: Connection) -> None:
            store_pk, kind = connection.execute(
                update(CrawlRun)
                .where(CrawlRun.id == run_id)
                .values(
                    finished_at=finished,
                    complete=complete,
                    finish_reason=finish_reason,
                    items=items,
                    rejected=rejected,
                    stats=stats,
                )
                .returning(CrawlRun.store_id, CrawlRun.kind)
            ).one()
            if complete and kind == FULL_RUN and store_pk is not None:
                mark_crawled(connection, store_pk, finished)

        self._in_transaction(work)

    def pages_done(self, run_id: int) -> set[str]:
        """The listing pages of a run already committed (a restarted run skips them)."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(CrawlPage.page).where(CrawlPage.run_id == run_id))
            return {row[0] for row in rows}

    def preload_listings(self, company: str) -> int:
        """Load every listing of ``company`` at once, so that writing a page looks none up.

        A full crawl meets most of its company's listings; one query replaces one per page.
        A listing another writer creates meanwhile makes an insert conflict, and the retried
        transaction looks listings up again.  Returns the number loaded.
        """
        company_id = COMPANY_IDS[company]
        with self.engine.connect() as connection:
            rows = connection.execute(_LISTINGS_OF_COMPANY, {"company_id": company_id})
            count = self._cache_listings(company_id, rows)
        self._cache.complete_companies.add(company_id)
        return count

    # ---------------------------------------------------------------- writing

    def write(
        self,
        observations: Sequence[Observation],
        *,
        run_id: int | None = None,
        pages: Sequence[str] = (),
    ) -> None:
        """Write a batch of observations (and mark ``pages`` of ``run_id`` done) atomically."""
        if not observations and not pages:
            return

        def work(connection: Connection) -> None:
            self._write(connection, observations)
            if pages and run_id is not None:
                connection.execute(
                    self._insert_page, [{"run_id": run_id, "page": p} for p in pages]
                )
            self.stats.observations += len(observations)
            self.stats.pages_done += len(pages)

        self._in_transaction(work)

    def _in_transaction(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in one transaction, retrying when SQLite is busy or a concurrent
        writer created the same product first.  A failed attempt drops the caches (they may
        hold rolled-back ids) and the counters it changed."""
        for attempt in range(1, BUSY_RETRIES + 1):
            saved_stats = replace(self.stats)
            try:
                with self.engine.begin() as connection:
                    return work(connection)
            except (exc.OperationalError, exc.IntegrityError) as error:
                self._cache = _Caches()
                self.stats = saved_stats
                retry = is_busy_error(error) or (
                    isinstance(error, exc.IntegrityError) and attempt <= 2
                )
                if not retry or attempt == BUSY_RETRIES:
                    raise
                logger.debug("retrying a write (attempt %d): %s", attempt, error)
                time.sleep(0.05 * 2**attempt)
            except BaseException:
                self._cache = _Caches()
                self.stats = saved_stats
                raise
        raise AssertionError("unreachable")

    def _write(self, connection: Connection, observations: Sequence[Observation]) -> None:
        known = self._cache.stores
        store_pks = [
            known.get((o.company, o.store_id))
            or self._store_pk(connection, StoreRow(o.company, o.store_id))
            for o in observations
        ]
        category_ids = self._category_ids(connection, observations)
        listing_infos, new_listings = self._resolve_listings(connection, observations, category_ids)
        by_store: dict[int, list[tuple[Observation, int]]] = defaultdict(list)
        for obs, store_pk, info in zip(observations, store_pks, listing_infos, strict=True):
            if obs.price_hash is not None:
                by_store[store_pk].append((obs, info.id))
        for store_pk, items in by_store.items():
            self._write_prices(connection, store_pk, items, new_listings)

    # ---------------------------------------------------------------- stores

    def _store_pk(self, connection: Connection, store: StoreRow) -> int:
        key = (store.company, store.retailer_store_id)
        found = self._cache.stores.get(key)
        if found is None:
            found = ensure_store(connection, store)
            self._cache.stores[key] = found
        return found

    def _days_of(self, connection: Connection, store_pk: int) -> list[date]:
        days = self._cache.store_days.get(store_pk)
        if days is None:
            rows = connection.execute(
                select(CrawlRun.observed_on)
                .where(CrawlRun.store_id == store_pk, CrawlRun.observed_on.is_not(None))
                .distinct()
            )
            days = sorted(row[0] for row in rows)
            self._cache.store_days[store_pk] = days
        return days

    def _add_store_day(self, connection: Connection, store_pk: int, day: date | None) -> None:
        days = self._days_of(connection, store_pk)
        if day is not None and day not in days:
            days.append(day)
            days.sort()

    # ---------------------------------------------------------------- categories, brands

    def _category_ids(
        self, connection: Connection, observations: Sequence[Observation]
    ) -> list[int | None]:
        cache = self._cache.categories
        wanted: dict[tuple[int, str], tuple[str, int]] = {}
        keys: list[tuple[int, str] | None] = []
        for obs in observations:
            if not obs.category_path:
                keys.append(None)
                continue
            key = (COMPANY_IDS[obs.company], " > ".join(obs.category_path))
            keys.append(key)
            if key not in cache:
                wanted[key] = (obs.category_path[-1], len(obs.category_path))
        if wanted:
            rows = [
                {"company_id": c, "path": p, "name": n[:200], "depth": d}
                for (c, p), (n, d) in wanted.items()
            ]
            connection.execute(self._insert_category, rows)
            for company_id, paths in _group_by_first(wanted):
                for chunk in _chunks(paths):
                    found = connection.execute(
                        select(Category.path, Category.id).where(
                            Category.company_id == company_id, Category.path.in_(chunk)
                        )
                    )
                    for path, cat_id in found:
                        cache[(company_id, path)] = cat_id
        return [cache[k] if k is not None else None for k in keys]

    def _brand_ids(self, connection: Connection, names: dict[str, str]) -> dict[str, int]:
        """Ids of brand keys, created with their first display name when new."""
        cache = self._cache.brands
        missing = {k: v for k, v in names.items() if k not in cache}
        if missing:
            connection.execute(
                self._insert_brand,
                [{"key": k, "name": v[:200], "variations": [v]} for k, v in missing.items()],
            )
            for chunk in _chunks(list(missing)):
                for key, brand_id in connection.execute(
                    select(Brand.key, Brand.id).where(Brand.key.in_(chunk))
                ):
                    cache[key] = brand_id
        return {k: cache[k] for k in names}

    # ---------------------------------------------------------------- products, listings

    def _load_listings(self, connection: Connection, keys: set[tuple[int, str]]) -> None:
        by_company: dict[int, list[str]] = defaultdict(list)
        for company_id, sku in keys:
            by_company[company_id].append(sku)
        for company_id, skus in by_company.items():
            for chunk in _chunks(skus):
                rows = connection.execute(
                    _LISTINGS_BY_SKU, {"company_id": company_id, "skus": list(chunk)}
                )
                self._cache_listings(company_id, rows)

    def _cache_listings(self, company_id: int, rows: Iterable[Any]) -> int:
        """Cache rows of ``_LISTINGS_OF_COMPANY``; returns how many."""
        listings, product_barcode = self._cache.listings, self._cache.product_barcode
        count = 0
        for sku, listing_id, product_id, category_id, url, barcode in rows:
            listings[(company_id, sku)] = _ListingInfo(listing_id, product_id, category_id, url)
            product_barcode[product_id] = barcode
            count += 1
        return count

    def _load_products(self, connection: Connection, barcodes: set[str], keys: set[str]) -> None:
        cache = self._cache
        barcodes = {b for b in barcodes if b not in cache.by_barcode}
        keys = {k for k in keys if k not in cache.by_key}
        for statement, values in ((_PRODUCTS_BY_BARCODE, barcodes), (_PRODUCTS_BY_KEY, keys)):
            for chunk in _chunks(sorted(values)):
                rows = connection.execute(statement, {"values": list(chunk)})
                for product_id, barcode, key in rows:
                    cache.product_barcode[product_id] = barcode
                    if barcode:
                        cache.by_barcode[barcode] = product_id
                    if key:
                        cache.by_key[key] = product_id

    def _resolve_listings(
        self,
        connection: Connection,
        observations: Sequence[Observation],
        category_ids: Sequence[int | None],
    ) -> tuple[list[_ListingInfo], set[int]]:
        """Match every observation to a listing and product, creating or merging as needed;
        returns each observation's listing and the ids of the listings created."""
        cache = self._cache
        listing_keys = [(COMPANY_IDS[o.company], o.sku) for o in observations]
        unknown = {
            k
            for k in listing_keys
            if k not in cache.listings and k[0] not in cache.complete_companies
        }
        if unknown:
            self._load_listings(connection, unknown)
        identity_codes = {o.gtin.code for o in observations if o.gtin.is_identity and o.gtin.code}
        unknown_obs = [
            o for o, k in zip(observations, listing_keys, strict=True) if k not in cache.listings
        ]
        self._load_products(
            connection,
            identity_codes,
            {o.identity.matching_key for o in unknown_obs if o.identity.matching_key},
        )

        self._batch_time = _now()
        new_products: list[dict[str, Any]] = []  # planned rows, referenced by negative ids
        self._planned_refs = []  # cache entries pointing at planned ids, remapped on insert
        planned_key: dict[tuple[int, str], int] = {}
        barcode_updates: dict[int, str] = {}
        for obs, key in zip(observations, listing_keys, strict=True):
            code = obs.gtin.code if obs.gtin.is_identity else None
            info = cache.listings.get(key)
            if info is not None:
                if code:
                    self._attach_barcode(connection, info.product_id, code, barcode_updates)
                continue
            if key in planned_key:
                continue
            product_id = cache.by_barcode.get(code) if code else None
            match_key = obs.identity.matching_key
            if product_id is None and match_key:
                candidate = cache.by_key.get(match_key)
                if candidate is not None and (
                    code is None or cache.product_barcode.get(candidate) is None
                ):
                    product_id = candidate
                    if code:
                        self._attach_barcode(connection, candidate, code, barcode_updates)
            if product_id is None:
                product_id = -(len(new_products) + 1)
                key_free = match_key if match_key and match_key not in cache.by_key else None
                new_products.append(self._product_row(obs, code, key_free))
                if key_free:
                    self._point(cache.by_key, key_free, product_id)
                if code:
                    self._point(cache.by_barcode, code, product_id)
                cache.product_barcode[product_id] = code
            planned_key[key] = product_id

        real_ids = self._insert_products(connection, observations, new_products)
        self._apply_barcodes(connection, barcode_updates, real_ids)
        created = self._insert_listings(
            connection, observations, listing_keys, category_ids, planned_key, real_ids
        )
        self._refresh_listings(connection, observations, listing_keys, category_ids)
        return [cache.listings[k] for k in listing_keys], created

    def _product_row(self, obs: Observation, code: str | None, key: str | None) -> dict[str, Any]:
        ident = obs.identity
        return {
            "name": ident.name[:500],
            "brand": (ident.brand_key, ident.brand or ident.brand_key),
            "size_text": (ident.size_text or None) and ident.size_text[:100],
            "sizes": ident.sizes_text[:200],
            "matching_key": key,
            "barcode": code,
            "created_at": self._batch_time,
        }

    def _attach_barcode(
        self, connection: Connection, product_id: int, code: str, updates: dict[int, str]
    ) -> None:
        """Give a barcode to a product that has none, merging with the product that owns it."""
        cache = self._cache
        current = cache.product_barcode.get(product_id)
        if current == code or updates.get(product_id) == code:
            return
        if current is not None or product_id in updates:
            self.stats.barcode_conflicts += 1
            return
        owner = cache.by_barcode.get(code)
        if owner is None or owner == product_id:
            updates[product_id] = code
            self._point(cache.by_barcode, code, product_id)
            cache.product_barcode[product_id] = code
            return
        if owner < 0 or product_id < 0:
            # one of the two is only planned in this batch; the next batch merges them
            self.stats.barcode_conflicts += 1
            return
        merge_products(connection, owner, product_id, reason=f"barcode {code}")
        self.stats.merges += 1
        for info in cache.listings.values():
            if info.product_id == product_id:
                info.product_id = owner
        for mapping in (cache.by_key, cache.by_barcode):
            for k, v in list(mapping.items()):
                if v == product_id:
                    mapping[k] = owner
        cache.product_barcode.pop(product_id, None)
        updates.pop(product_id, None)

    def _insert_products(
        self,
        connection: Connection,
        observations: Sequence[Observation],
        rows: list[dict[str, Any]],
    ) -> dict[int, int]:
        """Insert planned products; returns planned (negative) id -> real id."""
        if not rows:
            return {}
        brand_ids = self._brand_ids(
            connection, {r["brand"][0]: r["brand"][1] for r in rows if r["brand"][0]}
        )
        values = [
            {
                **{k: v for k, v in r.items() if k != "brand"},
                "brand_id": brand_ids.get(r["brand"][0]),
            }
            for r in rows
        ]
        real = insert_returning_ids(connection, Product.__table__, values)
        mapping = {-(i + 1): pid for i, pid in enumerate(real)}
        cache = self._cache
        for planned, pid in mapping.items():
            cache.product_barcode[pid] = cache.product_barcode.pop(planned, None)
        for index, key in self._planned_refs:
            if index[key] < 0:
                index[key] = mapping[index[key]]
        self._planned_refs = []
        self.stats.products_created += len(real)
        return mapping

    def _point(self, index: dict[str, int], key: str, product_id: int) -> None:
        """Point an identity-map entry at a product, remembering entries at planned ids."""
        index[key] = product_id
        if product_id < 0:
            self._planned_refs.append((index, key))

    def _apply_barcodes(
        self, connection: Connection, updates: dict[int, str], real_ids: dict[int, int]
    ) -> None:
        rows = [{"b_id": real_ids.get(pid, pid), "b_code": code} for pid, code in updates.items()]
        if rows:
            connection.execute(
                update(Product.__table__)
                .where(Product.__table__.c.id == bindparam("b_id"))
                .values(barcode=bindparam("b_code")),
                rows,
            )
            self.stats.barcodes_set += len(rows)

    def _insert_listings(
        self,
        connection: Connection,
        observations: Sequence[Observation],
        listing_keys: Sequence[tuple[int, str]],
        category_ids: Sequence[int | None],
        planned: dict[tuple[int, str], int],
        real_ids: dict[int, int],
    ) -> set[int]:
        """Insert the planned listings; returns their new ids."""
        if not planned:
            return set()
        rows: list[dict[str, Any]] = []
        order: list[tuple[int, str]] = []
        for obs, key, category_id in zip(observations, listing_keys, category_ids, strict=True):
            if key not in planned or key in order:
                continue
            product_id = planned[key]
            product_id = real_ids.get(product_id, product_id)
            instore = obs.gtin.code if obs.gtin.instore else None
            rows.append(
                {
                    "company_id": key[0],
                    "sku": key[1],
                    "product_id": product_id,
                    "category_id": category_id,
                    "url": obs.url[:1000] if obs.url else None,
                    "instore_code": instore,
                }
            )
            order.append(key)
        listing_ids = insert_returning_ids(connection, Listing.__table__, rows)
        for key, row, listing_id in zip(order, rows, listing_ids, strict=True):
            self._cache.listings[key] = _ListingInfo(
                listing_id, row["product_id"], row["category_id"], row["url"]
            )
        self.stats.listings_created += len(rows)
        return set(listing_ids)

    def _refresh_listings(
        self,
        connection: Connection,
        observations: Sequence[Observation],
        listing_keys: Sequence[tuple[int, str]],
        category_ids: Sequence[int | None],
    ) -> None:
        """Update the URL and category of listings whose retailer moved them."""
        changed: dict[int, dict[str, Any]] = {}
        for obs, key, category_id in zip(observations, listing_keys, category_ids, strict=True):
            info = self._cache.listings[key]
            url = obs.url[:1000] if obs.url else None
            if (category_id is not None and category_id != info.category_id) or (
                url is not None and url != info.url
            ):
                info.category_id = category_id if category_id is not None else info.category_id
                info.url = url if url is not None else info.url
                changed[info.id] = {"b_id": info.id, "b_cat": info.category_id, "b_url": info.url}
        if changed:
            table = Listing.__table__
            connection.execute(
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values(category_id=bindparam("b_cat"), url=bindparam("b_url")),
                list(changed.values()),
            )

    # ---------------------------------------------------------------- prices

    def _load_spans(
        self, connection: Connection, store_pk: int, listing_ids: Sequence[int]
    ) -> dict[int, list[Span]]:
        spans: dict[int, list[Span]] = defaultdict(list)
        has_prices = self._cache.store_has_prices.get(store_pk)
        if has_prices is None:
            has_prices = (
                connection.execute(
                    select(func.count()).select_from(
                        select(Price.id).where(Price.store_id == store_pk).limit(1).subquery()
                    )
                ).scalar_one()
                > 0
            )
            self._cache.store_has_prices[store_pk] = has_prices
        if not has_prices or not listing_ids:
            return spans
        for chunk in _chunks(list(listing_ids)):
            rows = connection.execute(_SPANS, {"store_id": store_pk, "listing_ids": list(chunk)})
            for price_id, listing_id, first, last, price_hash in rows:
                spans[listing_id].append(Span(price_id, first, last, price_hash))
        return spans

    def _write_prices(
        self,
        connection: Connection,
        store_pk: int,
        items: list[tuple[Observation, int]],
        new_listings: set[int],
    ) -> None:
        """Extend, split or open the price intervals of ``items`` at one store (listings
        created in this transaction have no intervals to look up)."""
        for _obs, _lid in items:
            self._add_store_day(connection, store_pk, _obs.observed_on)
        days = self._days_of(connection, store_pk)
        listing_ids = sorted({lid for _, lid in items})
        stored = self._load_spans(
            connection, store_pk, [lid for lid in listing_ids if lid not in new_listings]
        )
        current: dict[int, list[Span]] = {lid: list(stored.get(lid, ())) for lid in listing_ids}
        for obs, listing_id in items:
            current[listing_id] = place(
                current[listing_id], obs.observed_on, obs.price_hash, _price_state(obs), days
            )
        inserts: list[dict[str, Any]] = []
        moves: list[dict[str, Any]] = []
        rewrites: list[dict[str, Any]] = []
        deletes: list[int] = []
        for listing_id, spans in current.items():
            old = stored.get(listing_id)
            changes = diff(old, spans) if old else SpanChanges(spans, [], [], [])
            deletes += changes.deletes
            for span in changes.inserts:
                row = dict(span.state)
                row.update(
                    store_id=store_pk,
                    listing_id=listing_id,
                    first_seen=span.first,
                    last_seen=span.last,
                )
                inserts.append(row)
            for span in changes.moves:
                moves.append({"b_id": span.id, "b_first": span.first, "b_last": span.last})
            for span in changes.rewrites:
                rewrites.append(
                    {"b_id": span.id, "b_first": span.first, "b_last": span.last, **span.state}
                )
        table = Price.__table__
        for chunk in _chunks(deletes):
            connection.execute(table.delete().where(table.c.id.in_(chunk)))
        if moves:
            connection.execute(
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values(first_seen=bindparam("b_first"), last_seen=bindparam("b_last")),
                moves,
            )
        if rewrites:
            state_columns = {c: bindparam(c) for c in rewrites[0] if not c.startswith("b_")}
            connection.execute(
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values(
                    first_seen=bindparam("b_first"), last_seen=bindparam("b_last"), **state_columns
                ),
                rewrites,
            )
        if inserts:
            insert_rows(connection, table, inserts)
            self._cache.store_has_prices[store_pk] = True
        self.stats.prices_inserted += len(inserts)
        self.stats.prices_extended += len(moves)
        self.stats.prices_rewritten += len(rewrites)
        self.stats.prices_deleted += len(deletes)


def _group_by_first(keys: Iterable[tuple[int, str]]) -> Iterable[tuple[int, list[str]]]:
    grouped: dict[int, list[str]] = defaultdict(list)
    for first, second in keys:
        grouped[first].append(second)
    return grouped.items()
