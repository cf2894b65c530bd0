"""Planted cases with known answers: cross-retailer bargains, decoys and specials.

Cases are chosen deterministically from the catalogue and dated relative to the simulator's
start date, so the ground-truth API can state what analysis should conclude:

- ``bargain_barcode``: one barcode at Coles and Woolworths, Woolworths 1.8x dearer;
- ``bargain_name``: the same name, brand and size at Coles and Aldi (no barcode), Coles 1.7x;
- ``decoy_stale``: like a bargain (2x), but the dearer listing disappears from every store
  three days after the start, so its price goes stale;
- ``decoy_mismatch``: one barcode on a single item and on a 24-can carton (9x): not a bargain;
- ``decoy_under_threshold``: one barcode, 1.4x dearer: under the 1.5x threshold;
- ``illusory_special``: the regular price is raised the week before a "special" that only
  brings it back down;
- ``genuine_half_price``: a steady regular price, then one half-price week;
- ``multibuy``: a steady shelf price with a standing "Buy 3 for $X" offer (Coles), so a
  basket of three or more packs costs the offer's price.

Each case's products are one product on their own (:mod:`grocer.sim.equivalents`): a pair is
a group (``grp``) of exactly its two listings, a single product is in no group, so no other
listing joins a case.  Every other product sold by several listings is served close in price
(docs/simulator-bargains.md), so these are the only bargains the simulator makes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from grocer.sim.catalogue import Catalogue, Product
from grocer.sim.clock import price_week
from grocer.sim.money import dollars, scale_cents, shelf_round
from grocer.sim.pricing import Listing, week_index
from grocer.sim.rng import text_seed

if TYPE_CHECKING:
    from grocer.sim.pricing import PriceModel
    from grocer.sim.store_registry import Store

PLANTED_ALDI_SKU = "000000000999000001"


@dataclass
class _Rule:
    """How one planted sku is priced: fixed, or per-week phases."""

    price: int
    removed_from: date | None = None
    raised_week: int | None = None
    raised_price: int | None = None
    special_week: int | None = None
    special_price: int | None = None
    multibuy: tuple[int, int] | None = None  # (quantity, cents for that many together)


@dataclass
class PlantedCase:
    """One planted case and the answer analysis should reach."""

    kind: str
    expected: str
    listings: list[dict[str, Any]]
    dates: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "kind": self.kind,
            "expected": self.expected,
            "listings": self.listings,
            "dates": self.dates,
        }


class Planted:
    """The planted cases and the price overrides that realise them."""

    def __init__(self, cases: list[PlantedCase], rules: dict[tuple[str, str], _Rule]) -> None:
        self.cases = cases
        self.rules = rules
        self._skus: dict[str, set[str]] = {}
        for company, sku in rules:
            self._skus.setdefault(company, set()).add(sku)

    def skus(self, company: str) -> set[str]:
        """Skus of ``company`` whose listings are planted."""
        return self._skus.get(company, set())

    def listing(
        self, model: PriceModel, store: Store, product: Product, day: date
    ) -> Listing | None:
        """The planted listing (present in every crawlable store until removed)."""
        rule = self.rules[(product.company, product.sku)]
        if rule.removed_from is not None and day >= rule.removed_from:
            return None
        week = week_index(day)
        price, was, promo = rule.price, None, None
        if rule.raised_week is not None and week == rule.raised_week:
            price = rule.raised_price or rule.price
        if rule.special_week is not None and week == rule.special_week:
            was = rule.raised_price or rule.price
            price, promo = rule.special_price or rule.price, "SPECIAL"
        available = product.company != "aldi"
        offer = rule.multibuy if was is None else None
        return Listing(product, price, was, available, promo, offer)


def _entry(product: Product, price: int, **extra: Any) -> dict[str, Any]:
    return {
        "company": product.company,
        "sku": product.sku,
        "name": product.name,
        "brand": product.brand,
        "size": product.size,
        "barcode": product.gtin,
        "price": str(dollars(price)),
        **extra,
    }


def build_planted(catalogue: Catalogue, start: date) -> Planted:
    """Choose the planted products (adding two synthetic listings) and date the cases."""
    coles = catalogue.by_sku["coles"]
    woolworths_by_gtin = {p.gtin: p for p in catalogue.products["woolworths"] if p.gtin}
    # Identity groups (``grp``, from the catalogue build): a planted pair is a group of just
    # its two listings, a planted single product is in no group, so no other listing takes
    # part in a planted case.
    group_sizes = Counter(
        p.extra["grp"] for ps in catalogue.products.values() for p in ps if "grp" in p.extra
    )

    def alone(p: Product) -> bool:
        return "grp" not in p.extra and p.variant_of is None

    shared = sorted(
        (
            p
            for p in coles.values()
            if p.gtin in woolworths_by_gtin
            and p.variant_of is None
            and group_sizes[p.extra.get("grp")] == 2
        ),
        key=lambda p: (text_seed(p.gtin or ""), p.sku),
    )
    solo = sorted(
        (p for p in coles.values() if p.gtin and p.gtin not in woolworths_by_gtin and alone(p)),
        key=lambda p: (text_seed(p.sku), p.sku),
    )
    if len(shared) < 4 or len(solo) < 3:
        raise ValueError("catalogue too small for the planted cases")
    special_week = week_index(start) + 2
    special_start = price_week(start) + timedelta(days=14)
    removed = start + timedelta(days=3)
    rules: dict[tuple[str, str], _Rule] = {}
    cases: list[PlantedCase] = []

    def pair(case: str, ratio: str, expected: str, coles_p: Product, **kw: Any) -> None:
        wool = woolworths_by_gtin[coles_p.gtin or ""]
        wool.extra["marketplace"] = False
        cheap = coles_p.price
        dear = shelf_round(scale_cents(cheap, Decimal(ratio)))
        rules[("coles", coles_p.sku)] = _Rule(price=cheap)
        rules[("woolworths", wool.sku)] = _Rule(price=dear, removed_from=kw.get("removed_from"))
        dates = {"removed_from": kw["removed_from"].isoformat()} if kw.get("removed_from") else {}
        cases.append(
            PlantedCase(
                kind=case,
                expected=expected,
                listings=[
                    _entry(coles_p, cheap, role="cheaper"),
                    _entry(wool, dear, role="dearer"),
                ],
                dates=dates,
            )
        )

    pair("bargain_barcode", "1.8", "bargain", shared[0])
    pair(
        "decoy_stale",
        "2.0",
        "no bargain once the dearer price is stale (7 days after removed_from)",
        shared[1],
        removed_from=removed,
    )
    pair("decoy_under_threshold", "1.4", "no bargain (under the 1.5x threshold)", shared[2])

    # A mismatched product: the Woolworths record with this barcode is a 24-can carton.
    mismatch = shared[3]
    carton = woolworths_by_gtin[mismatch.gtin or ""]
    carton.name = f"{carton.name} Carton 24 x 375mL"
    carton.size = "24 x 375mL"
    pair(
        "decoy_mismatch",
        "9.0",
        "no bargain (mismatched products: sizes differ, ratio above the plausibility cap)",
        mismatch,
    )

    # The same name, brand and size at Aldi, without a barcode.
    named = min(
        (
            p
            for p in coles.values()
            if not p.gtin
            and alone(p)
            and p.size
            and p.brand
            and p.brand.lower() != "coles"
            and p.unit is not None
        ),
        key=lambda p: (text_seed(p.sku), p.sku),
    )
    aldi_price = shelf_round(scale_cents(named.price, Decimal(1) / Decimal("1.7")))
    aldi_leaf = catalogue.products["aldi"][0].leaf if catalogue.products["aldi"] else "1111111170"
    aldi_product = Product(
        company="aldi",
        sku=PLANTED_ALDI_SKU,
        name=named.name,
        brand=named.brand.upper(),
        size=named.size,
        leaf=aldi_leaf,
        price=aldi_price,
        unit=named.unit,
        cat=list(catalogue.products["aldi"][0].cat) if catalogue.products["aldi"] else [],
        extra={"slug": "planted-" + named.sku, "img": None, "only": None, "qld": None},
        seed=text_seed(f"aldi:{PLANTED_ALDI_SKU}"),
    )
    if catalogue.get("aldi", PLANTED_ALDI_SKU) is None:
        catalogue.products["aldi"].append(aldi_product)
        catalogue.reindex()
    rules[("coles", named.sku)] = _Rule(price=named.price)
    rules[("aldi", PLANTED_ALDI_SKU)] = _Rule(price=aldi_price)
    cases.append(
        PlantedCase(
            kind="bargain_name",
            expected="bargain (matched by name, brand and size; Aldi has no barcodes)",
            listings=[
                _entry(aldi_product, aldi_price, role="cheaper"),
                _entry(named, named.price, role="dearer"),
            ],
        )
    )

    illusory = solo[0]
    raised = shelf_round(scale_cents(illusory.price, Decimal("1.25")))
    rules[("coles", illusory.sku)] = _Rule(
        price=illusory.price,
        raised_week=special_week - 1,
        raised_price=raised,
        special_week=special_week,
        special_price=illusory.price,
    )
    cases.append(
        PlantedCase(
            kind="illusory_special",
            expected="illusory special (was-price raised the week before)",
            listings=[_entry(illusory, illusory.price, raised_price=str(dollars(raised)))],
            dates={
                "raised_week": (special_start - timedelta(days=7)).isoformat(),
                "special_week": special_start.isoformat(),
            },
        )
    )
    genuine = solo[1]
    half = shelf_round(genuine.price // 2)
    rules[("coles", genuine.sku)] = _Rule(
        price=genuine.price, special_week=special_week, special_price=half
    )
    cases.append(
        PlantedCase(
            kind="genuine_half_price",
            expected="genuine special (half price against a steady regular price)",
            listings=[_entry(genuine, genuine.price, special_price=str(dollars(half)))],
            dates={"special_week": special_start.isoformat()},
        )
    )
    standing = solo[2]
    quantity = 3
    offer_price = standing.price * quantity * 4 // 5
    offer_price -= offer_price % 10
    rules[("coles", standing.sku)] = _Rule(price=standing.price, multibuy=(quantity, offer_price))
    cases.append(
        PlantedCase(
            kind="multibuy",
            expected=f"{quantity} packs cost the offer's price, not {quantity} shelf prices",
            listings=[
                _entry(
                    standing,
                    standing.price,
                    quantity=quantity,
                    offer_price=str(dollars(offer_price)),
                )
            ],
        )
    )
    return Planted(cases, rules)
