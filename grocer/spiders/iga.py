"""IGA: one store's catalogue (``scrapy crawl iga -a store=14850``)."""

from __future__ import annotations

from typing import Any, ClassVar

import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.http import Response

from grocer.constants import IGA
from grocer.retailers import iga
from grocer.retailers.common import Category, ListingPage, loads_json
from grocer.spiders.base import RetailerSpider, page_key


class IgaSpider(RetailerSpider):
    """GET ``categoryHierarchy`` for the leaves, then ``categories/{id}/search`` 36 at a time
    by ``skip``.  URLs carry the store's online-shop id (``aux_id``, or ``-a shop=``), sent
    again as the ``iga-shop.retailerStoreId`` cookie.  The listing ends on 404, an empty page,
    or a page repeating the previous page's SKUs (IGA repeats its last page).
    """

    name = "iga"
    company = IGA
    page_size = iga.PAGE_SIZE
    allowed_domains = ["www.igashop.com.au"]
    first_page = 0
    page_step = iga.PAGE_SIZE
    custom_settings: ClassVar[dict[str, Any]] = {
        **RetailerSpider.custom_settings,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
    }

    def __init__(self, store: str | None = None, shop: str | None = None, **kwargs: Any) -> None:
        super().__init__(store, **kwargs)
        self.shop_arg = shop

    @property
    def shop_id(self) -> str:
        shop = self.shop_arg or self.context.aux_id
        if not shop:
            raise CloseSpider("no_online_shop")
        return shop

    def categories_request(self) -> scrapy.Request:
        spec = iga.categories_request(self.base_url, shop_id=self.shop_id)
        return self.request(spec, self.parse_categories)

    def parse_categories_payload(self, response: Response) -> list[Category]:
        return iga.parse_categories(loads_json(response.body))

    def listing_request(
        self, category: Category, page: int, previous_skus: frozenset[str] = frozenset()
    ) -> scrapy.Request:
        spec = iga.search_request(self.base_url, category, page, shop_id=self.shop_id)
        return self.request(
            spec,
            self.parse_listing,
            cb_kwargs={"category": category, "page": page, "previous_skus": previous_skus},
            meta={"handle_httpstatus_list": [iga.HTTP_NOT_FOUND]},
        )

    def parse_listing_page(
        self, response: Response, category: Category, page: int, previous_skus: frozenset[str]
    ) -> ListingPage:
        if iga.is_end_of_listing(response.status):
            return ListingPage(items=[], next_page=None)
        return iga.parse_search(
            loads_json(response.body),
            store_id=self.store_id,
            skip=page,
            previous_skus=previous_skus,
            category_path=category.path,
            page_key=page_key(category, page),
        )
