"""Sampled crawls: a few hundred of a store's listings, the same ones at every store that week.

A zone member's health check does not need its whole catalogue: the zone comparison needs a
few hundred listings in common with the anchor (DESIGN §6).  ``scrapy crawl <retailer> -a
store=<id> -a sample=<listings>`` requests the first listing page of categories in an order
seeded by the company and the ISO week, in waves, until it holds that many listings.  Every
store of a company sampled in the same week samples the same categories, so sampled stores can
also be compared with each other (learning zones for a whole store master cheaply).
"""

from __future__ import annotations

import itertools
import math
import random
import zlib
from dataclasses import dataclass, field
from datetime import date

from grocer.retailers.common import Category


def sample_order(company: str, day: date, categories: list[Category]) -> list[Category]:
    """The categories in the order a sample visits them on ``day``: one from each department
    (the root of the path) in turn, departments and categories shuffled by a seed of the
    company and the ISO week, so the same for every store of the company that week.

    Taking the departments in turn matters: price zones often differ in one department only
    (Aldi's states on fresh produce), which a sample must not miss.
    """
    year, week, _ = day.isocalendar()
    shuffle = random.Random(zlib.crc32(f"{company}:{year}-W{week:02d}".encode())).shuffle
    departments: dict[str, list[Category]] = {}
    for category in sorted(categories, key=lambda category: category.key):
        departments.setdefault(category.path[0] if category.path else "", []).append(category)
    groups = [departments[name] for name in sorted(departments)]
    shuffle(groups)
    for group in groups:
        shuffle(group)
    return [c for turn in itertools.zip_longest(*groups) for c in turn if c is not None]


@dataclass
class SamplePlan:
    """Which first pages a sample requests next.

    ``wanted`` listings; waves of first pages, each sized for the listings still missing at
    ``page_size`` per page; a wave is planned when the previous one has fully arrived.
    """

    wanted: int
    page_size: int
    order: list[Category]
    pending: int = 0
    requested: int = 0
    _skus: set[str] = field(default_factory=set)

    @property
    def listings(self) -> int:
        """The distinct listings the sample holds so far."""
        return len(self._skus)

    def next_wave(self) -> list[Category]:
        """The categories whose first page to request now (empty while a wave is pending or
        when the sample is complete or the categories are exhausted)."""
        if self.pending or self.listings >= self.wanted:
            return []
        count = math.ceil((self.wanted - self.listings) / self.page_size)
        wave = self.order[self.requested : self.requested + count]
        self.requested += len(wave)
        self.pending = len(wave)
        return wave

    def arrived(self, skus: list[str]) -> None:
        """A requested first page has been handled (``skus`` its listings, none when lost)."""
        self.pending = max(0, self.pending - 1)
        self._skus.update(skus)
