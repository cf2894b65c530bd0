"""Woolworths: one store's catalogue (``scrapy crawl woolworths -a store=1147``)."""

from __future__ import annotations

from typing import Any, ClassVar

import scrapy
from scrapy.http import Response

from grocer.constants import WOOLWORTHS
from grocer.retailers import woolworths
from grocer.retailers.common import Category, ListingPage, loads_json
from grocer.spiders.base import RetailerSpider, page_key


class WoolworthsSpider(RetailerSpider):
    """GET ``PiesCategoriesWithSpecials`` for the leaves, then POST ``/apis/ui/browse/category``
    36 products a page, ``storeId`` in the body, ``SoldBy(Woolworths)`` filter; a page with no
    products ends a category.  Each product's ``FulfilmentStoreId`` must be the store.
    """

    name = "woolworths"
    company = WOOLWORTHS
    page_size = woolworths.PAGE_SIZE
    allowed_domains = ["www.woolworths.com.au"]
    custom_settings: ClassVar[dict[str, Any]] = {
        **RetailerSpider.custom_settings,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
    }

    def categories_request(self) -> scrapy.Request:
        return self.request(woolworths.categories_request(self.base_url), self.parse_categories)

    def parse_categories_payload(self, response: Response) -> list[Category]:
        return woolworths.parse_categories(loads_json(response.body))

    def listing_request(
        self, category: Category, page: int, previous_skus: frozenset[str] = frozenset()
    ) -> scrapy.Request:
        spec = woolworths.browse_request(self.base_url, category, page, store_id=self.store_id)
        return self.request(
            spec, self.parse_listing, cb_kwargs={"category": category, "page": page}
        )

    def parse_listing_page(
        self, response: Response, category: Category, page: int, previous_skus: frozenset[str]
    ) -> ListingPage:
        return woolworths.parse_browse(
            loads_json(response.body),
            store_id=self.store_id,
            page=page,
            base_url=self.base_url,
            category_path=category.path,
            page_key=page_key(category, page),
        )
