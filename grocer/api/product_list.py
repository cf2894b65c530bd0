"""What ``GET /v1/products`` reads: the products a search and filters match, each with its
cheapest current offer, sorted and cut into keyset pages of one snapshot.

An item's ``unit_price``, ``unit``, ``price`` and ``company`` describe the product's listing
(among those passing the filters) with the cheapest current unit price, per kg or l first, then
per each; with no unit price, the cheapest shelf price; with no current price, nulls.  Sorts:
``name`` (then ``id``), ``price`` (nulls last, then ``id``), ``unit_price`` (per kg or l by
the number, then per each, then none; then ``id``).
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import ColumnElement, Connection, and_, bindparam, exists, or_, select

from grocer.api.current_prices import IndexedOffers, ListedOffer, Offer
from grocer.api.cursors import Snapshot, position_of, read_position
from grocer.api.responses import number
from grocer.db.models import Brand, Category, Listing, Product
from grocer.db.search import search_products
from grocer.db.store_rows import COMPANY_SLUGS
from grocer.normalize.unit_price import NO_UNIT

Sort = Literal["name", "price", "unit_price"]
SORTS: tuple[Sort, ...] = ("name", "price", "unit_price")
OffersFor = Callable[[Sequence[int]], dict[int, Offer]]


@dataclass(frozen=True)
class ProductQuery:
    """The filters and sort of a product list."""

    q: str | None = None
    company_id: int | None = None
    category_ids: tuple[int, ...] | None = None
    sort: Sort = "name"

    def listing_filters(self, snapshot: Snapshot) -> list[ColumnElement[bool]]:
        """Conditions on ``listings`` of the snapshot that pass the filters."""
        conditions = [Listing.id <= snapshot.listings, Listing.product_id <= snapshot.products]
        if self.company_id is not None:
            conditions.append(Listing.company_id == self.company_id)
        if self.category_ids is not None:
            conditions.append(Listing.category_id.in_(self.category_ids))
        return conditions


def category_subtree(connection: Connection, category_id: int) -> tuple[int, ...] | None:
    """A category and every category below it (same company, path under its path); None if
    there is no such category."""
    row = connection.execute(
        select(Category.company_id, Category.path).where(Category.id == category_id)
    ).first()
    if row is None:
        return None
    below = connection.execute(
        select(Category.id).where(
            Category.company_id == row.company_id,
            or_(Category.id == category_id, Category.path.startswith(row.path + " > ")),
        )
    ).scalars()
    return tuple(sorted(below))


@dataclass(frozen=True)
class Page:
    """One page of items and the sort position of its last item when more follow."""

    items: list[dict[str, Any]]
    last: list[Any] | None


def _matching_listings(
    connection: Connection, query: ProductQuery, snapshot: Snapshot, products: Any = None
) -> list[Any]:
    stmt = select(Listing.id, Listing.product_id, Listing.company_id).where(
        *query.listing_filters(snapshot)
    )
    if query.q is not None and query.q.strip():
        stmt = stmt.where(Listing.product_id.in_(search_products(connection, query.q)))
    if products is not None:
        stmt = stmt.where(Listing.product_id.in_(products))
    return list(connection.execute(stmt))


def _best_offers(
    listings: Sequence[Any], offers_for: OffersFor
) -> dict[int, tuple[Offer | None, str | None]]:
    """Per product, its best offer among ``listings`` and that listing's company slug."""
    offers = offers_for([row.id for row in listings])
    best: dict[int, tuple[Any, Offer | None, str | None]] = {}
    for row in listings:
        offer = offers.get(row.id)
        held = best.get(row.product_id)
        rank = (0, offer.rank, row.id) if offer is not None else (1, (), row.id)
        if held is None or rank < held[0]:
            company = COMPANY_SLUGS[row.company_id] if offer is not None else None
            best[row.product_id] = (rank, offer, company)
    return {product: (offer, company) for product, (_r, offer, company) in best.items()}


def _sort_key(sort: Sort, product_id: int, offer: Offer | None) -> tuple[Any, ...]:
    if sort == "unit_price":
        if offer is None or offer.unit_class == NO_UNIT:
            return (NO_UNIT, Decimal(0), product_id)
        return (offer.unit_class, offer.unit_price, product_id)
    # price: nulls last
    return (1, Decimal(0), product_id) if offer is None else (0, offer.price, product_id)


def _position_types(sort: Sort) -> tuple[type, ...]:
    """The types of a position of ``sort`` (:func:`_sort_key`'s, or name and id)."""
    return (str, int) if sort == "name" else (int, Decimal, int)


_PRODUCTS = (
    select(Product.id, Product.name, Brand.name.label("brand"), Product.size_text)
    .outerjoin(Brand, Brand.id == Product.brand_id)
    .where(Product.id.in_(bindparam("ids", expanding=True)))
)


def product_rows(connection: Connection, ids: Sequence[int]) -> dict[int, Any]:
    """Per product id: its ``id``, ``name``, ``brand`` (name) and ``size_text``."""
    return {row.id: row for row in connection.execute(_PRODUCTS, {"ids": list(ids)})}


