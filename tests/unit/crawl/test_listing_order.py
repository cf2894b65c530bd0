"""The order listing pages are requested in: first pages first, then the longest listings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import scrapy
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

from grocer.items import ListingPageItem
from grocer.retailers.common import Category, ListingPage
from grocer.spiders.aldi import AldiSpider
from grocer.spiders.base import FIRST_PAGE_PRIORITY, listing_priority
from grocer.spiders.woolworths import WoolworthsSpider
from tests.unit.crawl.contexts import give_run

SEARCH_PAGE = Path(__file__).parents[2] / "fixtures" / "aldi" / "product_search.json"
CATEGORY = Category(key="970000000", slug="bakery", path=("Bakery",))


@pytest.mark.parametrize(
    ("pages_left", "priority"),
    [(None, 0), (0, 0), (1, 1), (2, 2), (3, 2), (4, 3), (52, 6), (10_000, FIRST_PAGE_PRIORITY - 1)],
)
def test_more_pages_left_come_sooner_below_first_pages(
    pages_left: int | None, priority: int
) -> None:
    assert listing_priority(pages_left) == priority


def test_pages_left_counts_from_the_next_page_by_offset_or_page_number() -> None:
    aldi = AldiSpider(store="G102")  # offsets 0, 30, 60, ...
    assert aldi.pages_left(ListingPage(items=[], next_page=60, total=95)) == 2
    assert aldi.pages_left(ListingPage(items=[], next_page=90, total=90)) == 0
    assert aldi.pages_left(ListingPage(items=[], next_page=60, total=None)) is None
    woolworths = WoolworthsSpider(store="1234")  # pages 1, 2, 3, ...
    size = woolworths.page_size
    assert woolworths.pages_left(ListingPage(items=[], next_page=2, total=3 * size + 1)) == 3


def crawl_output(total: int | None) -> list[Any]:
    """What the Aldi spider yields for one listing page at offset 30."""
    crawler = get_crawler(AldiSpider)
    spider = AldiSpider.from_crawler(crawler, store="G102")
    give_run(crawler, spider)
    payload = json.loads(SEARCH_PAGE.read_text(encoding="utf-8"))
    if total is not None:
        payload["meta"] = {"pagination": {"offset": 30, "limit": 30, "totalCount": total}}
    request = spider.listing_request(CATEGORY, 30)
    response = TextResponse(
        request.url, body=json.dumps(payload).encode(), request=request, encoding="utf-8"
    )
    return list(spider.parse_listing(response, CATEGORY, 30))


def test_a_listing_page_asks_for_its_successor_by_the_pages_left() -> None:
    item, follow = crawl_output(total=30 * 20)
    assert isinstance(item, ListingPageItem)
    assert isinstance(follow, scrapy.Request) and "offset=60" in follow.url
    assert follow.priority == listing_priority(18)
    _, unknown = crawl_output(total=None)
    assert unknown.priority == 0


def test_every_category_starts_before_any_listing_continues() -> None:
    crawler = get_crawler(AldiSpider)
    spider = AldiSpider.from_crawler(crawler, store="G102")
    give_run(crawler, spider)
    first = list(spider.category_requests([CATEGORY]))
    assert [r.priority for r in first] == [FIRST_PAGE_PRIORITY]
