"""Aldi store locator: every store, upserted into ``stores`` (``scrapy crawl aldi_stores``)."""

from __future__ import annotations

from scrapy.http import Response

from grocer.constants import ALDI
from grocer.items import StoreItem
from grocer.retailers import aldi
from grocer.retailers.common import RequestSpec, loads_json
from grocer.spiders.locator import StoreLocatorSpider


class AldiStoresSpider(StoreLocatorSpider):
    """GET ``/v2/service-points`` (the walk-in stores nearest a point) on a 1 degree grid,
    finer where stores are dense."""

    name = "aldi_stores"
    company = ALDI
    allowed_domains = ["api.aldi.com.au"]
    default_step = 1.0
    cap = 20  # the locator answers with the 20 nearest stores

    def point_request(self, latitude: float, longitude: float) -> RequestSpec:
        return aldi.stores_request(self.base_url, latitude, longitude)

    def parse_stores_payload(self, response: Response) -> list[StoreItem]:
        return aldi.parse_stores(loads_json(response.body))
