"""The Coles browser session: a JavaScript challenge passed in Chromium, then plain requests.

Coles sits behind Imperva (the simulator: a JavaScript challenge, see ``grocer.sim.challenge``).
:class:`ColesSessionMiddleware` obtains a session by loading the home page in a browser and
waiting for the Next.js app (``#__NEXT_DATA__``), copies the browser's cookies (the challenge
and session cookies) onto every plain Scrapy request together with ``fulfillmentStoreId`` and
the browser's own User-Agent, and watches responses for block pages (HTML without
``__NEXT_DATA__``).  A block page invalidates the session it was fetched with; the request is
retried once a fresh session (a new browser context and page load) has been obtained.  After
``GROCER_COLES_SESSION_REFRESHES`` refreshes in a row that did not yield a single good page
(or a browser that cannot pass the challenge at all) the crawl stops with finish reason
``blocked``.

Why scrapy-playwright and not Playwright directly: the browser is launched, configured
(``PLAYWRIGHT_LAUNCH_OPTIONS``: system Chromium, headless or not) and closed by
scrapy-playwright's download handler, the same way for every spider that needs one; the
middleware only issues one ``playwright`` request per session through the engine
(``engine.download_async``, so it passes the other downloader middlewares and is counted in the
stats like any request).  Every other request carries no ``playwright`` meta key and goes
through Scrapy's plain HTTP handler.  Browser headers are the browser's own
(``PLAYWRIGHT_PROCESS_REQUEST_HEADERS = None``): overriding a navigation's headers with
Scrapy's would drop the cookie the challenge script sets.

Several Coles crawls in one process (``grocer crawl coles --all``) share one session: the
challenge proves a browser, not a store, and the store is the ``fulfillmentStoreId`` cookie of
each request.  A crawl adopts the process's newest session before opening a browser of its own,
and a session any crawl finds ended is dropped for all of them.

``-a interactive=1`` (``GROCER_COLES_INTERACTIVE``) launches a visible browser and waits up to
``GROCER_COLES_INTERACTIVE_TIMEOUT`` seconds for a person to pass a CAPTCHA; it is the same
code path with a longer wait and a log line asking for help.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlparse

from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import TextResponse
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import deferred_from_coro
from scrapy_playwright.page import PageMethod

from grocer.retailers.nextjs import has_next_data
from grocer.retailers.store_records import coles_cookie_store_id

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import Settings

logger = logging.getLogger(__name__)

# Chromium keeps its sandbox; only as root, which the sandbox refuses to run under, is it off.
SANDBOX_ARGS = ["--no-sandbox"] if os.geteuid() == 0 else []
CHROMIUM_ARGS = [
    *SANDBOX_ARGS,
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PLAYWRIGHT_HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
PLAIN_HANDLER = "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler"
# The settings a spider needing the Coles session puts in its ``custom_settings``.
COLES_SESSION_SETTINGS: dict[str, Any] = {
    "GROCER_COLES_SESSION": True,
    "DOWNLOAD_HANDLERS": {"http": PLAYWRIGHT_HANDLER, "https": PLAYWRIGHT_HANDLER},
    "PLAYWRIGHT_BROWSER_TYPE": "chromium",
    "PLAYWRIGHT_LAUNCH_OPTIONS": {
        "executable_path": "/usr/bin/chromium",
        "headless": True,
        "args": CHROMIUM_ARGS,
    },
    "PLAYWRIGHT_PROCESS_REQUEST_HEADERS": None,
    "PLAYWRIGHT_MAX_CONTEXTS": 2,
}

SESSION_META = "coles_session_request"  # marks the browser request obtaining a session
GENERATION_META = "coles_session"  # the session generation a request was sent with
BLOCKS_META = "coles_blocks"  # how often this request met a block page
REFRESH_META = "coles_refresh_session"  # ask for a fresh session before sending (mismatch)
MISMATCH_RETRIED_META = "coles_mismatch_retried"  # a store-mismatch retry was made already
STORE_COOKIE = "fulfillmentStoreId"
BLOCKED = "blocked"


# The newest session per site in this process, and the process-wide session numbering.
_shared_sessions: dict[str, ColesSession] = {}
_generations = itertools.count(1)


class SessionUnavailable(Exception):
    """No browser session could be obtained within the allowed refreshes."""


@dataclass(frozen=True)
class ColesSession:
    """What a plain request needs to pass as the browser: cookies and the User-Agent."""

    generation: int
    cookies: dict[str, str]
    user_agent: str


def is_block_page(response: Response) -> bool:
    """An HTML answer without ``__NEXT_DATA__`` is a bot-protection page (RETAILERS §3.1).

    JSON answers (GraphQL, ``/_next/data``, error bodies) are never block pages; an HTML page
    of any status with the app's data (a 404 page included) is not one either.
    """
    if not isinstance(response, TextResponse):
        return False
    head = response.body[:512].lstrip().lower()
    if not head.startswith(b"<"):
        return False
    return not has_next_data(response.text)


def request_cookies(request: Request) -> dict[str, str]:
    """A request's ``cookies`` as a name -> value dict (Scrapy accepts a dict or a list)."""
    cookies = request.cookies
    if isinstance(cookies, dict):
        return {str(k): str(v) for k, v in cookies.items()}
    return {str(c["name"]): str(c["value"]) for c in cookies or () if "name" in c}


