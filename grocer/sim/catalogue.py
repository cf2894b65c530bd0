"""The shipped catalogue: products per retailer, loaded once, optionally scaled for benchmarks.

Products are read from ``grocer/sim/data/catalogue.json.gz`` (built by
:mod:`grocer.sim.build_catalogue`); retailer page templates from ``templates.json.gz``.
"""

from __future__ import annotations

import functools
import gzip
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any, TypeVar

from grocer.sim.money import shelf_ceil, shelf_floor, shelf_round
from grocer.sim.rng import mix, pick, text_seed

T = TypeVar("T")
DATA_DIR = Path(__file__).parent / "data"
COMPANIES = ("coles", "woolworths", "aldi", "iga")
# A product grocer identifies with another listing (across retailers, or two SKUs of one;
# docs/simulator-bargains.md) is served within [ref / SHARED_SPREAD, ref * SHARED_SPREAD] of
# its group's reference price ``ref``: any two of its prices are at most 1.18 ** 2 = 1.39 x
# apart, under the 1.5 x bargain threshold.
SHARED_SPREAD = Decimal("1.18")

_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:g|kg|ml|l|mL|L|pack|sheets)\b")
_VARIANTS = (
    ("Original", Decimal("1")),
    ("Lite", Decimal("1")),
    ("Family Pack", Decimal("1.8")),
    ("Value Pack", Decimal("2.5")),
    ("Mini", Decimal("0.5")),
    ("Extra Large", Decimal("1.5")),
    ("Classic", Decimal("1")),
    ("Organic", Decimal("1")),
    ("Reduced Salt", Decimal("1")),
    ("Twin Pack", Decimal("2")),
    ("Smooth", Decimal("1")),
    ("Crunchy", Decimal("1")),
)


@dataclass
class Product:
    """One retailer product of the catalogue (prices are regular prices in cents)."""

    company: str
    sku: str
    name: str
    brand: str
    size: str
    leaf: str  # the listing category: Coles dept slug, Woolworths NodeId, Aldi key, IGA id
    price: int
    gtin: str | None = None
    unit: tuple[int, str, Decimal] | None = None  # basis qty, basis unit, unit price / price
    cat: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    variant_of: str | None = None
    # The cheapest and dearest shelf price it may be served at, when grocer identifies it with
    # other listings (from ``extra["ref"]``, see :func:`shared_band`); None otherwise.
    band: tuple[int, int] | None = None
    # The unit factor as an exact integer ratio (fast unit prices); set from ``unit``.
    unit_ratio: tuple[int, int] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.unit_ratio = self.unit[2].as_integer_ratio() if self.unit else None

    @property
    def leaves(self) -> list[str]:
        """Every listing category showing the product: its merchandise ``leaf`` first, then
        promotional ones (``extra["also"]``, e.g. Aldi's "Limited Time Only")."""
        return [self.leaf, *self.extra.get("also", ())]

    @property
    def fresh(self) -> bool:
        """Fresh produce (Aldi's state zones differ only on these)."""
        return bool(self.cat) and self.cat[0].lower() in (
            "fruits & vegetables",
            "fruit & vegetables",
        )


@dataclass
class Catalogue:
    """Every retailer's products plus the page templates captured from the real sites."""

    products: dict[str, list[Product]]
    templates: dict[str, Any]
    price_week: str
    by_sku: dict[str, dict[str, Product]] = field(default_factory=dict)
    # Values derived once from the templates (tree indexes, per-leaf fragments), by name.
    derived: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.reindex()

    def reindex(self) -> None:
        """Rebuild the sku indexes after products were added."""
        self.by_sku = {c: {p.sku: p for p in ps} for c, ps in self.products.items()}

    def get(self, company: str, sku: str) -> Product | None:
        """The product with this sku, if any."""
        return self.by_sku[company].get(sku)

    def memo(self, name: str, build: Callable[[], T]) -> T:
        """The value derived under ``name``, built on first use (building is idempotent,
        so two threads racing here at worst build it twice)."""
        if name not in self.derived:
            self.derived[name] = build()
        value: T = self.derived[name]
        return value


def shared_band(ref: int) -> tuple[int, int]:
    """The cheapest and dearest shelf prices a shared product with reference price ``ref``
    (cents) may be served at; ``dear <= cheap * SHARED_SPREAD ** 2``.

    >>> shared_band(500)
    (425, 590)
    """
    low = int((Decimal(ref) / SHARED_SPREAD).to_integral_value(rounding=ROUND_CEILING))
    high = int((Decimal(ref) * SHARED_SPREAD).to_integral_value(rounding=ROUND_FLOOR))
    cheap, dear = max(10, shelf_ceil(low)), shelf_floor(high)
    if cheap > dear:  # a few cents: no shelf price in between, so one price only
        cheap = dear = shelf_round(ref)
    return cheap, dear


