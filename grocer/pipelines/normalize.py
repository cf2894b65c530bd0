"""Normalisation pipeline: a validated :class:`ProductItem` becomes an :class:`Observation`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from grocer.items import ListingPageItem, ProductItem
from grocer.normalize.product import Observation, normalize_item, unit_price_example

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


DISAGREEMENTS = "grocer/unit_price/disagreements"
EXAMPLES = "unit_price_disagreements"  # up to MAX_EXAMPLES per run, kept with its stats
MAX_EXAMPLES = 20


class NormalizePipeline:
    """Adds the observations of a listing page's validated products, counting dropped and
    flagged barcodes and unit prices whose figures disagree (with a few examples) in the
    stats."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ListingPageItem):
            item.observations = [self._normalize(p) for p in item.products]
        return item

    def _normalize(self, product: ProductItem) -> Observation:
        observation, notes = normalize_item(product)
        for note in notes:
            self.stats.inc_value(f"grocer/normalize/{note}")
        if observation.unit_price_disagreement:
            self.stats.inc_value(DISAGREEMENTS)
            examples = self.stats.get_value(EXAMPLES) or []
            if len(examples) < MAX_EXAMPLES:
                self.stats.set_value(EXAMPLES, [*examples, unit_price_example(product)])
        return observation
