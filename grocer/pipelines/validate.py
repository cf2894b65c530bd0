"""Validation pipeline: every product, store and barcode outcome gets one verdict.

An invalid product leaves its listing page (never the page); an invalid store or barcode
outcome is dropped.  Counted in the stats: ``grocer/validate/ok``,
``grocer/validate/rejected/<kind>:<field>`` (and their total ``grocer/validate/rejected``),
``grocer/products`` (every product record met) and, per accepted record, the coverage of the
fields the crawl-health checks judge, ``grocer/coverage/<field>`` (a record with the field).
``GROCER_SCHEMA_VALIDATION = False`` skips the JSON Schema (to measure what it costs).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Self

from scrapy.exceptions import DropItem

from grocer.items import BarcodeItem, ListingPageItem, ProductItem, StoreItem
from grocer.normalize.validate import Rejected, validate_barcode, validate_item, validate_store

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

OK = "grocer/validate/ok"
REJECTED = "grocer/validate/rejected"
PRODUCTS = "grocer/products"
COVERAGE = "grocer/coverage"
# The product fields whose coverage is judged: a product "has" one when this says so.
PRODUCT_COVERAGE: dict[str, Callable[[ProductItem], bool]] = {
    "price": lambda p: p.price is not None,
    "unit_price": lambda p: p.unit_price_value is not None or bool(p.unit_price_text),
    "size": lambda p: bool(p.size),
    "category": lambda p: bool(p.category_path),
}


class ValidatePipeline:
    """Checks each record, dropping invalid ones with a counted reason (see the module)."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.schema = crawler.settings.getbool("GROCER_SCHEMA_VALIDATION", True)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ListingPageItem):
            counts: Counter[str] = Counter()
            item.products = [p for p in item.products if self._product(p, counts)]
            for name, count in counts.items():
                self.stats.inc_value(name, count)
            return item
        if isinstance(item, ProductItem):
            counts = Counter()
            accepted = self._product(item, counts)
            for name, count in counts.items():
                self.stats.inc_value(name, count)
            if not accepted:
                raise DropItem(f"rejected product {item.sku!r}")
            return item
        if isinstance(item, StoreItem):
            self._other(validate_store, item, item.store_id)
        elif isinstance(item, BarcodeItem):
            self._other(validate_barcode, item, item.sku)
            if item.barcode:
                self.stats.inc_value(f"{COVERAGE}/barcode")
        return item

    def _product(self, product: ProductItem, counts: Counter[str]) -> bool:
        """Validate one product in place, counting its verdict; False when rejected."""
        counts[PRODUCTS] += 1
        try:
            _, notes = validate_item(product, schema=self.schema)
        except Rejected as rejection:
            counts[f"{REJECTED}/{rejection.reason}"] += 1
            counts[REJECTED] += 1
            logger.debug("rejected %s", rejection)
            return False
        counts[OK] += 1
        for note in notes:  # e.g. missing_price: the product lands, no price row
            counts[f"grocer/validate/{note}"] += 1
        for field, has in PRODUCT_COVERAGE.items():
            if has(product):
                counts[f"{COVERAGE}/{field}"] += 1
        return True

    def _other(self, validate: Callable[[Any], Any], item: Any, key: object) -> None:
        """Validate a store or barcode item; dropped with its reason counted when invalid."""
        if not self.schema:
            self.stats.inc_value(OK)
            return
        try:
            validate(item)
        except Rejected as rejection:
            self.stats.inc_value(f"{REJECTED}/{rejection.reason}")
            self.stats.inc_value(REJECTED)
            raise DropItem(f"rejected {type(item).__name__} {key!r}: {rejection}") from None
        self.stats.inc_value(OK)
