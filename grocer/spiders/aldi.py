"""Aldi: one store's catalogue (``scrapy crawl aldi -a store=G102``)."""

from __future__ import annotations

from typing import Any, ClassVar

import scrapy
from scrapy.http import Response

from grocer.constants import ALDI
from grocer.retailers import aldi
from grocer.retailers.common import Category, ListingPage, loads_json
from grocer.spiders.base import RetailerSpider, page_key


class AldiSpider(RetailerSpider):
    """GET ``/v2/product-category-tree``, then ``/v3/product-search`` 30 at a time by offset.

    Prices are in cents; the store is the ``servicePoint`` parameter; past the last page the
    API answers HTTP 400.
    """

    name = "aldi"
    company = ALDI
    page_size = aldi.PAGE_SIZE
    allowed_domains = ["api.aldi.com.au"]
    first_page = 0
    page_step = aldi.PAGE_SIZE
    custom_settings: ClassVar[dict[str, Any]] = {
        **RetailerSpider.custom_settings,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
    }

    def categories_request(self) -> scrapy.Request:
        spec = aldi.categories_request(self.base_url, store_id=self.store_id)
        return self.request(spec, self.parse_categories)

    def parse_categories_payload(self, response: Response) -> list[Category]:
        return aldi.parse_categories(loads_json(response.body))

    def listing_request(
        self, category: Category, page: int, previous_skus: frozenset[str] = frozenset()
    ) -> scrapy.Request:
        spec = aldi.search_request(self.base_url, category, page, store_id=self.store_id)
        return self.request(
            spec,
            self.parse_listing,
            cb_kwargs={"category": category, "page": page},
            meta={"handle_httpstatus_list": [aldi.HTTP_BAD_REQUEST]},
        )

    def parse_listing_page(
        self, response: Response, category: Category, page: int, previous_skus: frozenset[str]
    ) -> ListingPage:
        if aldi.is_end_of_listing(response.status):
            return ListingPage(items=[], next_page=None)
        return aldi.parse_search(
            loads_json(response.body),
            store_id=self.store_id,
            offset=page,
            category_path=category.path,
            page_key=page_key(category, page),
        )
