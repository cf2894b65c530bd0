"""A crawler whose run is open, without a database: for spider code that reads its context;
a store locator spider on a crawler without an engine, and its answers."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.extension import ExtensionManager
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

from grocer.config import load_config
from grocer.crawl.context import RunContext
from grocer.crawl.run import RunLifecycle
from grocer.spiders.locator import StoreLocatorSpider


def give_run(crawler: Crawler, spider: Any, **fields: Any) -> RunContext:
    """Install a run lifecycle holding an open run of ``spider`` on ``crawler``."""
    context = RunContext(
        run_id=fields.pop("run_id", 1),
        attempt=fields.pop("attempt", 1),
        spider=spider.name,
        company=spider.company,
        store_id=getattr(spider, "store_id", None),
        **fields,
    )
    lifecycle = RunLifecycle(crawler, engine=None, config=load_config())  # type: ignore[arg-type]
    lifecycle._context = context
    crawler.extensions = ExtensionManager(lifecycle, crawler=crawler)
    return context


def locator_spider(cls: type[StoreLocatorSpider], **kwargs: Any) -> Any:
    """A store locator spider on a crawler whose downloader always has room (no engine)."""
    crawler = get_crawler(cls)
    spider = cls.from_crawler(crawler, **kwargs)
    crawler.spider = spider
    crawler.engine = SimpleNamespace(needs_backout=lambda: False)
    return spider


def answered(spider: StoreLocatorSpider, request: Request, payload: Any) -> list[Any]:
    """What the locator spider makes of ``payload`` (JSON-able, or text) as the answer to
    ``request``."""
    body = payload if isinstance(payload, str) else json.dumps(payload)
    response = TextResponse(request.url, body=body.encode(), request=request, encoding="utf-8")
    return list(spider.parse(response, **request.cb_kwargs))
