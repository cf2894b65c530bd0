"""Coles store locator: every store, upserted into ``stores`` (``scrapy crawl coles_stores``)."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from scrapy.crawler import Crawler
from scrapy.http import Response

from grocer.constants import COLES
from grocer.items import StoreItem
from grocer.middlewares import coles_session
from grocer.retailers import coles
from grocer.retailers.common import RequestSpec, loads_json
from grocer.spiders.locator import StoreLocatorSpider


class ColesStoresSpider(StoreLocatorSpider):
    """POST the GraphQL ``GetStores`` operation (Coles, Liquorland, Vintage Cellars) on a
    1 degree grid, finer where stores are dense; liquor banners are kept but marked not
    crawlable."""

    name = "coles_stores"
    company = COLES
    allowed_domains = ["www.coles.com.au"]
    default_step = 1.0
    cap = 50  # the locator answers with the 50 nearest stores
    custom_settings: ClassVar[dict[str, Any]] = {
        **StoreLocatorSpider.custom_settings,
        **coles_session.COLES_SESSION_SETTINGS,
    }

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        coles_session.configure(crawler.settings, base_url=spider.base_url, interactive=False)
        return spider

    def point_request(self, latitude: float, longitude: float) -> RequestSpec:
        return coles.stores_request(self.base_url, latitude, longitude)

    def parse_stores_payload(self, response: Response) -> list[StoreItem]:
        return coles.parse_stores(loads_json(response.body))
