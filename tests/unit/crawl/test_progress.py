"""A store's crawl shows one x/y line on a terminal, and nothing when output is piped."""

from __future__ import annotations

import io
import logging
import sys

import pytest
from scrapy.utils.test import get_crawler

from grocer.crawl.progress import CrawlProgress
from grocer.items import ListingPageItem, ProductItem
from grocer.progress import logs_above_bars, progress
from grocer.spiders.aldi import AldiSpider


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def crawl_pages(sample: int | None = None, resumed: bool = False) -> None:
    """Three categories; two listing pages arrive, the second ending its category.  A resumed
    crawl's first page may come from Scrapy's saved queue before the categories are known."""
    crawler = get_crawler(AldiSpider)
    spider = AldiSpider.from_crawler(crawler, store="G102", sample=sample)
    extension = CrawlProgress.from_crawler(crawler)
    assert crawler.stats is not None
    if not resumed:
        crawler.stats.set_value("grocer/categories", 3)
    products = [
        ProductItem(company="aldi", store_id="G102", sku=str(n), name="Milk", price="1.00")
        for n in range(30)
    ]
    for ended in (False, True):
        page = ListingPageItem("aldi", "G102", f"c#{int(ended)}", list(products), ended=ended)
        extension.item_scraped(page, spider)
        crawler.stats.set_value("grocer/categories", 3)
    extension.spider_closed(spider)


def test_a_full_crawl_counts_finished_categories(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    crawl_pages()
    shown = terminal.getvalue()
    assert "aldi G102" in shown
    assert "0/3" in shown and "1/3" in shown and "60 products" in shown


def test_a_resumed_crawl_learns_the_total_on_the_way(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    crawl_pages(resumed=True)
    assert "1/3" in terminal.getvalue()


def test_a_sample_counts_its_listings(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    crawl_pages(sample=250)
    assert "60/250" in terminal.getvalue()


def test_nothing_is_shown_when_output_is_not_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    piped = io.StringIO()
    monkeypatch.setattr(sys, "stderr", piped)
    crawl_pages()
    assert piped.getvalue() == ""


def test_log_lines_keep_their_level_and_land_above_the_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.INFO)
    root = logging.getLogger()
    root.addHandler(handler)
    level, root.level = root.level, logging.DEBUG  # the handler alone filters, as in Scrapy
    try:
        bar = progress(2, "aldi G102")
        with logs_above_bars():
            logging.getLogger("grocer.test").warning("a page was retried")
            logging.getLogger("grocer.test").debug("noise below the handler's level")
        bar.close()
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert handler.stream is terminal  # restored
    shown = terminal.getvalue()
    assert "a page was retried\n" in shown and "noise" not in shown
