"""Retries that honour ``Retry-After`` and back off exponentially otherwise.

Scrapy's RetryMiddleware re-queues a failed request at once; a retailer answering 429 or 503
asks for a pause.  This subclass waits (without blocking the crawl) for the server's
``Retry-After`` (seconds or an HTTP date, capped by ``GROCER_RETRY_MAX_WAIT``) or for
``GROCER_RETRY_BACKOFF * 2**attempt`` seconds, then hands the retry back to the scheduler.

A 429 carrying ``Retry-After`` is a rate limit, not a failure: it is waited out and the request
sent again without spending one of its ``RETRY_TIMES`` (stat ``grocer/rate_limited``), up to
``GROCER_RATE_LIMIT_WAITS`` times per request, so a server answering 429 forever cannot hold a
request forever; past that such 429s spend retries like any other.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Self

from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.utils.response import response_status_message

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)
RATE_LIMIT_WAITS = "grocer_rate_limit_waits"  # request meta: 429 waits without a retry spent


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header value; None when absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    """Retry 429/5xx responses after the wait the server asks for (or a backoff)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler.settings)
        self.crawler = crawler
        self.max_wait = crawler.settings.getfloat("GROCER_RETRY_MAX_WAIT", 60.0)
        self.backoff = crawler.settings.getfloat("GROCER_RETRY_BACKOFF", 0.5)
        self.rate_limit_waits = crawler.settings.getint("GROCER_RATE_LIMIT_WAITS", 50)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        attempt = int(request.meta.get("retry_times", 0))
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        wait = min(self.backoff * 2**attempt if asked is None else asked, self.max_wait)
        self._count(f"grocer/retry/status_{response.status}")
        self._count("grocer/retry/waited_seconds", wait)
        waits = int(request.meta.get(RATE_LIMIT_WAITS, 0))
        if response.status == 429 and asked is not None and waits < self.rate_limit_waits:
            self._count("grocer/rate_limited")
            logger.debug("rate limited: %s again in %.1f s", request, wait)
            again = request.replace(dont_filter=True)
            again.meta[RATE_LIMIT_WAITS] = waits + 1
            await asyncio.sleep(wait)
            return again
        retry = get_retry_request(
            request,
            spider=self.crawler.spider,
            reason=response_status_message(response.status),
            max_retry_times=request.meta.get("max_retry_times", self.max_retry_times),
            priority_adjust=request.meta.get("priority_adjust", self.priority_adjust),
        )
        if retry is None:
            return response
        if wait > 0:
            await asyncio.sleep(wait)
        return retry

    def _count(self, key: str, value: float = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, value)
