"""The products substitution matching reads, and the record every generator produces.

:class:`SubstitutionRecord` has exactly the columns of the ``substitutions`` table; generators
emit batches of them as numpy structured arrays of :data:`RECORD_DTYPE` (same field names).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from sqlalchemy import Connection, select

from grocer.db.models import Brand, Category, Listing, Product
from grocer.normalize.sizes import scan_sizes
from grocer.normalize.text import words


class SubstitutionRecord(NamedTuple):
    """One substitution: ``product_a < product_b``, level 1-4, score (a row of the table)."""

    product_a: int
    product_b: int
    level: int
    score: float


_FIELD_TYPES = {"product_a": np.int64, "product_b": np.int64, "level": np.int8, "score": np.float64}
RECORD_DTYPE = np.dtype([(name, _FIELD_TYPES[name]) for name in SubstitutionRecord._fields])


def make_records(a: np.ndarray, b: np.ndarray, level: int, score: np.ndarray | float) -> np.ndarray:
    """Records for product id pairs ``(a[i], b[i])``, ordered so that ``product_a < product_b``."""
    out = np.empty(len(a), dtype=RECORD_DTYPE)
    out["product_a"] = np.minimum(a, b)
    out["product_b"] = np.maximum(a, b)
    out["level"] = level
    out["score"] = score
    return out


def empty_records() -> np.ndarray:
    """A batch of no records."""
    return np.empty(0, dtype=RECORD_DTYPE)


def base_name(name: str, brand_key: str) -> str:
    """The name without its sizes and without the brand's words: what level 1 compares.

    >>> base_name("Farmdale Full Cream Milk 2L", "farmdale")
    'full cream milk'
    >>> base_name("Coles", "coles")
    'coles'
    """
    tokens = words(scan_sizes(name).remainder)
    brand_words = set(brand_key.split())
    kept = [t for t in tokens if t not in brand_words]
    return " ".join(kept or tokens)


@dataclass(frozen=True)
class CategoryInfo:
    """A retailer category (a leaf of its tree)."""

    id: int
    company_id: int
    path: str
    name: str

    @property
    def parent(self) -> str | None:
        """The parent node's name, unless the parent is the tree's root (too broad to match)."""
        parts = self.path.split(" > ")
        return parts[-2] if len(parts) >= 3 else None


@dataclass
class ProductFrame:
    """Products as parallel columns (index ``i`` everywhere is one product)."""

    ids: np.ndarray
    names: list[str]
    brand_keys: list[str]
    sizes: list[str]
    barcodes: list[str | None]
    bases: list[str] = field(default_factory=list)
    # Category id -> indices of the products listed in it; product index -> company ids.
    members: dict[int, np.ndarray] = field(default_factory=dict)
    companies: list[frozenset[int]] = field(default_factory=list)
    categories: dict[int, CategoryInfo] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.bases:
            self.bases = [base_name(n, b) for n, b in zip(self.names, self.brand_keys, strict=True)]

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def first_words(self) -> list[str]:
        return [b.split(" ", 1)[0] for b in self.bases]

    @property
    def last_words(self) -> list[str]:
        return [b.rsplit(" ", 1)[-1] for b in self.bases]

    def index_of(self) -> dict[int, int]:
        """Product id -> index."""
        return {int(pid): i for i, pid in enumerate(self.ids)}


def load_frame(connection: Connection) -> ProductFrame:
    """Read every product, its brand key, listings and categories in three queries."""
    rows = connection.execute(
        select(Product.id, Product.name, Brand.key, Product.sizes, Product.barcode)
        .outerjoin(Brand, Brand.id == Product.brand_id)
        .order_by(Product.id)
    ).all()
    frame = ProductFrame(
        ids=np.array([r[0] for r in rows], dtype=np.int64),
        names=[r[1] for r in rows],
        brand_keys=[r[2] or "" for r in rows],
        sizes=[r[3] or "" for r in rows],
        barcodes=[r[4] for r in rows],
    )
    index = frame.index_of()
    members: dict[int, set[int]] = defaultdict(set)
    companies: list[set[int]] = [set() for _ in rows]
    for product_id, company_id, category_id in connection.execute(
        select(Listing.product_id, Listing.company_id, Listing.category_id)
    ):
        i = index[product_id]
        companies[i].add(company_id)
        if category_id is not None:
            members[category_id].add(i)
    frame.members = {c: np.array(sorted(m), dtype=np.int64) for c, m in sorted(members.items())}
    frame.companies = [frozenset(c) for c in companies]
    frame.categories = {
        r.id: CategoryInfo(r.id, r.company_id, r.path, r.name)
        for r in connection.execute(
            select(Category.id, Category.company_id, Category.path, Category.name)
        )
    }
    return frame
