"""One updating progress line for a store's crawl on a terminal (silent otherwise).

A full crawl counts the categories whose listing has ended, out of those the store has (those
an interrupted attempt finished count as done); a sample counts the listings it holds, out
of those it wants. Log lines are written above the line while it is shown, not through it.
``grocer crawl`` shows one line for all its stores instead (``GROCER_PROGRESS=False``).
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured

from grocer.items import ListingPageItem
from grocer.progress import logs_above_bars, progress

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from tqdm import tqdm


class CrawlProgress:
    """Shows ``<spider> <store>: x/y categories [n products]`` while a catalogue crawl runs."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.bar: tqdm[Any] | None = None
        self.products = 0
        self._logs = ExitStack()  # log lines above the line while it is shown

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("GROCER_PROGRESS", True):
            raise NotConfigured
        extension = cls(crawler)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def item_scraped(self, item: Any, spider: Any) -> None:
        if not isinstance(item, ListingPageItem):
            return
        bar = self.bar if self.bar is not None else self._open(spider)
        self.products += len(item.products)
        if getattr(spider, "sample", None):
            bar.update(len(item.products))
        else:
            stats = self.crawler.stats
            total = stats.get_value("grocer/categories") if stats else None
            if total and bar.total != total:
                bar.total = total
            bar.update(int(item.ended))
        bar.set_postfix_str(f"{self.products:,} products")

    def _open(self, spider: Any) -> tqdm[Any]:
        sample = getattr(spider, "sample", None)
        stats = self.crawler.stats
        skipped = stats.get_value("grocer/resume/categories_skipped", 0) if stats else 0
        categories = stats.get_value("grocer/categories") if stats else None
        self.bar = progress(
            sample or categories,
            f"{spider.name} {getattr(spider, 'store_id', '')}",
            unit="listing" if sample else "category",
            initial=0 if sample else int(skipped or 0),
        )
        if not self.bar.disable:
            self._logs.enter_context(logs_above_bars())
        return self.bar

    def spider_closed(self, spider: Any) -> None:
        self._logs.close()
        if self.bar is not None:
            self.bar.close()
            self.bar = None
