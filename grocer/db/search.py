"""The product search index, and the one product search every caller uses (CONTRACTS §7).

Names and brands are indexed as grocer's ASCII-folded normalised text (:func:`search_text`),
and queries are folded the same way, so case and accents are ignored alike on both
databases (``nestle`` finds "Nestlé").  Each word of a query must match the start of a word
of the product's name or brand (``choc`` finds "Chocolate"); every word must match.

* SQLite: the FTS5 table ``products_fts`` (``rowid`` = ``products.id``; columns ``name`` and
  ``brand``; tokenizer ``unicode61 remove_diacritics 2``).
* PostgreSQL: the column ``products.search``, a ``tsvector`` in the ``simple`` configuration
  with the GIN index ``ix_products_search``.

Both are made by migration 0008 and live outside the SQLAlchemy models (the column exists on
PostgreSQL only): this module alone writes them, by explicit SQL, and
:func:`outside_models` tells schema comparisons to pass over them.  Products are indexed in
the transactions that insert them (:mod:`grocer.db.identity`) and dropped in the ones that
merge them away (:mod:`grocer.db.merge`); ``grocer db rebuild-search`` calls :func:`rebuild`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Engine, Integer, Select, column, func, select, table, text
from sqlalchemy.dialects.postgresql import TSVECTOR

from grocer.db.models import Brand, Product
from grocer.db.reference_rows import chunks
from grocer.normalize.text import ascii_fold, words

FTS_TABLE = "products_fts"
SEARCH_COLUMN = "search"
SEARCH_INDEX = "ix_products_search"
REBUILD_CHUNK = 5000  # products read and written per statement while rebuilding

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")

_fts = table(FTS_TABLE, column("rowid", Integer), column(FTS_TABLE))
# products as the search sees it: a table clause of its own, so a search used as a subquery
# of a query on Product is never correlated with it
_products = table("products", column("id", Integer), column(SEARCH_COLUMN, TSVECTOR))

_PRODUCT_TEXT = select(Product.id, Product.name, Brand.name).outerjoin(
    Brand, Brand.id == Product.brand_id
)
_FTS_DELETE = text(f"DELETE FROM {FTS_TABLE} WHERE rowid = :id")
_FTS_INSERT = text(f"INSERT INTO {FTS_TABLE} (rowid, name, brand) VALUES (:id, :name, :brand)")
_PG_UPDATE = text(
    f"UPDATE products SET {SEARCH_COLUMN} = to_tsvector('simple', :document) WHERE id = :id"
)


def search_text(value: str | None) -> str:
    """The words of ``value`` as the index holds them: grocer's cleaned words
    (:func:`grocer.normalize.text.clean_text`), then the parts punctuation joins in them.

    >>> search_text("Coca-Cola Nestlé")
    'cocacola nestle coca cola'
    """
    cleaned = words(value)
    parts = _NOT_ALNUM.sub(" ", ascii_fold(value or "").lower()).split()
    return " ".join(dict.fromkeys(cleaned + parts))


def query_words(q: str | None) -> list[str]:
    """The words of a search query, folded as the index is: lower-case ASCII letters and
    digits only (so they need no quoting in FTS5 or tsquery syntax)."""
    return list(dict.fromkeys(words(q)))


def search_products(connection: Connection | Engine, q: str | None) -> Select[tuple[int]]:
    """The ids of the products whose name or brand has, for each word of ``q``, a word that
    starts with it: a one-column ``SELECT`` to filter or join on, e.g.
    ``select(Product).where(Product.id.in_(search_products(connection, q)))``.

    Case, accents and punctuation are ignored on both sides (``nestle`` and ``NESTLÉ`` find
    "Nestlé"; ``arnott's`` finds "Arnotts").  A ``q`` without a letter or digit (empty,
    ``None`` or only punctuation) filters nothing: every product's id.  No order, no row cap:
    callers sort and limit.  ``connection`` only tells the dialect.
    """
    terms = query_words(q)
    if not terms:
        return select(_products.c.id)
    if connection.dialect.name == "sqlite":
        match = " ".join(f'"{term}"*' for term in terms)
        return select(_fts.c.rowid.label("id")).where(_fts.c[FTS_TABLE].op("MATCH")(match))
    tsquery = " & ".join(f"{term}:*" for term in terms)
    return select(_products.c.id).where(
        _products.c[SEARCH_COLUMN].op("@@")(func.to_tsquery("simple", tsquery))
    )


def index_products(connection: Connection, product_ids: Iterable[int]) -> int:
    """Index (again) the name and brand of these products; returns how many were found."""
    ids = sorted(set(product_ids))
    count = 0
    for chunk in chunks(ids):
        rows = connection.execute(_PRODUCT_TEXT.where(Product.id.in_(chunk))).all()
        _write(connection, rows, replace=True)
        count += len(rows)
    return count


def drop_from_index(connection: Connection, product_ids: Iterable[int]) -> None:
    """Take these products out of the index (before or after deleting them).

    On PostgreSQL the index is a column of the product row, gone with it: nothing to do.
    """
    ids = [{"id": pid} for pid in sorted(set(product_ids))]
    if ids and connection.dialect.name == "sqlite":
        connection.execute(_FTS_DELETE, ids)


def rebuild(connection: Connection) -> int:
    """Index every product from scratch; returns how many products are indexed."""
    if connection.dialect.name == "sqlite":
        connection.execute(text(f"DELETE FROM {FTS_TABLE}"))
    count, last = 0, None
    while True:
        statement = _PRODUCT_TEXT.order_by(Product.id).limit(REBUILD_CHUNK)
        if last is not None:
            statement = statement.where(Product.id > last)
        rows = connection.execute(statement).all()
        if not rows:
            return count
        _write(connection, rows, replace=False)
        count += len(rows)
        last = rows[-1][0]


def _write(connection: Connection, rows: Iterable[Any], *, replace: bool) -> None:
    """Write index entries for rows of (product id, name, brand name)."""
    if connection.dialect.name == "sqlite":
        entries = [
            {"id": pid, "name": search_text(name), "brand": search_text(brand)}
            for pid, name, brand in rows
        ]
        if entries and replace:
            connection.execute(_FTS_DELETE, [{"id": e["id"]} for e in entries])
        if entries:
            connection.execute(_FTS_INSERT, entries)
        return
    documents = [
        {"id": pid, "document": f"{search_text(name)} {search_text(brand)}".strip()}
        for pid, name, brand in rows
    ]
    if documents:
        connection.execute(_PG_UPDATE, documents)


def outside_models(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's ``include_object``: False for the search index's tables, column and index,
    which the models leave out (FTS5's shadow tables are ``products_fts_*``)."""
    if type_ == "table" and name is not None:
        return name != FTS_TABLE and not name.startswith(f"{FTS_TABLE}_")
    if type_ == "column" and name == SEARCH_COLUMN:
        return getattr(getattr(obj, "table", None), "name", None) != "products"
    return not (type_ == "index" and name == SEARCH_INDEX)
