"""Normalisation pipeline: a validated :class:`ProductItem` becomes an :class:`Observation`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from grocer.items import ListingPageItem, ProductItem
from grocer.normalize.product import Observation, normalize_item

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class NormalizePipeline:
    """Adds the observations of a listing page's validated products, counting dropped and
    flagged barcodes in the stats."""

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
        return observation
