"""Read stored substitutions: find a product by id, barcode or name, list its substitutes."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Select, and_, bindparam, func, or_, select, union_all
from sqlalchemy.orm import aliased

from grocer.analysis.substitutions.closeness import size_distance
from grocer.db.models import Brand, Company, Listing, Price, Product, Substitution
from grocer.normalize.gtin import clean_gtin
from grocer.normalize.text import clean_text, words
from grocer.normalize.unit_price import NO_UNIT, unit_class


@dataclass(frozen=True)
class ProductRow:
    id: int
    label: str  # brand, name and size text


@dataclass(frozen=True)
class SubstituteRow:
    product_id: int
    level: int
    score: float
    retailers: str  # company slugs listing it, comma-joined
    label: str


def _label(brand: str | None, name: str, size: str | None) -> str:
    """Brand, name and size as a shopper reads them: no brand the name starts with and no
    size it ends with, written however ("Farmdale" "Farmdale Full Cream Milk 2L" "2 L").

    >>> _label("Farmdale", "Farmdale Full Cream Milk 2L", "2 L")
    'Farmdale Full Cream Milk 2L'
    >>> _label("Arnott's", "Tim Tam Original", "200g")
    "Arnott's Tim Tam Original 200g"
    """
    folded = _folded(name)
    parts = [name]
    if brand and not folded.startswith(_folded(brand)):
        parts.insert(0, brand)
    if size and not folded.endswith(_folded(size)):
        parts.append(size)
    return " ".join(parts)


def _folded(text: str) -> str:
    """:func:`~grocer.normalize.text.clean_text` without spaces: "Arnott's" and "ARNOTTS",
    "2 L" and "2l" agree."""
    return clean_text(text).replace(" ", "")


def find_products(connection: Connection, query: str, *, limit: int = 20) -> list[ProductRow]:
    """Products matching ``query``: an id, a barcode, else every word (in name, brand or size)."""
    base = select(Product.id, Brand.name, Product.name, Product.size_text).outerjoin(
        Brand, Brand.id == Product.brand_id
    )
    text = query.strip()
    statements: list[Select[tuple[int, str | None, str, str | None]]] = []
    if text.isdigit():
        if int(text) < 2**31:  # a product id (a barcode is too long for the id column)
            statements.append(base.where(Product.id == int(text)))
        code = clean_gtin(text).code
        if code:
            statements.append(base.where(Product.barcode == code))
    for statement in statements:
        rows = connection.execute(statement).all()
        if rows:
            return [ProductRow(r[0], _label(r[1], r[2], r[3])) for r in rows]
    terms = words(text)
    if not terms:
        return []
    conditions = [
        or_(
            func.lower(Product.name).contains(t),
            func.lower(Brand.name).contains(t),
            func.lower(Product.size_text).contains(t),
        )
        for t in terms
    ]
    rows = connection.execute(base.where(and_(*conditions)).order_by(Product.id).limit(limit))
    return [ProductRow(r[0], _label(r[1], r[2], r[3])) for r in rows]


def _substitutes_statement() -> Select[tuple[int, int, float, str | None, str, str | None, str]]:
    product = bindparam("product_id")
    pairs = union_all(
        select(Substitution.product_b.label("other"), Substitution.level, Substitution.score).where(
            Substitution.product_a == product
        ),
        select(Substitution.product_a.label("other"), Substitution.level, Substitution.score).where(
            Substitution.product_b == product
        ),
    ).subquery()
    return (
        select(
            pairs.c.other,
            pairs.c.level,
            pairs.c.score,
            Brand.name,
            Product.name,
            Product.size_text,
            Product.sizes,
        )  # fmt: skip
        .join(Product, Product.id == pairs.c.other)
        .outerjoin(Brand, Brand.id == Product.brand_id)
        .order_by(pairs.c.level, pairs.c.score.desc(), pairs.c.other)
        .limit(MAX_READ)
    )


MAX_READ = 1000  # substitutes read per product before ordering (the cap keeps 40 by default)
_SUBSTITUTES = _substitutes_statement()  # built once: building costs more than running it
_SIZES = select(Product.sizes).where(Product.id == bindparam("product_id"))
_RETAILERS = (
    select(Listing.product_id, Company.slug)
    .join(Company, Company.id == Listing.company_id)
    .where(Listing.product_id.in_(bindparam("ids", expanding=True)))
)
_NEWEST = aliased(Price)
# Per product, the unit prices of its listings' newest intervals (any store).
_UNIT_PRICES = (
    select(Listing.product_id, Price.unit, func.min(Price.unit_price))
    .join(Price, Price.listing_id == Listing.id)
    .where(
        Listing.product_id.in_(bindparam("ids", expanding=True)),
        Price.unit_price.is_not(None),
        Price.last_seen
        == select(func.max(_NEWEST.last_seen))
        .where(_NEWEST.listing_id == Price.listing_id)
        .scalar_subquery(),
    )
    .group_by(Listing.product_id, Price.unit)
)


def unit_price_ranks(connection: Connection, ids: Sequence[int]) -> dict[int, tuple[int, float]]:
    """Per product, its cheapest unit price of its listings' newest prices as a rank: per kg or
    l first, then per anything else; products without one are left out."""
    ranks: dict[int, tuple[int, float]] = {}
    for product_id, unit, unit_price in connection.execute(_UNIT_PRICES, {"ids": list(ids)}):
        rank = (unit_class(unit), float(unit_price))
        ranks[product_id] = min(ranks.get(product_id, rank), rank)
    return ranks


def substitutes_of(
    connection: Connection, product_id: int, *, limit: int = 40
) -> list[SubstituteRow]:
    """A product's substitutes as a shopper would pick them: by level, then within a level
    the closest size first (:func:`~grocer.analysis.substitutions.closeness.size_distance`),
    then the cheapest unit price (:func:`unit_price_ranks`; none last), then score."""
    own = connection.execute(_SIZES, {"product_id": product_id}).scalar() or ""
    found = connection.execute(_SUBSTITUTES, {"product_id": product_id}).all()
    ranks = unit_price_ranks(connection, [r[0] for r in found]) if found else {}
    unpriced = (NO_UNIT, math.inf)
    rows = sorted(
        found,
        key=lambda r: (r[1], size_distance(own, r[6]), ranks.get(r[0], unpriced), -r[2], r[0]),
    )[:limit]
    ids = [r[0] for r in rows]
    retailers: dict[int, set[str]] = {}
    if ids:
        for pid, slug in connection.execute(_RETAILERS, {"ids": ids}):
            retailers.setdefault(pid, set()).add(slug)
    return [
        SubstituteRow(
            product_id=r[0],
            level=int(r[1]),
            score=float(r[2]),
            retailers=",".join(sorted(retailers.get(r[0], ()))),
            label=_label(r[3], r[4], r[5]),
        )
        for r in rows
    ]
