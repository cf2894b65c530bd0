"""IGA store locator: every store, upserted into ``stores`` (``scrapy crawl iga_stores``)."""

from __future__ import annotations

from collections.abc import Iterable

from scrapy.http import Response

from grocer.config import Config
from grocer.constants import IGA
from grocer.items import StoreItem
from grocer.retailers import iga
from grocer.retailers.common import RequestSpec
from grocer.spiders.locator import StoreLocatorSpider

LAST_LOCATION_ID = 23001


class IgaStoresSpider(StoreLocatorSpider):
    """GET salefinder's IGA locator (JSONP, up to 1,500 stores around a location id) for every
    ``step``-th location id; the store's online-shop id (``tag``) becomes its ``aux_id``, and
    stores without one are kept but marked not crawlable.  In dev the simulator serves it."""

    name = "iga_stores"
    company = IGA
    allowed_domains = ["embed.salefinder.com.au"]
    default_step = 1.0
    nearest_first = False  # its points are location ids, not places

    def search_points(self) -> Iterable[tuple[float, float]]:
        every = max(1, int(self.step * 1000))  # step 1.0: every 1,000th location id
        return ((float(n), 0.0) for n in range(1, LAST_LOCATION_ID + 1, every))

    @classmethod
    def locator_url(cls, config: Config) -> str:
        return config.iga_locator_url

    def point_request(self, latitude: float, longitude: float) -> RequestSpec:
        return iga.stores_request(int(latitude), locator_base=self.base_url)

    def parse_stores_payload(self, response: Response) -> list[StoreItem]:
        return iga.parse_stores(response.text)