def _item(row: Any, offer: Offer | None, company: str | None) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "brand": row.brand,
        "size": row.size_text,
        "unit_price": number(offer.unit_price) if offer else None,
        "unit": offer.unit if offer else None,
        "price": number(offer.price) if offer else None,
        "company": company,
    }


def _by_name(
    connection: Connection,
    query: ProductQuery,
    snapshot: Snapshot,
    offers_for: OffersFor,
    after: list[Any] | None,
    limit: int,
) -> Page:
    listed = exists().where(Listing.product_id == Product.id, *query.listing_filters(snapshot))
    stmt = select(Product.id, Product.name).where(Product.id <= snapshot.products, listed)
    if query.q is not None and query.q.strip():
        stmt = stmt.where(Product.id.in_(search_products(connection, query.q)))
    if after is not None:
        name, product_id = read_position(after, _position_types("name"))
        stmt = stmt.where(
            or_(Product.name > name, and_(Product.name == name, Product.id > product_id))
        )
    found = connection.execute(stmt.order_by(Product.name, Product.id).limit(limit + 1)).all()
    page = found[:limit]
    ids = [row.id for row in page]
    listings = _matching_listings(connection, query, snapshot, products=ids) if ids else []
    best = _best_offers(listings, offers_for)
    rows = product_rows(connection, ids) if ids else {}
    items = [_item(rows[i], *best.get(i, (None, None))) for i in ids]
    last = position_of((page[-1].name, page[-1].id)) if len(found) > limit else None
    return Page(items, last)


def _listed_choice(entries: tuple[ListedOffer, ...], company_id: int | None) -> ListedOffer | None:
    """The best of a product's listings (best first) passing the company filter."""
    if company_id is None:
        return entries[0]
    return next((e for e in entries if e.company_id == company_id), None)


def _indexed_keys(
    connection: Connection, query: ProductQuery, held: IndexedOffers
) -> tuple[Iterable[tuple[Any, ...]], dict[int, ListedOffer]]:
    """The sort keys of the query's products from the index (no category filter) and each
    product's chosen listing.  The keys of a list of every product come as a sorted list,
    sorted once per snapshot, sort and company, and kept."""
    listed, company = held.listed, query.company_id
    searching = query.q is not None and bool(query.q.strip())
    candidates: Iterable[int] = (
        connection.execute(search_products(connection, query.q)).scalars().all()
        if searching
        else listed
    )
    chosen: dict[int, ListedOffer] = {}
    for product in candidates:
        entries = listed.get(product)
        pick = _listed_choice(entries, company) if entries else None
        if pick is not None:
            chosen[product] = pick
    keys = (_sort_key(query.sort, p, e.offer) for p, e in chosen.items())
    if searching:
        return keys, chosen
    order = held.orders.get((query.sort, company))
    if order is None:
        order = held.orders[(query.sort, company)] = sorted(keys)
    return order, chosen


def product_page(
    connection: Connection,
    query: ProductQuery,
    snapshot: Snapshot,
    offers_for: OffersFor,
    *,
    after: list[Any] | None = None,
    limit: int = 50,
    indexed: IndexedOffers | None = None,
) -> Page:
    """The page of ``query``'s products read at ``snapshot`` after sort position ``after``.

    ``offers_for`` gives the current offers of listings at the snapshot (the server's index
    or :func:`grocer.api.current_prices.listing_offers`); ``indexed``, the server's index
    when it holds exactly this snapshot, answers a price sort without a category filter from
    memory.

    Raises:
        CursorError: ``after`` is not a position of this sort.
        ValueError: a bad ``GROCER_FRESH_DAYS`` (from ``offers_for``).
    """
    if query.sort == "name":
        return _by_name(connection, query, snapshot, offers_for, after, limit)
    start = read_position(after, _position_types(query.sort)) if after is not None else None
    if indexed is not None and indexed.snapshot == snapshot and query.category_ids is None:
        keys, chosen = _indexed_keys(connection, query, indexed)

        def best_of(product: int) -> tuple[Offer | None, str | None]:
            pick = chosen[product]
            return pick.offer, COMPANY_SLUGS[pick.company_id] if pick.offer is not None else None
    else:
        best = _best_offers(_matching_listings(connection, query, snapshot), offers_for)
        keys = (_sort_key(query.sort, p, o) for p, (o, _c) in best.items())
        best_of = best.__getitem__
    if isinstance(keys, list):  # sorted already
        begin = 0 if start is None else bisect_right(keys, start)
        found = keys[begin : begin + limit + 1]
    else:
        found = heapq.nsmallest(limit + 1, (k for k in keys if start is None or k > start))
    page = found[:limit]
    rows = product_rows(connection, [key[2] for key in page]) if page else {}
    items = [_item(rows[key[2]], *best_of(key[2])) for key in page]
    return Page(items, position_of(page[-1]) if len(found) > limit else None)
