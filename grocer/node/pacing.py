"""A node's pacing: its crawls together stay under a per-address request rate.

A retailer may limit requests per client address.  On a node (``grocer node serve``) every
crawl's requests leave from the node's address, ``GROCER_NODE_SLOTS`` crawls at once, so with
``GROCER_NODE_RATE`` (requests per second per address and retailer) set, each crawl waits
``slots / rate`` seconds between requests to its retailer.  :class:`NodePacing`, a Scrapy
add-on, applies that as ``DOWNLOAD_DELAY`` after the spider's ``custom_settings`` and ``-s``
options are in, wherever it is larger than theirs (a fast test setting ``DOWNLOAD_DELAY=0``
does not break a retailer's limit), and turns the delay's random jitter off (a spacing drawn
between 0.5 and 1.5 times the delay would exceed the rate in some seconds).

Scrapy keeps the delay per download slot (one per host), and a slot with a delay starts one
request per delay whatever ``CONCURRENT_REQUESTS_PER_DOMAIN`` allows; AutoThrottle never goes
below ``DOWNLOAD_DELAY``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from scrapy.settings import SETTINGS_PRIORITIES

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings


def node_delay(rate: float, slots: int) -> float | None:
    """Seconds between one crawl's requests to a retailer so that ``slots`` crawls together
    make at most ``rate`` requests per second; None without a rate."""
    if rate <= 0:
        return None
    return max(slots, 1) / rate


def _set_over(settings: BaseSettings, name: str, value: float) -> None:
    """Set ``name`` whatever priority set it before (``-s`` included)."""
    priority = max(settings.getpriority(name) or 0, SETTINGS_PRIORITIES["addon"])
    settings.set(name, value, priority=priority)


class NodePacing:
    """Scrapy add-on: ``DOWNLOAD_DELAY`` at least ``GROCER_NODE_SLOTS / GROCER_NODE_RATE``."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls()

    def update_settings(self, settings: BaseSettings) -> None:
        delay = node_delay(
            settings.getfloat("GROCER_NODE_RATE"), settings.getint("GROCER_NODE_SLOTS", 1)
        )
        if delay is None:
            return
        if settings.getfloat("DOWNLOAD_DELAY") < delay:
            _set_over(settings, "DOWNLOAD_DELAY", delay)
        _set_over(settings, "DOWNLOAD_DELAY_JITTER", 0.0)
