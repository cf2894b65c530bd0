"""Aldi's listings judged by the simulator's planted, hand-read table (``identity.json``).

Aldi serves no barcodes, so no barcode pair labels an Aldi listing: the identity score is
fitted on Coles-IGA pairs only.  The planted table (``grocer.sim.equivalents``) names which
real Aldi listings of the corpus are one product with which Coles and IGA listings (Aldi's
listing of a national brand), and which are substitutes or decoys (never one product).  On
the corpus ingested with barcodes hidden, that is a check of a retailer pair the score never
saw: ``bench/identity.py`` reports it beside the folds' figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from grocer.analysis.identity.fit import ListingKey
from grocer.sim.equivalents import planted_table
from grocer.unionfind import Groups

OTHERS = ("coles", "iga")  # the retailers of the corpus that Aldi's listings are judged against


@dataclass(frozen=True)
class PlantedPairs:
    """Listing pairs of Aldi and another corpus retailer: one product, and never one."""

    same: list[tuple[ListingKey, ListingKey]]  # (Aldi listing, other listing)
    apart: list[tuple[ListingKey, ListingKey]]


def planted_pairs(product_of: Mapping[ListingKey, int]) -> PlantedPairs:
    """The planted table's Aldi pairs whose two listings the corpus holds."""
    table = planted_table()
    same = []
    for group in table["equivalents"]:
        members = [(ref["company"], str(ref["sku"])) for ref in group["listings"]]
        members = [m for m in members if m in product_of]
        for aldi in (m for m in members if m[0] == "aldi"):
            same += [(aldi, other) for other in members if other[0] in OTHERS]
    apart = []
    for entry in (*table["substitutes"], *table["decoys"]):
        a = (entry["a"]["company"], str(entry["a"]["sku"]))
        b = (entry["b"]["company"], str(entry["b"]["sku"]))
        if a[0] == "aldi" and b[0] in OTHERS or b[0] == "aldi" and a[0] in OTHERS:
            if a in product_of and b in product_of:
                apart.append((a, b) if a[0] == "aldi" else (b, a))
    return PlantedPairs(same, apart)


@dataclass
class PlantedScore:
    """Counts over planted pairs: joined as one product, and joined wrongly."""

    pairs: int = 0
    joined: int = 0
    wrong: int = 0  # an apart pair joined, or an Aldi listing joined to another product

    def add(self, other: PlantedScore) -> None:
        self.pairs += other.pairs
        self.joined += other.joined
        self.wrong += other.wrong


def judge_planted(
    planted: PlantedPairs,
    judged: set[ListingKey],
    product_of: Mapping[ListingKey, int],
    links: Iterable[tuple[int, int]],
) -> PlantedScore:
    """Score the planted pairs whose non-Aldi listing is in ``judged`` (a fold) against the
    products ingest made and the ``links`` between them."""
    groups = Groups()
    for a, b in links:
        groups.join(a, b)
    at: dict[str, set[int]] = {c: set() for c in OTHERS}
    for (company, _), product in product_of.items():
        if company in at:
            at[company].add(product)
    score = PlantedScore()
    for aldi, other in planted.same:
        if other not in judged:
            continue
        a, b = product_of[aldi], product_of[other]
        score.pairs += 1
        if groups.find(a) == groups.find(b):
            score.joined += 1
        elif any(groups.find(p) == groups.find(a) for p in at[other[0]] - {a}):
            score.wrong += 1  # joined to another product of that retailer
    for aldi, other in planted.apart:
        if other in judged:
            score.wrong += groups.find(product_of[aldi]) == groups.find(product_of[other])
    return score
