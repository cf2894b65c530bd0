"""Woolworths store locator: every store, upserted into ``stores``.

``scrapy crawl woolworths_stores``
"""

from __future__ import annotations

from scrapy.http import Response

from grocer.constants import WOOLWORTHS
from grocer.items import StoreItem
from grocer.retailers import woolworths
from grocer.retailers.common import RequestSpec, loads_json
from grocer.spiders.locator import StoreLocatorSpider


class WoolworthsStoresSpider(StoreLocatorSpider):
    """GET ``/apis/ui/StoreLocator/Stores`` (supermarkets, EG and Ampol sites, ``Max=10000``)
    on a 2 degree grid, finer wherever an answer does not hold its cell (whether the site
    honours ``Max=10000`` or cuts answers shorter is not known); fuel sites are kept but
    marked not crawlable."""

    name = "woolworths_stores"
    company = WOOLWORTHS
    allowed_domains = ["www.woolworths.com.au"]
    default_step = 2.0

    def point_request(self, latitude: float, longitude: float) -> RequestSpec:
        return woolworths.stores_request(self.base_url, latitude, longitude)

    def parse_stores_payload(self, response: Response) -> list[StoreItem]:
        return woolworths.parse_stores(loads_json(response.body))
