"""RetryAfterMiddleware: a 429 with ``Retry-After`` is waited out without spending a retry (up
to ``GROCER_RATE_LIMIT_WAITS``); 503s and 429s without it spend retries after their wait."""

from __future__ import annotations

import asyncio
from collections import Counter
from types import SimpleNamespace
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import Response
from scrapy.settings import Settings

from grocer.middlewares import retry
from grocer.middlewares.retry import RATE_LIMIT_WAITS, RetryAfterMiddleware

URL = "http://127.0.0.1:1/aldi/v3/product-search?page=1"


class Stats(Counter[str]):
    def inc_value(self, key: str, count: float = 1, start: float = 0) -> None:
        self[key] += count  # type: ignore[assignment]


def middleware(**settings: Any) -> tuple[RetryAfterMiddleware, Stats]:
    stats = Stats()
    crawler = SimpleNamespace(settings=Settings({"RETRY_TIMES": 2, **settings}), stats=stats)
    crawler.spider = SimpleNamespace(crawler=crawler)
    return RetryAfterMiddleware(crawler), stats  # type: ignore[arg-type]


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The seconds the middleware slept, without sleeping."""
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(retry.asyncio, "sleep", sleep)
    return slept


def answer(mw: RetryAfterMiddleware, request: Request, status: int, **headers: str) -> Any:
    response = Response(request.url, status=status, headers=headers, request=request)
    return asyncio.run(mw.process_response(request, response))


def test_a_429_with_retry_after_is_waited_out_without_spending_a_retry(waits: list[float]) -> None:
    mw, stats = middleware()
    request = Request(URL, meta={"retry_times": 1})
    again = answer(mw, request, 429, **{"Retry-After": "3"})
    assert isinstance(again, Request) and again.url == URL and again.dont_filter
    assert again.meta["retry_times"] == 1  # no retry spent
    assert again.meta[RATE_LIMIT_WAITS] == 1
    assert waits == [3.0]
    assert stats["grocer/rate_limited"] == 1 and stats["grocer/retry/status_429"] == 1
    assert "retry/count" not in stats


def test_rate_limit_waits_are_bounded_then_spend_retries(waits: list[float]) -> None:
    mw, stats = middleware(GROCER_RATE_LIMIT_WAITS=3)
    request = Request(URL)
    for _ in range(3):
        request = answer(mw, request, 429, **{"Retry-After": "1"})
    assert request.meta[RATE_LIMIT_WAITS] == 3 and "retry_times" not in request.meta
    for times in (1, 2):  # RETRY_TIMES = 2
        request = answer(mw, request, 429, **{"Retry-After": "1"})
        assert request.meta["retry_times"] == times
    given_up = answer(mw, request, 429, **{"Retry-After": "1"})
    assert isinstance(given_up, Response) and given_up.status == 429
    assert stats["grocer/rate_limited"] == 3 and stats["retry/count"] == 2
    assert stats["grocer/retry/status_429"] == 6


def test_a_429_without_retry_after_and_a_503_spend_retries_after_a_backoff(
    waits: list[float],
) -> None:
    mw, stats = middleware(GROCER_RETRY_BACKOFF=0.5)
    request = Request(URL)
    first = answer(mw, request, 429)
    assert first.meta["retry_times"] == 1 and RATE_LIMIT_WAITS not in first.meta
    second = answer(mw, first, 503, **{"Retry-After": "2"})
    assert second.meta["retry_times"] == 2
    assert waits == [0.5, 2.0]
    assert answer(mw, second, 503).status == 503  # retries used up
    assert "grocer/rate_limited" not in stats and stats["retry/count"] == 2


def test_waits_are_capped_and_other_answers_pass(waits: list[float]) -> None:
    mw, _ = middleware(GROCER_RETRY_MAX_WAIT=5)
    again = answer(mw, Request(URL), 429, **{"Retry-After": "600"})
    assert isinstance(again, Request) and waits == [5.0]
    assert answer(mw, Request(URL), 200).status == 200
    assert answer(mw, Request(URL, meta={"dont_retry": True}), 429).status == 429
