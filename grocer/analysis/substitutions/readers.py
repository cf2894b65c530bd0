"""Read stored substitutions: find a product by id, barcode or name, list its substitutes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Select, and_, bindparam, func, or_, select, union_all

from grocer.db.models import Brand, Company, Listing, Product, Substitution
from grocer.normalize.gtin import clean_gtin
from grocer.normalize.text import words


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
    return " ".join(part for part in (brand, name, size) if part)


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


def _substitutes_statement() -> Select[tuple[int, int, float, str | None, str, str | None]]:
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
            pairs.c.other, pairs.c.level, pairs.c.score, Brand.name, Product.name, Product.size_text
        )
        .join(Product, Product.id == pairs.c.other)
        .outerjoin(Brand, Brand.id == Product.brand_id)
        .order_by(pairs.c.level, pairs.c.score.desc(), pairs.c.other)
        .limit(bindparam("limit"))
    )


_SUBSTITUTES = _substitutes_statement()  # built once: building costs more than running it
_RETAILERS = (
    select(Listing.product_id, Company.slug)
    .join(Company, Company.id == Listing.company_id)
    .where(Listing.product_id.in_(bindparam("ids", expanding=True)))
)


def substitutes_of(
    connection: Connection, product_id: int, *, limit: int = 40
) -> list[SubstituteRow]:
    """A product's substitutes ordered by level, then score (best first)."""
    rows = connection.execute(_SUBSTITUTES, {"product_id": product_id, "limit": limit}).all()
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