def _product(company: str, raw: dict[str, Any]) -> Product:
    keys = {"sku", "name", "brand", "size", "leaf", "price", "gtin", "unit", "cat"}
    unit = raw.get("unit")
    extra = {k: v for k, v in raw.items() if k not in keys}
    seed = text_seed(f"{company}:{raw['sku']}")
    if company == "woolworths":
        extra["marketplace"] = mix(seed, 21) % 50 == 0  # sold by a marketplace seller
    return Product(
        company=company,
        sku=raw["sku"],
        name=raw["name"],
        brand=raw.get("brand") or "",
        size=raw.get("size") or "",
        leaf=raw["leaf"],
        price=int(raw["price"]),
        gtin=raw.get("gtin"),
        unit=(int(unit[0]), unit[1], Decimal(unit[2])) if unit else None,
        cat=list(raw.get("cat") or []),
        extra=extra,
        seed=seed,
        band=shared_band(int(extra["ref"])) if extra.get("ref") else None,
    )


@functools.lru_cache(maxsize=1)
def _raw(data_dir: str) -> tuple[dict[str, Any], dict[str, Any]]:
    with gzip.open(Path(data_dir) / "catalogue.json.gz", "rt", encoding="utf-8") as fh:
        catalogue = json.load(fh)
    with gzip.open(Path(data_dir) / "templates.json.gz", "rt", encoding="utf-8") as fh:
        templates = json.load(fh)
    return catalogue, templates


def load_catalogue(scale: int | None = None, data_dir: Path = DATA_DIR) -> Catalogue:
    """Load the shipped catalogue; with ``scale``, grow each retailer to at least that many."""
    raw, templates = _raw(str(data_dir))
    products = {c: [_product(c, r) for r in raw[c]] for c in COMPANIES}
    catalogue = Catalogue(products=products, templates=templates, price_week=raw["price_week"])
    if scale:
        for company in COMPANIES:
            grow(catalogue, company, scale)
        catalogue.reindex()
    return catalogue


def gtin_check_digit(body: str) -> str:
    """The GS1 mod-10 check digit for the digits of ``body``."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def grow(catalogue: Catalogue, company: str, target: int) -> None:
    """Synthesise variants of real products until ``company`` has ``target`` products.

    Variants keep the original's brand, category and unit basis, get a descriptor in the
    name, a scaled size and price, and unique skus and barcodes (valid check digits).
    """
    base = list(catalogue.products[company])
    if not base or len(base) >= target:
        return
    products = catalogue.products[company]
    taken = {p.sku for p in products}
    n = 0
    while len(products) < target:
        source = base[n % len(base)]
        round_no = n // len(base)
        n += 1
        label, factor = _VARIANTS[(mix(source.seed, round_no) % len(_VARIANTS))]
        descriptor = f"{label} {round_no + 1}" if round_no >= len(_VARIANTS) else label
        sku = _variant_sku(company, source, n, taken)
        taken.add(sku)
        price = max(50, int(Decimal(source.price) * factor))
        price -= price % 10
        price += 9 if factor != 1 else source.price % 10
        gtin = None
        if source.gtin or company in ("woolworths", "iga"):
            body = f"93{(mix(source.seed, n, 5) % 10**10):010d}"
            gtin = body + gtin_check_digit(body)
        size = _scaled_size(source.size, factor)
        extra = {k: v for k, v in source.extra.items() if k not in ("grp", "ref")}
        if company == "aldi":
            extra["slug"] = f"{source.extra.get('slug', source.sku)}-{pick(('v', 'x'), n)}{n}"
        products.append(
            Product(
                company=company,
                sku=sku,
                name=f"{source.name} {descriptor}",
                brand=source.brand,
                size=size,
                leaf=source.leaf,
                price=price,
                gtin=gtin,
                unit=source.unit,
                cat=list(source.cat),
                extra=extra,
                seed=text_seed(f"{company}:{sku}"),
                variant_of=source.sku,
            )
        )


def _scaled_size(size: str, factor: Decimal) -> str:
    """``500g`` scaled by 1.8 -> ``900g``; sizes without a number are kept."""
    if factor == 1:
        return size
    match = _SIZE.search(size)
    if not match:
        return size
    value = (Decimal(match.group(1)) * factor).normalize()
    text = f"{value:f}".rstrip("0").rstrip(".") if "." in f"{value:f}" else f"{value:f}"
    return size[: match.start(1)] + text + size[match.end(1) :]


def _variant_sku(company: str, source: Product, n: int, taken: set[str]) -> str:
    candidate = n
    while True:
        if company == "aldi":
            sku = f"{900_000_000 + candidate:018d}"
        elif company == "iga":
            sku = str(700_000_000 + candidate)
        else:
            sku = str(9_000_000 + candidate)
        if sku not in taken:
            return sku
        candidate += 1_000_003
