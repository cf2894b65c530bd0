"""The Coles session middleware's decisions, without a browser: block detection, what a plain
request carries, and how refreshes are bounded (``_obtain`` replaced by a fake browser)."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse, TextResponse
from scrapy.settings import Settings

from grocer.middlewares import coles_session
from grocer.middlewares.coles_session import ColesSession, ColesSessionMiddleware, is_block_page

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "coles"
BASE = "https://www.coles.com.au"
URL = f"{BASE}/browse/pantry?page=1"


class Stats(Counter[str]):
    def inc_value(self, key: str, count: int = 1) -> None:
        self[key] += count

    def set_value(self, key: str, value: Any) -> None:
        self[key] = value


class FakeBrowser:
    """Stands in for ``_obtain``: hands out numbered sessions, or fails ``fail`` times."""

    def __init__(self, middleware: ColesSessionMiddleware, fail: int = 0) -> None:
        self.middleware, self.fail, self.loads = middleware, fail, 0

    async def __call__(self) -> ColesSession:
        self.loads += 1
        generation = self.middleware._generation = next(coles_session._generations)
        if self.fail:
            self.fail -= 1
            raise TimeoutError("challenge not passed")
        return ColesSession(generation, {"reese84": f"s{self.loads}"}, "UA/1")


@pytest.fixture(autouse=True)
def no_shared_session() -> None:
    """Each test starts in a process without a Coles session."""
    coles_session._shared_sessions.clear()


def make(**settings: Any) -> tuple[ColesSessionMiddleware, SimpleNamespace, FakeBrowser]:
    closed: list[str] = []

    def close_spider_async(*, reason: str) -> None:  # the real one returns a coroutine
        closed.append(reason)

    crawler = SimpleNamespace(
        settings=Settings({"GROCER_COLES_SESSION": True, "USER_AGENT": "grocer/0.1", **settings}),
        stats=Stats(),
        spider=SimpleNamespace(store_id="COL:401", base_url=BASE),
        engine=SimpleNamespace(close_spider_async=close_spider_async, closed=closed),
    )
    middleware = ColesSessionMiddleware(crawler)  # type: ignore[arg-type]
    browser = FakeBrowser(middleware)
    middleware._obtain = browser  # type: ignore[method-assign]
    return middleware, crawler, browser


def html(body: str | bytes, url: str = URL, status: int = 200) -> HtmlResponse:
    data = body.encode() if isinstance(body, str) else body
    return HtmlResponse(url, body=data, status=status, request=Request(url))


def send(middleware: ColesSessionMiddleware, request: Request) -> Request:
    asyncio.run(middleware.process_request(request))
    return request


BLOCK = (FIXTURES / "blocked.html").read_bytes()
GOOD = (FIXTURES / "browse_fruit_vegetables_page1.html").read_bytes()


def test_block_pages_are_html_without_next_data() -> None:
    assert is_block_page(html(BLOCK))
    assert not is_block_page(html(GOOD))
    not_found = '<html><script id="__NEXT_DATA__" type="application/json">{}</script></html>'
    assert not is_block_page(html(not_found, status=404))
    json = TextResponse(f"{BASE}/api/graphql", body=b'{"errors": []}', encoding="utf-8")
    assert not is_block_page(json)


def test_off_unless_a_coles_spider_turns_it_on() -> None:
    crawler = SimpleNamespace(settings=Settings({}))
    with pytest.raises(NotConfigured):
        ColesSessionMiddleware(crawler)  # type: ignore[arg-type]


def test_plain_request_carries_the_browser_session_and_the_store() -> None:
    middleware, _, browser = make()
    request = send(middleware, Request(URL, cookies={"shopping-method": "clickAndCollect"}))
    assert request.cookies == {
        "shopping-method": "clickAndCollect",
        "reese84": "s1",
        "fulfillmentStoreId": "401",
    }
    assert request.headers["User-Agent"] == b"UA/1"
    generation = request.meta[coles_session.GENERATION_META]
    assert request.meta["cookiejar"] == f"coles-session-{generation}"
    send(middleware, Request(URL))
    assert browser.loads == 1  # one session serves every request until it is blocked


def test_crawls_in_one_process_share_a_session_and_drop_it_together() -> None:
    first, _, first_browser = make()
    second, _, second_browser = make()
    first_request = send(first, Request(URL))
    second_request = send(second, Request(URL))
    assert second_browser.loads == 0  # the second crawl adopted the first's session
    assert second_request.cookies["reese84"] == "s1"
    assert second_request.cookies["fulfillmentStoreId"] == "401"
    retry = second.process_response(second_request, html(BLOCK))  # ended for everyone
    send(second, retry)
    assert second_browser.loads == 1 and retry.cookies["reese84"] == "s1"  # its own browser
    again = first.process_response(first_request, html(BLOCK))
    send(first, again)
    assert first_browser.loads == 1  # adopted the newer session instead of loading one
    assert again.meta[coles_session.GENERATION_META] == retry.meta[coles_session.GENERATION_META]


def test_block_refreshes_once_per_session_and_retries() -> None:
    middleware, crawler, browser = make()
    first, second = send(middleware, Request(URL)), send(middleware, Request(URL))
    retry = middleware.process_response(first, html(BLOCK))
    also = middleware.process_response(second, html(BLOCK))  # same session: no second refresh
    assert isinstance(retry, Request) and isinstance(also, Request)
    assert retry.dont_filter and retry.meta[coles_session.BLOCKS_META] == 1
    send(middleware, retry)
    send(middleware, also)
    assert browser.loads == 2 and retry.cookies["reese84"] == "s2"
    assert middleware.process_response(retry, html(GOOD)).status == 200
    assert crawler.stats["grocer/coles_session/invalidated"] == 1
    assert crawler.engine.closed == []


def test_refreshing_that_never_helps_stops_the_crawl_blocked() -> None:
    middleware, crawler, browser = make(GROCER_COLES_SESSION_REFRESHES=2)
    request = send(middleware, Request(URL))
    for _ in range(2):  # two refreshes, each met by a block page again
        request = middleware.process_response(request, html(BLOCK))
        send(middleware, request)
    with pytest.raises(IgnoreRequest):
        middleware.process_response(request, html(BLOCK))
    assert browser.loads == 3 and crawler.engine.closed == ["blocked"]
    with pytest.raises(IgnoreRequest):  # nothing else goes out
        send(middleware, Request(URL))
    assert browser.loads == 3


def test_good_pages_between_expiries_keep_the_crawl_going() -> None:
    middleware, crawler, browser = make(GROCER_COLES_SESSION_REFRESHES=1)
    for _ in range(5):  # each session expires after a good page: every refresh helps
        request = send(middleware, Request(URL))
        assert middleware.process_response(request, html(GOOD)).status == 200
        retry = middleware.process_response(send(middleware, Request(URL)), html(BLOCK))
        assert isinstance(retry, Request)
    assert browser.loads == 5 and crawler.engine.closed == []


def test_browser_that_cannot_pass_gives_up_after_the_refreshes() -> None:
    middleware, crawler, browser = make(GROCER_COLES_SESSION_REFRESHES=2)
    browser.fail = 10
    with pytest.raises(IgnoreRequest):
        send(middleware, Request(URL))
    assert browser.loads == 3 and crawler.engine.closed == ["blocked"]
    assert crawler.stats["grocer/coles_session/failed"] == 3


def test_a_browser_failure_then_success_is_one_refresh() -> None:
    middleware, crawler, browser = make()
    browser.fail = 1
    request = send(middleware, Request(URL))
    assert request.cookies["reese84"] == "s2" and crawler.engine.closed == []


def test_store_mismatch_retry_asks_for_a_fresh_session() -> None:
    middleware, _, browser = make()
    first = send(middleware, Request(URL))
    retry = Request(URL, meta={coles_session.REFRESH_META: True, **first.meta})
    send(middleware, retry)
    generations = (
        first.meta[coles_session.GENERATION_META],
        retry.meta[coles_session.GENERATION_META],
    )
    assert browser.loads == 2 and generations[1] > generations[0]
    assert coles_session.REFRESH_META not in retry.meta


def test_interactive_shows_the_browser() -> None:
    settings = Settings(dict(coles_session.COLES_SESSION_SETTINGS))
    coles_session.configure(settings, base_url="http://127.0.0.1:8411/coles", interactive=True)
    assert settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")["headless"] is False
    assert settings.getbool("GROCER_COLES_INTERACTIVE")
    handlers = settings.getdict("DOWNLOAD_HANDLERS")
    assert handlers["http"] == coles_session.PLAYWRIGHT_HANDLER
    assert handlers["https"] == coles_session.PLAIN_HANDLER
