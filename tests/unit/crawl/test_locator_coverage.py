"""A store locator answer vouches for every store nearer than its farthest: the sweep does not
ask the grid cells such an answer already holds."""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request

from grocer.items import StoreItem
from grocer.spiders.iga_stores import IgaStoresSpider
from grocer.spiders.locator import StoreLocatorSpider
from grocer.spiders.woolworths_stores import WoolworthsStoresSpider
from tests.unit.crawl.contexts import answered, locator_spider

# The real answer for a point in Sydney's CBD: six stores, the farthest 4.2 km away.
STORES = Path(__file__).parents[2] / "fixtures" / "woolworths" / "stores.json"
SYDNEY = (-33.865143, 151.2099)
IGA_ANSWER = Path(__file__).parents[2] / "fixtures" / "iga" / "storelocator.jsonp"
COVERED = "grocer/stores/points_covered"


def locator(cls: type[StoreLocatorSpider] = WoolworthsStoresSpider, **kwargs: Any) -> Any:
    return locator_spider(cls, **kwargs)


def answer(spider: StoreLocatorSpider, payload: Any, at: tuple[float, float]) -> list[Any]:
    """What the spider makes of ``payload`` as the answer for the point ``at``."""
    return answered(spider, spider.point(*at, spider.step), payload)


def swept(spider: StoreLocatorSpider) -> list[tuple[float, float]]:
    """The points the sweep asks, given the answers so far."""

    async def points() -> list[tuple[float, float]]:
        return [(r.cb_kwargs["latitude"], r.cb_kwargs["longitude"]) async for r in spider.start()]

    return asyncio.run(points())


def sydney_answer() -> dict[str, Any]:
    return json.loads(STORES.read_text(encoding="utf-8"))


def test_the_cells_an_answer_holds_are_not_asked() -> None:
    spider = locator(step=0.05)
    assert all(isinstance(s, StoreItem) for s in answer(spider, sydney_answer(), SYDNEY))
    # a 0.02 degree cell beside the point reaches 1.5 km from its centre: held by the
    # 4.2 km answer; the same cell 0.05 degrees (5.5 km) south is not
    assert spider._covered(-33.875, 151.2, 0.02)
    assert not spider._covered(-33.915, 151.2, 0.02)
    assert not spider._covered(-33.875, 151.2, 0.1)  # a larger cell pokes out
    assert spider.crawler.stats.get_value(COVERED) == 1


def test_a_sweep_skips_what_earlier_answers_hold() -> None:
    spider = locator(step=5)
    everything = swept(spider)
    assert spider.crawler.stats.get_value(COVERED) is None
    # an answer at the centre of the continent whose farthest store is in Perth, 2,000 km
    # away, names every store of the cells within that distance
    perth = sydney_answer()
    perth["Stores"] = perth["Stores"][:1]
    perth["Stores"][0].update(Latitude="-31.9523", Longitude="115.8613")
    answer(spider, perth, (-25.0, 133.0))
    left = swept(spider)
    assert set(left) < set(everything)
    assert (-24.0, 132.0) not in left and (-44.0, 112.0) in left
    assert spider.crawler.stats.get_value(COVERED) == len(everything) - len(left)


def test_a_store_placed_outside_australia_vouches_for_nothing() -> None:
    spider = locator(step=0.5)
    misplaced = sydney_answer()
    wrong = copy.deepcopy(misplaced["Stores"][0])
    wrong.update(StoreNo="9999", Latitude="-33.678460", Longitude="-33.678460")
    misplaced["Stores"].append(wrong)  # as real store lists hold: latitude given twice
    stores = answer(spider, misplaced, SYDNEY)
    # the store is kept, its place not trusted
    assert "9999" in {s.store_id for s in stores if isinstance(s, StoreItem)}
    assert not spider._covered(*SYDNEY, 0.5)
    assert spider._covered(*SYDNEY, 0.02)


def test_location_ids_are_no_places() -> None:
    spider = locator(IgaStoresSpider)
    jsonp = IGA_ANSWER.read_text(encoding="utf-8")
    assert answer(spider, jsonp, (5001.0, 0.0))  # stores around location id 5001
    assert len(spider.searched) == 0


def test_cover_0_asks_every_point() -> None:
    spider = locator(step=5, cover="0")
    everything = swept(spider)
    answer(spider, sydney_answer(), (-34.0, 151.0))
    assert swept(spider) == everything and len(spider.searched) == 0
    with pytest.raises(ValueError, match="cover must be 1 or 0"):
        locator(cover="maybe")


def test_without_a_known_cap_an_answer_short_of_its_cell_is_searched_finer() -> None:
    spider = locator(step=2)  # Woolworths: whether Max=10000 is honoured is not known
    # six stores within 4.2 km of a point whose cell reaches 157 km: the answer may have been
    # cut short, so the cell is searched again at half the step
    finer = [r for r in answer(spider, sydney_answer(), SYDNEY) if isinstance(r, Request)]
    assert len(finer) == 4 and {r.cb_kwargs["step"] for r in finer} == {1.0}
    assert spider.crawler.stats.get_value("grocer/stores/cells_refined") == 1
    # an answer reaching 2,000 km holds its cell: nothing finer
    perth = sydney_answer()
    perth["Stores"] = perth["Stores"][:1]
    perth["Stores"][0].update(Latitude="-31.9523", Longitude="115.8613")
    assert not [r for r in answer(spider, perth, (-25.0, 133.0)) if isinstance(r, Request)]
    # an empty answer says nothing of a cap, nor does one of a misplaced store: nothing finer
    assert answer(spider, {"Stores": []}, (-44.0, 112.0)) == []
    misplaced = sydney_answer()
    misplaced["Stores"] = misplaced["Stores"][:1]
    misplaced["Stores"][0].update(Latitude="0", Longitude="0")
    assert all(isinstance(r, StoreItem) for r in answer(spider, misplaced, (-44.0, 112.0)))
