"""Product lists as the API and the web view serve them: one index of current prices, one
cursor key, the snapshot rules of ``GET /v1/products`` (docs/API.md)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine

from grocer.api.current_prices import CurrentPriceIndex, listing_offers
from grocer.api.cursors import CursorCodec, CursorError, Snapshot, current_snapshot
from grocer.api.product_list import OffersFor, ProductQuery, Sort, category_subtree, product_page
from grocer.db.store_rows import COMPANY_IDS


class UnknownCategory(ValueError):
    """The ``category`` asked for is no ``categories.id``."""


class Catalogue:
    """Lists products of ``engine``'s database over a shared :class:`CurrentPriceIndex`; its
    cursors are signed by one :class:`CursorCodec`.  ``environ``: where ``GROCER_FRESH_DAYS`` and
    ``GROCER_API_SECRET`` are read (None: the process environment)."""

    def __init__(self, engine: Engine, environ: Mapping[str, str] | None = None) -> None:
        self.environ = environ
        self.index = CurrentPriceIndex(engine, environ)
        self.codec = CursorCodec(environ)

    def _offers_at(self, connection: Connection, snapshot: Snapshot) -> OffersFor:
        held = self.index.held
        if held is not None and held.snapshot == snapshot:
            offers = held.offers
            return lambda ids: {i: offers[i] for i in ids if i in offers}
        return lambda ids: listing_offers(connection, snapshot, self.environ, ids)

    def _first_snapshot(self, connection: Connection, as_of: date | None) -> Snapshot:
        default, held = self.index.get(connection)
        if as_of is None or as_of == default:
            return held.snapshot
        return current_snapshot(connection, as_of)

    def products(
        self,
        connection: Connection,
        *,
        q: str | None = None,
        company: str | None = None,
        category: int | None = None,
        sort: Sort = "name",
        as_of: date | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        """``{"items": [...], "next_cursor": str | None}``: a page of products.

        Raises:
            UnknownCategory: no such category.
            CursorError: a malformed or altered cursor, or one of another query.
            ValueError: a bad ``GROCER_FRESH_DAYS``.
        """
        key = repr((q or "", company or "", category, sort, as_of and as_of.isoformat()))
        categories = None
        if category is not None:
            categories = category_subtree(connection, category)
            if categories is None:
                raise UnknownCategory(f"no category {category}")
        query = ProductQuery(q, company and COMPANY_IDS[company], categories, sort)
        after = None
        if cursor is None:
            snapshot = self._first_snapshot(connection, as_of)
        else:
            snapshot, after = self.codec.decode(cursor, key)
        page = product_page(
            connection, query, snapshot, self._offers_at(connection, snapshot),
            after=after, limit=limit, indexed=self.index.held,
        )  # fmt: skip
        next_cursor = None if page.last is None else self.codec.encode(snapshot, key, page.last)
        return {"items": page.items, "next_cursor": next_cursor}


__all__ = ["Catalogue", "CursorError", "UnknownCategory"]
