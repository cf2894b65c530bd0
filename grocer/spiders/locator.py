"""The base of the store locator spiders: a fixed sweep of search points, stores de-duplicated.

Locators answer "the N stores nearest a point".  A fixed grid over Australia (the spider's
``step`` argument) repeats the same way every run, unlike a random step; where an answer is
full (``cap`` stores) and all of them lie within the grid cell, the cell is dense and is
searched again at half the step, so city stores beyond the N nearest are not missed.  The
``StoresPipeline`` upserts what the spiders yield.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, ClassVar, Self

import scrapy
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.http import Response

from grocer.config import Config
from grocer.constants import LOCATOR_RUN
from grocer.crawl.context import allow_host, crawl_config
from grocer.items import StoreItem
from grocer.pipelines import STORE_PIPELINES
from grocer.retailers.common import MalformedPayload, RequestSpec

# Mainland Australia and Tasmania.
LATITUDES = (-44.0, -10.0)
LONGITUDES = (112.0, 154.0)
MIN_STEP = 0.05
KM_PER_DEGREE = 111.0


def grid(step: float) -> Iterator[tuple[float, float]]:
    """Search points every ``step`` degrees over Australia's bounding box, row by row."""
    steps_lat = int((LATITUDES[1] - LATITUDES[0]) / step) + 1
    steps_lon = int((LONGITUDES[1] - LONGITUDES[0]) / step) + 1
    for i in range(steps_lat):
        for j in range(steps_lon):
            yield round(LATITUDES[0] + i * step, 4), round(LONGITUDES[0] + j * step, 4)


class StoreLocatorSpider(scrapy.Spider):
    """Sweeps a retailer's store locator.  Subclasses set ``company``, ``default_step`` and
    implement ``point_request`` and ``parse_stores_payload``; their ``custom_settings``
    extend this class's."""

    company: ClassVar[str]
    default_step: ClassVar[float] = 0.5
    cap: ClassVar[int | None] = None  # stores in a full answer; None: answers are never full
    custom_settings: ClassVar[dict[str, Any]] = {"ITEM_PIPELINES": STORE_PIPELINES}
    run_kind: ClassVar[str] = LOCATOR_RUN
    base_url: str

    def __init__(self, step: str | float | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.step = float(step) if step else self.default_step
        if not 0.05 <= self.step <= 10:
            raise ValueError(f"step must be between 0.05 and 10 degrees, not {self.step}")
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.base_url = cls.locator_url(crawl_config(crawler.settings))
        allow_host(spider, spider.base_url)
        return spider

    @classmethod
    def locator_url(cls, config: Config) -> str:
        """The locator's base URL (the retailer's, unless it lives elsewhere)."""
        return config.retailer_url(cls.company)

    def point_request(self, latitude: float, longitude: float) -> RequestSpec:
        """Override: the locator request around one point."""
        raise NotImplementedError

    def parse_stores_payload(self, response: Response) -> list[StoreItem]:
        """Override: the stores in one locator response."""
        raise NotImplementedError

    def search_points(self) -> Iterable[tuple[float, float]]:
        return grid(self.step)

    async def start(self) -> AsyncIterator[Any]:
        for latitude, longitude in self.search_points():
            yield self.point(latitude, longitude, self.step)

    def point(self, latitude: float, longitude: float, step: float) -> scrapy.Request:
        spec = self.point_request(latitude, longitude)
        return scrapy.Request(
            spec.url,
            method=spec.method,
            headers=dict(spec.headers),
            cookies=dict(spec.cookies),
            body=spec.json_body(),
            callback=self.parse,
            cb_kwargs={"latitude": latitude, "longitude": longitude, "step": step},
            dont_filter=True,
        )

    def parse(self, response: Response, **kwargs: Any) -> Iterable[Any]:
        try:
            stores = self.parse_stores_payload(response)
        except MalformedPayload as error:
            retry = get_retry_request(response.request, spider=self, reason="malformed_payload")
            if retry is not None:
                yield retry
            else:
                self.logger.error("giving up on %s: %s", response.url, error)
                self.crawler.stats.inc_value("grocer/stores/points_lost")
            return
        for store in stores:
            if store.store_id in self.seen:
                continue
            self.seen.add(store.store_id)
            yield store
        step = kwargs.get("step", self.step)
        if self._dense(stores, kwargs.get("latitude"), kwargs.get("longitude"), step):
            self.crawler.stats.inc_value("grocer/stores/cells_refined")
            half, quarter = step / 2, step / 4
            for dlat in (-quarter, quarter):
                for dlon in (-quarter, quarter):
                    yield self.point(kwargs["latitude"] + dlat, kwargs["longitude"] + dlon, half)

    def _dense(
        self, stores: list[StoreItem], latitude: float | None, longitude: float | None, step: float
    ) -> bool:
        """A full answer whose stores all lie within the searched cell: search it finer."""
        if self.cap is None or latitude is None or longitude is None or step / 2 < MIN_STEP:
            return False
        if len(stores) < self.cap:
            return False
        radius = step * KM_PER_DEGREE
        return all(
            s.latitude is not None
            and s.longitude is not None
            and _km(latitude, longitude, s.latitude, s.longitude) <= radius
            for s in stores
        )


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))
