"""The floor for bench/crawl.py: a bare Scrapy spider that requests and parses an Aldi store's
listing pages with grocer's parser functions, yields the parsed products as items and writes
nothing (no pipelines, no feed).  With ``-a items=0`` it yields no items, only the next
pages' requests: the cost of fetching and parsing alone.

Run through Scrapy's command line, as ``scrapy crawl aldi`` is, from a folder outside the
project (so Scrapy's default settings apply, not grocer's pipelines)::

    scrapy runspider /path/to/bench/bare_spider.py -a base=BASE_URL -a store=G102 [-a items=0]
    # prints {"products": N} when it closes
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy

from grocer.retailers import aldi
from grocer.retailers.common import Category, loads_json


class BareSpider(scrapy.Spider):
    name = "bare"
    custom_settings = {
        "ITEM_PIPELINES": {},
        "LOG_LEVEL": "WARNING",
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
    }
    products = 0

    def __init__(self, base: str, store: str, items: str = "1", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base, self.store, self.yield_items = base, store, items != "0"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        spec = aldi.categories_request(self.base, store_id=self.store)
        yield scrapy.Request(spec.url, callback=self.categories)

    def categories(self, response: scrapy.http.Response) -> Iterator[scrapy.Request]:
        for category in aldi.parse_categories(loads_json(response.body)):
            yield self.page(category, 0)

    def page(self, category: Category, offset: int) -> scrapy.Request:
        spec = aldi.search_request(self.base, category, offset, store_id=self.store)
        return scrapy.Request(
            spec.url,
            callback=self.listing,
            meta={"handle_httpstatus_list": [aldi.HTTP_BAD_REQUEST]},
            cb_kwargs={"category": category, "offset": offset},
        )

    def listing(
        self, response: scrapy.http.Response, category: Category, offset: int
    ) -> Iterator[Any]:
        if aldi.is_end_of_listing(response.status):
            return
        page = aldi.parse_search(
            loads_json(response.body),
            store_id=self.store,
            offset=offset,
            category_path=category.path,
        )
        self.products += len(page.items)
        if self.yield_items:
            yield from page.items
        if page.next_page is not None:
            yield self.page(category, page.next_page)

    def closed(self, reason: str) -> None:
        print(json.dumps({"products": self.products}))
