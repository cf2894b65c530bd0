"""The base of the store locator spiders: a fixed sweep of search points, stores de-duplicated.

Locators answer "the N stores nearest a point".  A fixed grid over Australia (the spider's
``step`` argument) is the same every run, unlike a random step; where an answer is full
(``cap`` stores) and all of them lie within the grid cell, the cell is dense and is searched
again at half the step, so city stores beyond the N nearest are not missed; where the cap is
not known (Woolworths), so is any answer that does not hold its whole cell.  An answer also
names every store closer to its point than its farthest store, so a grid cell that such a
disc already holds is not asked (``grocer/stores/points_covered``): start requests are
drawn lazily (Scrapy's ``needs_backout`` pattern) so that answers come in before the cells
they cover are reached.  The ``StoresPipeline`` upserts what the spiders yield.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, ClassVar, Self

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.http import Response

from grocer.config import Config
from grocer.constants import LOCATOR_RUN
from grocer.crawl.context import allow_host, crawl_config
from grocer.geo import SearchedArea, distance_km
from grocer.items import StoreItem
from grocer.pipelines import STORE_PIPELINES
from grocer.retailers.common import MalformedPayload, RequestSpec
from grocer.spiders.base import flag_argument

# Mainland Australia and Tasmania.
LATITUDES = (-44.0, -10.0)
LONGITUDES = (112.0, 154.0)
MIN_STEP = 0.05
KM_PER_DEGREE = 111.0


def grid(step: float) -> Iterator[tuple[float, float]]:
    """Search points every ``step`` degrees over Australia's bounding box, coarse first: every
    16th point of every 16th row, then the points of every 8th not yet given, and so on, so
    that the first answers are spread over the continent (their discs cover most cells).

    >>> points = list(grid(1.0))
    >>> points[:4], len(points) == len(set(points)) == 35 * 43
    ([(-44.0, 112.0), (-44.0, 128.0), (-44.0, 144.0), (-28.0, 112.0)], True)
    """
    steps_lat = int((LATITUDES[1] - LATITUDES[0]) / step) + 1
    steps_lon = int((LONGITUDES[1] - LONGITUDES[0]) / step) + 1
    given: set[tuple[int, int]] = set()
    for stride in (16, 8, 4, 2, 1):
        for i in range(0, steps_lat, stride):
            for j in range(0, steps_lon, stride):
                if (i, j) not in given:
                    given.add((i, j))
                    yield round(LATITUDES[0] + i * step, 4), round(LONGITUDES[0] + j * step, 4)


class StoreLocatorSpider(scrapy.Spider):
    """Sweeps a retailer's store locator.  Subclasses set ``company``, ``default_step`` and
    implement ``point_request`` and ``parse_stores_payload``; their ``custom_settings``
    extend this class's."""

    company: ClassVar[str]
    default_step: ClassVar[float] = 0.5
    cap: ClassVar[int | None] = None  # stores in a full answer; None: not known
    # Answers are the stores nearest the point searched (False: points are not places).
    nearest_first: ClassVar[bool] = True
    custom_settings: ClassVar[dict[str, Any]] = {"ITEM_PIPELINES": STORE_PIPELINES}
    run_kind: ClassVar[str] = LOCATOR_RUN
    base_url: str

    def __init__(
        self, step: str | float | None = None, cover: str | bool = True, *args: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.step = float(step) if step else self.default_step
        if not 0.05 <= self.step <= 10:
            raise ValueError(f"step must be between 0.05 and 10 degrees, not {self.step}")
        # -a cover=0: ask every grid point (should a locator stop answering nearest first)
        self.cover = flag_argument(cover, "cover") and self.nearest_first
        self.seen: set[str] = set()
        self.searched = SearchedArea()

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
            if self.crawler.engine.needs_backout():
                await self.crawler.signals.wait_for(signals.scheduler_empty)
            if not self._covered(latitude, longitude, self.step):
                yield self.point(latitude, longitude, self.step)

    def _covered(self, latitude: float, longitude: float, step: float) -> bool:
        """Whether earlier answers named every store of the cell (counted when so)."""
        if not (self.cover and self.searched.covers(latitude, longitude, step)):
            return False
        self.crawler.stats.inc_value("grocer/stores/points_covered")
        return True

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
        latitude, longitude = kwargs.get("latitude"), kwargs.get("longitude")
        if latitude is None or longitude is None:
            return
        farthest = _farthest(stores, latitude, longitude)
        if self.cover:
            self.searched.add(latitude, longitude, farthest)
        if self._dense(stores, farthest, latitude, longitude, step):
            self.crawler.stats.inc_value("grocer/stores/cells_refined")
            half, quarter = step / 2, step / 4
            for dlat in (-quarter, quarter):
                for dlon in (-quarter, quarter):
                    sub = (latitude + dlat, longitude + dlon)
                    if not self._covered(*sub, half):
                        yield self.point(*sub, half)

    def _dense(
        self,
        stores: list[StoreItem],
        farthest: float,
        latitude: float,
        longitude: float,
        step: float,
    ) -> bool:
        """A full answer whose stores all lie within the searched cell: search it finer.
        Without a known cap, any answer may have been cut at a count the retailer does not
        say: one that names a store in Australia (``farthest`` > 0) but does not hold the
        whole cell is searched finer (an answer of misplaced stores alone would be refined
        down to the least step)."""
        if step / 2 < MIN_STEP:
            return False
        if self.cap is None:
            held = self.searched.covers(latitude, longitude, step)
            return self.cover and farthest > 0 and not held
        if len(stores) < self.cap:
            return False
        radius = step * KM_PER_DEGREE
        return all(
            s.latitude is not None
            and s.longitude is not None
            and distance_km(latitude, longitude, s.latitude, s.longitude) <= radius
            for s in stores
        )


def _farthest(stores: list[StoreItem], latitude: float, longitude: float) -> float:
    """The distance of an answer's farthest located store from the point searched (0 for
    none): every store nearer than it is in the answer.  A store placed outside Australia
    (0, 0, or latitude given twice, as real store lists hold) would stretch the disc over
    the continent, so it does not count."""
    return max(
        (
            distance_km(latitude, longitude, s.latitude, s.longitude)
            for s in stores
            if s.latitude is not None
            and s.longitude is not None
            and LATITUDES[0] <= s.latitude <= LATITUDES[1]
            and LONGITUDES[0] <= s.longitude <= LONGITUDES[1]
        ),
        default=0.0,
    )
