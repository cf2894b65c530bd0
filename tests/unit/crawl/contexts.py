"""A crawler whose run is open, without a database: for spider code that reads its context."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.extension import ExtensionManager

from grocer.config import load_config
from grocer.crawl.context import RunContext
from grocer.crawl.run import RunLifecycle


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
