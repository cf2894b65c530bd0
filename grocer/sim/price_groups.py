"""Cross-retailer product groups of the catalogue build, with prices kept close (build time)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from grocer.sim.equivalents import equivalent_groups
from grocer.sim.money import scale_cents, shelf_round
from grocer.sim.rng import mix, text_seed

# A grouped product's regular price starts within this factor of its group's reference price;
# the price model then holds every served price within ``catalogue.SHARED_SPREAD`` of it.
SHARED_CORE = Decimal("1.08")


def link_shared(products: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    """Group the products that are one (:mod:`grocer.sim.equivalents`: shared barcodes and the
    planted table) and keep their prices close (docs/simulator-bargains.md).

    Every member of a group of two or more gets ``grp`` (the group's number) and ``ref``, the
    group's reference price (the median of its members' regular prices, in whole cents).
    Nearly all groups span two or more retailers; the few within one retailer (two SKUs of one
    product) are held together too.  A member whose
    corpus-derived price (or Aldi QLD price) lies outside ``[ref / SHARED_CORE, ref *
    SHARED_CORE]`` is re-priced to ``ref`` times a per-product factor of 0.97 to 1.03.
    Returns figures for the build log.
    """
    records = {(c, r["sku"]): r for c, rows in products.items() for r in rows}
    figures = {"groups": 0, "shared_groups": 0, "grouped_products": 0, "repriced": 0}
    for number, group in enumerate(equivalent_groups(products)):
        members = [records[m] for m in group]
        figures["groups"] += 1
        for record in members:
            record["grp"] = number
        figures["shared_groups"] += len({company for company, _ in group}) > 1
        figures["grouped_products"] += len(group)
        prices = sorted(record["price"] for record in members)
        ref = (prices[(len(prices) - 1) // 2] + prices[len(prices) // 2]) // 2
        for (company, sku), record in zip(group, members, strict=True):
            record["ref"] = ref
            for key in ("price", "qld"):
                value = record.get(key)
                if value and not ref / SHARED_CORE <= value <= ref * SHARED_CORE:
                    percent = 97 + mix(text_seed(f"{company}:{sku}:{key}"), 31) % 7
                    record[key] = shelf_round(scale_cents(ref, Decimal(percent) / 100))
                    figures["repriced"] += 1
            if record.get("qld") == record["price"]:
                record["qld"] = None
    return figures
