"""Which product and listing an observation is: barcode -> (company, sku) -> matching key -> new.

A batch of observations is matched in bulk against id maps filled from the database as they
are met (or preloaded for a whole company); new products and listings are inserted with one
statement each (and indexed for search, :mod:`grocer.db.search`), and a barcode that reveals
two products to be one merges them (:func:`grocer.db.merge.merge_products`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from grocer.db.bulk import insert_returning_ids
from grocer.db.merge import merge_products
from grocer.db.models import Listing, Product
from grocer.db.product_links import break_links
from grocer.db.reference_rows import ReferenceRows, chunks
from grocer.db.search import index_products
from grocer.db.store_rows import COMPANY_IDS
from grocer.normalize.product import Observation

# Statements built once: expanding IN parameters keep SQLAlchemy from rebuilding and
# re-keying a statement for every batch.
_LISTINGS_OF_COMPANY = (
    select(
        Listing.sku,
        Listing.id,
        Listing.product_id,
        Listing.category_id,
        Listing.url,
        Listing.label,
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

ListingKey = tuple[int, str]  # (company id, sku)


@dataclass(slots=True)
class ListingInfo:
    """What the writer knows of a listing."""

    id: int
    product_id: int
    category_id: int | None
    url: str | None
    label: str | None


@dataclass
class IdentityCounts:
    """What identity matching did."""

    products_created: int = 0
    listings_created: int = 0
    barcodes_set: int = 0
    barcode_conflicts: int = 0
    merges: int = 0
    keys_released: int = 0  # a matching key two products of different barcodes shared
    links_broken: int = 0  # same-product links whose products' barcodes turned out to differ


class ProductIdentities:
    """Matches observations to listings and products, creating or merging as needed.

    Planned products (not yet inserted in this batch) have negative ids until inserted.
    """

    def __init__(self, references: ReferenceRows) -> None:
        self.references = references
        self.reset()

    def reset(self) -> None:
        """Forget every id (after a rolled-back transaction)."""
        self.listings: dict[ListingKey, ListingInfo] = {}
        # companies whose every listing is in ``listings``: a sku missing there is new
        self.complete_companies: set[int] = set()
        self.by_barcode: dict[str, int] = {}
        self.by_key: dict[str, int] = {}
        self.product_barcode: dict[int, str | None] = {}
        self._planned_refs: list[tuple[dict[str, int], str]] = []

    def preload(self, connection: Connection, company: str) -> int:
        """Load every listing of ``company`` at once; returns how many."""
        company_id = COMPANY_IDS[company]
        rows = connection.execute(_LISTINGS_OF_COMPANY, {"company_id": company_id})
        count = self._cache_listings(company_id, rows)
        self.complete_companies.add(company_id)
        return count

    def resolve(
        self,
        connection: Connection,
        observations: Sequence[Observation],
        category_ids: Sequence[int | None],
        counts: IdentityCounts,
    ) -> tuple[list[ListingInfo], set[int]]:
        """Match every observation to a listing and product, creating or merging as needed;
        returns each observation's listing and the ids of the listings created."""
        listing_keys = [(COMPANY_IDS[o.company], o.sku) for o in observations]
        unknown = {
            k
            for k in listing_keys
            if k not in self.listings and k[0] not in self.complete_companies
        }
        if unknown:
            self._load_listings(connection, unknown)
        identity_codes = {o.gtin.code for o in observations if o.gtin.is_identity and o.gtin.code}
        unknown_obs = [
            o for o, k in zip(observations, listing_keys, strict=True) if k not in self.listings
        ]
        self._load_products(
            connection,
            identity_codes,
            {o.identity.matching_key for o in unknown_obs if o.identity.matching_key},
        )
        now = datetime.now(UTC)
        new_products: list[dict[str, Any]] = []  # planned rows, referenced by negative ids
        self._planned_refs = []  # map entries pointing at planned ids, remapped on insert
        planned_key: dict[ListingKey, int] = {}
        barcode_updates: dict[int, str] = {}
        for obs, key in zip(observations, listing_keys, strict=True):
            code = obs.gtin.code if obs.gtin.is_identity else None
            info = self.listings.get(key)
            if info is not None:
                if code:
                    self._attach_barcode(connection, info.product_id, code, barcode_updates, counts)
                continue
            if key in planned_key:
                continue
            product_id = self.by_barcode.get(code) if code else None
            match_key = obs.identity.matching_key
            if product_id is None and match_key:
                candidate = self.by_key.get(match_key)
                owner_code = self.product_barcode.get(candidate) if candidate is not None else None
                if candidate is not None and (code is None or owner_code is None):
                    product_id = candidate
                    if code:
                        self._attach_barcode(connection, candidate, code, barcode_updates, counts)
                elif candidate is not None and code is not None and owner_code != code:
                    self._release_key(connection, match_key, candidate, new_products, counts)
                    match_key = None  # nor does the new product claim it
            if product_id is None:
                product_id = -(len(new_products) + 1)
                key_free = match_key if match_key and match_key not in self.by_key else None
                new_products.append(_product_row(obs, code, key_free, now))
                if key_free:
                    self._point(self.by_key, key_free, product_id)
                if code:
                    self._point(self.by_barcode, code, product_id)
                self.product_barcode[product_id] = code
            planned_key[key] = product_id

        real_ids = self._insert_products(connection, new_products, counts)
        self._apply_barcodes(connection, barcode_updates, real_ids, counts)
        created = self._insert_listings(
            connection, observations, listing_keys, category_ids, planned_key, real_ids, counts
        )
        self._refresh_listings(connection, observations, listing_keys, category_ids)
        return [self.listings[k] for k in listing_keys], created

    # ---------------------------------------------------------------- look-ups

    def _load_listings(self, connection: Connection, keys: set[ListingKey]) -> None:
        by_company: dict[int, list[str]] = defaultdict(list)
        for company_id, sku in keys:
            by_company[company_id].append(sku)
        for company_id, skus in by_company.items():
            for chunk in chunks(skus):
                rows = connection.execute(
                    _LISTINGS_BY_SKU, {"company_id": company_id, "skus": list(chunk)}
                )
                self._cache_listings(company_id, rows)

    def _cache_listings(self, company_id: int, rows: Iterable[Any]) -> int:
        """Keep rows of ``_LISTINGS_OF_COMPANY``; returns how many."""
        listings, product_barcode = self.listings, self.product_barcode
        count = 0
        for sku, listing_id, product_id, category_id, url, label, barcode in rows:
            listings[(company_id, sku)] = ListingInfo(
                listing_id, product_id, category_id, url, label
            )
            product_barcode[product_id] = barcode
            count += 1
        return count

    def _load_products(self, connection: Connection, barcodes: set[str], keys: set[str]) -> None:
        barcodes = {b for b in barcodes if b not in self.by_barcode}
        keys = {k for k in keys if k not in self.by_key}
        for statement, values in ((_PRODUCTS_BY_BARCODE, barcodes), (_PRODUCTS_BY_KEY, keys)):
            for chunk in chunks(sorted(values)):
                rows = connection.execute(statement, {"values": list(chunk)})
                for product_id, barcode, key in rows:
                    self.product_barcode[product_id] = barcode
                    if barcode:
                        self.by_barcode[barcode] = product_id
                    if key:
                        self.by_key[key] = product_id

    def _release_key(
        self,
        connection: Connection,
        key: str,
        owner: int,
        planned: list[dict[str, Any]],
        counts: IdentityCounts,
    ) -> None:
        """Two products with different barcodes share ``key``: it names neither, so it is
        taken from its owner and a product without a barcode cannot join the wrong one.

        Which of the two arrived first must not decide where a later listing goes (two
        Woolworths skus of one name and size, say); the owner keeps its barcode and listings.
        """
        del self.by_key[key]
        if owner < 0:
            planned[-owner - 1]["matching_key"] = None
        else:
            connection.execute(update(Product).where(Product.id == owner).values(matching_key=None))
        counts.keys_released += 1

    # ---------------------------------------------------------------- barcodes and merges

    def _attach_barcode(
        self,
        connection: Connection,
        product_id: int,
        code: str,
        updates: dict[int, str],
        counts: IdentityCounts,
    ) -> None:
        """Give a barcode to a product that has none, merging with the product that owns it."""
        current = self.product_barcode.get(product_id)
        if current == code or updates.get(product_id) == code:
            return
        if current is not None or product_id in updates:
            counts.barcode_conflicts += 1
            return
        owner = self.by_barcode.get(code)
        if owner is None or owner == product_id:
            updates[product_id] = code
            self._point(self.by_barcode, code, product_id)
            self.product_barcode[product_id] = code
            return
        if owner < 0 or product_id < 0:
            # one of the two is only planned in this batch; the next batch merges them
            counts.barcode_conflicts += 1
            return
        merge_products(connection, owner, product_id, reason=f"barcode {code}")
        counts.merges += 1
        for info in self.listings.values():
            if info.product_id == product_id:
                info.product_id = owner
        for mapping in (self.by_key, self.by_barcode):
            for k, v in list(mapping.items()):
                if v == product_id:
                    mapping[k] = owner
        self.product_barcode.pop(product_id, None)
        updates.pop(product_id, None)

    def _apply_barcodes(
        self,
        connection: Connection,
        updates: dict[int, str],
        real_ids: dict[int, int],
        counts: IdentityCounts,
    ) -> None:
        rows = [{"b_id": real_ids.get(pid, pid), "b_code": code} for pid, code in updates.items()]
        if rows:
            connection.execute(
                update(Product.__table__)
                .where(Product.__table__.c.id == bindparam("b_id"))
                .values(barcode=bindparam("b_code")),
                rows,
            )
            counts.barcodes_set += len(rows)
            counts.links_broken += break_links(connection, [row["b_id"] for row in rows])

    # ---------------------------------------------------------------- inserts

    def _point(self, index: dict[str, int], key: str, product_id: int) -> None:
        """Point an id-map entry at a product, remembering entries at planned ids."""
        index[key] = product_id
        if product_id < 0:
            self._planned_refs.append((index, key))

    def _insert_products(
        self, connection: Connection, rows: list[dict[str, Any]], counts: IdentityCounts
    ) -> dict[int, int]:
        """Insert planned products; returns planned (negative) id -> real id."""
        if not rows:
            return {}
        brand_ids = self.references.brand_ids(
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
        index_products(connection, real)  # searchable once the batch commits
        mapping = {-(i + 1): pid for i, pid in enumerate(real)}
        for planned, pid in mapping.items():
            self.product_barcode[pid] = self.product_barcode.pop(planned, None)
        for index, key in self._planned_refs:
            if index.get(key, 0) < 0:  # a released key is gone from the map
                index[key] = mapping[index[key]]
        self._planned_refs = []
        counts.products_created += len(real)
        return mapping

    def _insert_listings(
        self,
        connection: Connection,
        observations: Sequence[Observation],
        listing_keys: Sequence[ListingKey],
        category_ids: Sequence[int | None],
        planned: dict[ListingKey, int],
        real_ids: dict[int, int],
        counts: IdentityCounts,
    ) -> set[int]:
        """Insert the planned listings; returns their new ids."""
        if not planned:
            return set()
        rows: list[dict[str, Any]] = []
        order: list[ListingKey] = []
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
                    "label": obs.label,
                }
            )
            order.append(key)
        listing_ids = insert_returning_ids(connection, Listing.__table__, rows)
        for key, row, listing_id in zip(order, rows, listing_ids, strict=True):
            self.listings[key] = ListingInfo(
                listing_id, row["product_id"], row["category_id"], row["url"], row["label"]
            )
        counts.listings_created += len(rows)
        return set(listing_ids)

    def _refresh_listings(
        self,
        connection: Connection,
        observations: Sequence[Observation],
        listing_keys: Sequence[ListingKey],
        category_ids: Sequence[int | None],
    ) -> None:
        """Update the URL, category and shelf label of listings whose retailer changed them."""
        changed: dict[int, dict[str, Any]] = {}
        for obs, key, category_id in zip(observations, listing_keys, category_ids, strict=True):
            info = self.listings[key]
            url = obs.url[:1000] if obs.url else None
            if (
                (category_id is not None and category_id != info.category_id)
                or (url is not None and url != info.url)
                or (obs.label is not None and obs.label != info.label)
            ):
                info.category_id = category_id if category_id is not None else info.category_id
                info.url = url if url is not None else info.url
                info.label = obs.label if obs.label is not None else info.label
                changed[info.id] = {
                    "b_id": info.id,
                    "b_cat": info.category_id,
                    "b_url": info.url,
                    "b_label": info.label,
                }
        if changed:
            table = Listing.__table__
            connection.execute(
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values(
                    category_id=bindparam("b_cat"),
                    url=bindparam("b_url"),
                    label=bindparam("b_label"),
                ),
                list(changed.values()),
            )


def _product_row(
    obs: Observation, code: str | None, key: str | None, now: datetime
) -> dict[str, Any]:
    ident = obs.identity
    return {
        "name": ident.name[:500],
        "brand": (ident.brand_key, ident.brand or ident.brand_key),
        "size_text": (ident.size_text or None) and ident.size_text[:100],
        "sizes": ident.sizes_text[:200],
        "matching_key": key,
        "barcode": code,
        "created_at": now,
    }
