"""A whole Woolworths store-locator sweep against locators of other answer shapes: answers cut
at a count the spider is not told of (the site's own store locator page asks ``Max=30``), or
at a radius.  The simulator's stores answer, the spider's own parse decides what to ask next,
one request at a time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from scrapy import Request

from grocer.items import StoreItem
from grocer.sim.store_registry import load_stores
from grocer.sim.woolworths import store_json
from grocer.spiders.woolworths_stores import WoolworthsStoresSpider
from tests.unit.crawl.contexts import answered, locator_spider

Answer = Callable[[float, float], list[dict[str, Any]]]
REGISTRY = load_stores()


def nearest(limit: int, radius_km: float = float("inf")) -> Answer:
    def answer(latitude: float, longitude: float) -> list[dict[str, Any]]:
        found = REGISTRY.nearest("woolworths", latitude, longitude, limit)
        return [store_json(s, d) for d, s in found if d <= radius_km]

    return answer


def sweep(answer: Answer, **spider_args: Any) -> tuple[set[str], int]:
    """The stores a sweep finds and the requests it makes, each answered before the next."""
    spider = locator_spider(WoolworthsStoresSpider, **spider_args)
    found: set[str] = set()
    asked = 0

    def ask(request: Request) -> None:
        nonlocal asked
        asked += 1
        at = request.cb_kwargs
        for out in answered(spider, request, {"Stores": answer(at["latitude"], at["longitude"])}):
            if isinstance(out, StoreItem):
                found.add(out.store_id)
            else:
                ask(out)

    async def run() -> None:
        async for request in spider.start():
            ask(request)

    asyncio.run(run())
    return found, asked


def located() -> set[str]:
    return {s.store_id for s in REGISTRY.stores["woolworths"] if (s.lat, s.lon) != (0, 0)}


@pytest.mark.parametrize(
    ("answer", "most_requests"),
    [
        (nearest(30), 500),
        (nearest(100), 200),
        (nearest(10_000, radius_km=200), 800),
        (nearest(10_000), 50),
    ],
    ids=["cut-at-30", "cut-at-100", "cut-at-200-km", "every-store"],
)
def test_every_store_is_found_however_the_locator_cuts_its_answers(
    answer: Answer, most_requests: int
) -> None:
    found, asked = sweep(answer)
    assert found == located()
    assert asked <= most_requests
