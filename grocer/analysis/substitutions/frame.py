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


# "&" is punctuation and drops out of cleaned text, so its spelled-out twin must too:
# "Mac & Cheese" and "Mac And Cheese" are one name.
CONNECTIVES = frozenset({"and"})


def s_stem(word: str) -> str:
    """Harman's "S" stemmer: the plural of an English word folded to its singular.

    >>> [s_stem(w) for w in ("bars", "berries", "tomatoes", "glass", "hummus", "oats", "bus")]
    ['bar', 'berry', 'tomatoe', 'glass', 'hummus', 'oat', 'bus']
    """
    if len(word) <= 3:
        return word
    if word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if word.endswith("s") and not word.endswith(("us", "ss")):
        return word[:-1]
    return word


def name_form(base: str) -> str:
    """The form of a base name that levels 1 and 2 compare: connectives dropped, plurals
    folded (:func:`s_stem`), so "nut bars and snacks" and "nut bar snack" are one name.

    >>> name_form("mac and cheese cups"), name_form("and")
    ('mac cheese cup', 'and')
    """
    kept = [s_stem(w) for w in base.split() if w not in CONNECTIVES]
    return " ".join(kept) if kept else base


def compact_brand(display: str) -> str:
    """A brand's words joined without spaces, in the order shown: "Life Savers" and
    "Lifesavers", "Nutri-Grain" and "Nutri Grain" are one brand.

    >>> compact_brand("Life Savers"), compact_brand("S&B"), compact_brand("B S")
    ('lifesavers', 'sb', 'bs')
    """
    return "".join(words(display))


# Words saying how a product is packed, not what it is: like "6 Pack" (a size), they
# belong with the sizes, so "Nut Bars Multipack 6 Pack" and "Nut Bars" are one name.
PACKAGING_WORDS = frozenset({"multipack", "multipacks"})


def base_name(name: str, brand_key: str) -> str:
    """The name without its sizes, packaging words and the brand's words: what level 1
    compares and what is embedded.

    >>> base_name("Farmdale Full Cream Milk 2L", "farmdale")
    'full cream milk'
    >>> base_name("Tronky Biscuit Bars Multipack 5 Pack", "kinder")
    'tronky biscuit bars'
    >>> base_name("Coles", "coles")
    'coles'
    """
    tokens = words(scan_sizes(name).remainder)
    dropped = set(brand_key.split()) | PACKAGING_WORDS
    kept = [t for t in tokens if t not in dropped]
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
    # The brands as retailers show them (identity resolves maker names from these).
    brand_names: list[str] = field(default_factory=list)
    # The bases as levels 1 and 2 compare them (:func:`name_form`).
    forms: list[str] = field(default_factory=list)
    # Category id -> indices of the products listed in it; product index -> company ids.
    members: dict[int, np.ndarray] = field(default_factory=dict)
    companies: list[frozenset[int]] = field(default_factory=list)
    categories: dict[int, CategoryInfo] = field(default_factory=dict)
    # A shelf label of each product's listings (listings.label), or None.
    labels: list[str | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.bases:
            self.bases = [base_name(n, b) for n, b in zip(self.names, self.brand_keys, strict=True)]
        if not self.forms:
            self.forms = [name_form(b) for b in self.bases]

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def first_words(self) -> list[str]:
        return [f.split(" ", 1)[0] for f in self.forms]

    @property
    def last_words(self) -> list[str]:
        return [f.rsplit(" ", 1)[-1] for f in self.forms]

    def index_of(self) -> dict[int, int]:
        """Product id -> index."""
        return {int(pid): i for i, pid in enumerate(self.ids)}


def same_brands(brands: dict[str, str]) -> dict[str, str]:
    """Brand key -> the key standing for every brand with the same :func:`compact_brand`
    display (the smallest such key).

    >>> same_brands({"life savers": "Life Savers", "lifesavers": "Lifesavers", "x": "X"})
    {'life savers': 'life savers', 'lifesavers': 'life savers', 'x': 'x'}
    """
    first: dict[str, str] = {}
    for key in sorted(brands):
        first.setdefault(compact_brand(brands[key]) or key, key)
    return {key: first[compact_brand(brands[key]) or key] for key in brands}


def load_frame(connection: Connection) -> ProductFrame:
    """Read every product, its brand, listings (with their shelf labels) and categories in
    four queries.

    Base names drop the words of the product's own brand key; the frame's brand keys are
    then unified by :func:`same_brands`.
    """
    rows = connection.execute(
        select(Product.id, Product.name, Brand.key, Product.sizes, Product.barcode, Brand.name)
        .outerjoin(Brand, Brand.id == Product.brand_id)
        .order_by(Product.id)
    ).all()
    frame = ProductFrame(
        ids=np.array([r[0] for r in rows], dtype=np.int64),
        names=[r[1] for r in rows],
        brand_keys=[r[2] or "" for r in rows],
        sizes=[r[3] or "" for r in rows],
        barcodes=[r[4] for r in rows],
        brand_names=[r[5] or "" for r in rows],
    )
    unified = same_brands({k: n for k, n in connection.execute(select(Brand.key, Brand.name))})
    frame.brand_keys = [unified.get(k, k) for k in frame.brand_keys]
    index = frame.index_of()
    members: dict[int, set[int]] = defaultdict(set)
    companies: list[set[int]] = [set() for _ in rows]
    labels: list[str | None] = [None] * len(rows)
    listed = select(Listing.product_id, Listing.company_id, Listing.category_id, Listing.label)
    for product_id, company_id, category_id, label in connection.execute(
        listed.order_by(Listing.id)
    ):
        i = index[product_id]
        companies[i].add(company_id)
        if category_id is not None:
            members[category_id].add(i)
        labels[i] = labels[i] or label
    frame.labels = labels
    frame.members = {c: np.array(sorted(m), dtype=np.int64) for c, m in sorted(members.items())}
    frame.companies = [frozenset(c) for c in companies]
    frame.categories = {
        r.id: CategoryInfo(r.id, r.company_id, r.path, r.name)
        for r in connection.execute(
            select(Category.id, Category.company_id, Category.path, Category.name)
        )
    }
    return frame