class ColesSessionMiddleware:
    """Gives every Coles request a browser session; refreshes it on block pages, bounded.

    Settings: ``GROCER_COLES_SESSION`` (on for the Coles spiders only, else NotConfigured),
    ``GROCER_COLES_SESSION_REFRESHES`` (refreshes in a row without a good page before the
    crawl stops as ``blocked``, default 3), ``GROCER_COLES_SESSION_TIMEOUT`` (seconds to wait
    for the app in the browser, default 30), ``GROCER_COLES_INTERACTIVE`` and
    ``GROCER_COLES_INTERACTIVE_TIMEOUT`` (default 300), ``GROCER_COLES_USER_AGENT`` (default
    ``USER_AGENT``: an honest, identifying agent, which Coles tolerates).
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("GROCER_COLES_SESSION", False):
            raise NotConfigured  # silently: only the Coles spiders turn it on
        self.crawler = crawler
        self.max_refreshes = settings.getint("GROCER_COLES_SESSION_REFRESHES", 3)
        self.interactive = settings.getbool("GROCER_COLES_INTERACTIVE", False)
        timeout_key = "INTERACTIVE_TIMEOUT" if self.interactive else "SESSION_TIMEOUT"
        default_timeout = 300.0 if self.interactive else 30.0
        self.timeout = settings.getfloat(f"GROCER_COLES_{timeout_key}", default_timeout)
        self.user_agent = settings.get("GROCER_COLES_USER_AGENT") or settings.get("USER_AGENT")
        self._session: ColesSession | None = None
        self._generation = 0
        self._failed_refreshes = 0  # refreshes since the last good page of the newest session
        self._gave_up = False
        self._lock = asyncio.Lock()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    # ------------------------------------------------------------------ requests

    async def process_request(self, request: Request, spider: Any = None) -> None:
        if request.meta.get(SESSION_META):
            return None
        if request.meta.get(REFRESH_META):
            self._invalidate(request.meta.get(GENERATION_META), "store_mismatch")
        try:
            session = await self._current_session()
        except SessionUnavailable as error:
            self._give_up(str(error))
            raise IgnoreRequest(f"no Coles session: {error}") from error
        self.apply(request, session)
        return None

    def apply(self, request: Request, session: ColesSession) -> None:
        """Send ``request`` as the browser: its cookies, the store cookie, its User-Agent."""
        store_id = getattr(self.crawler.spider, "store_id", None)
        cookies = {**request_cookies(request), **session.cookies}
        if store_id:
            cookies[STORE_COOKIE] = coles_cookie_store_id(store_id)
        request.cookies = cookies
        request.headers["User-Agent"] = session.user_agent
        request.meta[GENERATION_META] = session.generation
        request.meta["cookiejar"] = f"coles-session-{session.generation}"  # fresh jar each
        request.meta.pop(REFRESH_META, None)

    # ------------------------------------------------------------------ responses

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        if request.meta.get(SESSION_META):
            return response
        stats = self.crawler.stats
        assert stats is not None
        generation = request.meta.get(GENERATION_META)
        if not is_block_page(response):
            if generation == self._generation:
                self._failed_refreshes = 0
            return response
        stats.inc_value("grocer/coles_session/block_pages")
        blocks = int(request.meta.get(BLOCKS_META, 0)) + 1
        self._invalidate(generation, "block page")
        if self._gave_up or self._failed_refreshes > self.max_refreshes:
            self._give_up(f"block pages after {self.max_refreshes} session refreshes")
            raise IgnoreRequest(f"blocked: {request.url}")
        if blocks > self.max_refreshes + 1:
            stats.inc_value("grocer/coles_session/requests_given_up")
            raise IgnoreRequest(f"blocked {blocks} times: {request.url}")
        logger.debug("block page for %s (session %s); retrying", request.url, generation)
        stats.inc_value("grocer/coles_session/retried")
        retry = request.replace(dont_filter=True)
        retry.meta[BLOCKS_META] = blocks
        return retry

    # ------------------------------------------------------------------ the session

    def _invalidate(self, generation: Any, why: str) -> None:
        """Drop the session ``generation`` if it is still the current one (once per session)."""
        site = self._base_url()
        shared = _shared_sessions.get(site)
        if shared is not None and shared.generation == generation:  # ended for every crawl
            del _shared_sessions[site]
        if self._session is not None and self._session.generation == generation:
            logger.info("Coles session %s ended (%s); refreshing", generation, why)
            self._session = None
            self._failed_refreshes += 1
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value("grocer/coles_session/invalidated")

    async def _current_session(self) -> ColesSession:
        async with self._lock:
            while self._session is None:
                if self._gave_up or self._failed_refreshes > self.max_refreshes:
                    raise SessionUnavailable(
                        f"no usable session after {self.max_refreshes} refreshes"
                    )
                shared = _shared_sessions.get(self._base_url())
                if shared is not None and shared.generation > self._generation:
                    self._session, self._generation = shared, shared.generation
                    break
                try:
                    self._session = await self._obtain()
                    _shared_sessions[self._base_url()] = self._session
                except Exception as error:  # a browser failure is one failed refresh
                    self._failed_refreshes += 1
                    logger.warning("could not obtain a Coles session: %s", error)
                    if self.crawler.stats is not None:
                        self.crawler.stats.inc_value("grocer/coles_session/failed")
            return self._session

    async def _obtain(self) -> ColesSession:
        """Load the home page in a new browser context; its cookies once the app is there."""
        generation = self._generation = next(_generations)
        spider = self.crawler.spider
        base_url = self._base_url()
        if self.interactive:
            logger.warning(
                "ACTION REQUIRED: pass the check in the browser window (waiting up to %.0f s)",
                self.timeout,
            )
        store_id = getattr(spider, "store_id", None)  # a store locator has none
        cookies = (
            [{"name": STORE_COOKIE, "value": coles_cookie_store_id(store_id), "url": base_url}]
            if store_id
            else []
        )
        request = session_request(
            f"{base_url}/", generation, self.user_agent, self.timeout, cookies
        )
        assert self.crawler.engine is not None and self.crawler.stats is not None
        self.crawler.stats.inc_value("grocer/coles_session/browser_loads")
        try:
            response = await self.crawler.engine.download_async(request)
            page = request.meta["playwright_page"]
            if not isinstance(response, TextResponse) or not has_next_data(response.text):
                raise SessionUnavailable("the browser did not reach the app")
            browser_cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
            user_agent = await page.evaluate("() => navigator.userAgent")
        finally:
            page = request.meta.get("playwright_page")
            if page is not None:
                await page.context.close()
        logger.info(
            "Coles session %s: %d cookies (%s)",
            generation, len(browser_cookies), ", ".join(sorted(browser_cookies)),
        )  # fmt: skip
        return ColesSession(generation, browser_cookies, str(user_agent))

    def _base_url(self) -> str:
        return str(self.crawler.spider.base_url).rstrip("/")

    def _give_up(self, why: str) -> None:
        if self._gave_up:
            return
        self._gave_up = True
        logger.error("Coles keeps blocking: %s; stopping the crawl", why)
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("grocer/coles_session/gave_up", why)
        assert self.crawler.engine is not None
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=BLOCKED))


def configure(settings: Settings, *, base_url: str, interactive: bool) -> None:
    """Adjust a Coles spider's settings from its arguments, from its ``from_crawler`` (before
    the settings freeze): the browser handler only for the scheme of ``base_url`` (one
    Playwright driver, not two), and with ``-a interactive=1`` a visible browser and the long
    wait."""
    scheme = urlparse(base_url).scheme or "https"
    handlers = dict(settings.getdict("DOWNLOAD_HANDLERS"))
    for other in ("http", "https"):
        if other != scheme and handlers.get(other) == PLAYWRIGHT_HANDLER:
            handlers[other] = PLAIN_HANDLER
    settings.set("DOWNLOAD_HANDLERS", handlers, priority="spider")
    if not interactive:
        return
    launch = dict(settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS"))
    launch["headless"] = False
    settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", launch, priority="spider")
    settings.set("GROCER_COLES_INTERACTIVE", True, priority="spider")


def session_request(
    url: str, generation: int, user_agent: str, timeout: float, cookies: list[dict[str, str]]
) -> Request:
    """The browser request that obtains session ``generation``: a fresh context, the store
    cookie set before navigating, then a wait for ``#__NEXT_DATA__`` (the challenge reloads
    the page once solved)."""

    async def set_store_cookie(page: Any, _request: Request) -> None:
        if cookies:
            await page.context.add_cookies(cookies)

    return Request(
        url,
        callback=NO_CALLBACK,
        dont_filter=True,
        meta={
            SESSION_META: True,
            "dont_retry": True,
            "playwright": True,
            "playwright_include_page": True,
            "playwright_context": f"coles-session-{generation}",
            "playwright_context_kwargs": {"user_agent": user_agent},
            "playwright_page_init_callback": set_store_cookie,
            "playwright_page_goto_kwargs": {"timeout": timeout * 1000},
            "playwright_page_methods": [
                PageMethod(
                    "wait_for_selector", "#__NEXT_DATA__", state="attached", timeout=timeout * 1000
                )
            ],
        },
    )
