"""Normalisation pipeline: a validated :class:`ProductItem` becomes an :class:`Observation`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from grocer import constants as c
from grocer.items import ListingPageItem, ProductItem
from grocer.normalize.product import Observation, normalize_observation

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


def normalize_item(item: ProductItem) -> tuple[Observation, list[str]]:
    """Derive the stored fields of a validated item; notes say what was dropped or flagged."""
    assert item.observed_on is not None and item.name
    observation = normalize_observation(
        company=item.company,
        store_id=item.store_id,
        sku=item.sku,
        observed_on=item.observed_on,
        name=item.name,
        brand=item.brand,
        size=item.size,
        barcode=item.barcode,
        url=item.url,
        category_path=tuple(str(p) for p in item.category_path or ()),
        price=item.price,
        was_price=item.was_price,
        unit_price_value=item.unit_price_value,
        unit_price_measure=item.unit_price_measure,
        unit_price_text=item.unit_price_text,
        is_available=item.is_available,
        promo_text=item.promo_text,
        page=item.page,
    )
    notes: list[str] = []
    if observation.gtin.error:
        notes.append(c.DROPPED_BAD_BARCODE)
    elif observation.gtin.instore:
        notes.append(c.FLAGGED_INSTORE_CODE)
    return observation, notes


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
