"""Coles: one store's catalogue (``scrapy crawl coles -a store=COL:401 [-a interactive=1]``)."""

from __future__ import annotations

from typing import Any, ClassVar, Self

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from twisted.python.failure import Failure

from grocer.constants import COLES
from grocer.middlewares import coles_session
from grocer.retailers import coles
from grocer.retailers.common import (
    BlockedPage,
    Category,
    ListingPage,
    MalformedPayload,
    loads_json,
)
from grocer.spiders.base import RetailerSpider, page_key, truthy


class ColesSpider(RetailerSpider):
    """POST GraphQL ``menuItems`` for the departments (the fixed 15 when it fails), then GET
    ``/browse/{slug}?page=n`` (HTML, ``__NEXT_DATA__``, 48 a page) up to
    ``ceil(noOfResults / pageSize)``.

    The store is the ``fulfillmentStoreId`` cookie and every page echoes it as
    ``initStoreId``; the browser session, block pages and refreshes are the business of
    :mod:`grocer.middlewares.coles_session`.
    """

    name = "coles"
    company = COLES
    page_size = coles.PAGE_SIZE
    allowed_domains = ["www.coles.com.au"]
    custom_settings: ClassVar[dict[str, Any]] = {
        **RetailerSpider.custom_settings,
        **coles_session.COLES_SESSION_SETTINGS,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
    }

    def __init__(self, *args: Any, interactive: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.interactive = truthy(interactive)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        coles_session.configure(
            crawler.settings, base_url=spider.base_url, interactive=spider.interactive
        )
        return spider

    def categories_request(self) -> scrapy.Request:
        spec = coles.menu_request(self.base_url, store_id=self.store_id)
        return self.request(spec, self.parse_categories, errback=self.menu_failed)

    def parse_categories_payload(self, response: Response) -> list[Category]:
        try:
            categories = coles.parse_menu(loads_json(response.body))
        except MalformedPayload as error:
            return self.fallback_categories(str(error))
        return categories or self.fallback_categories("the menu lists no department")

    def menu_failed(self, failure: Failure) -> Any:
        if failure.check(IgnoreRequest):  # dropped by a middleware (a blocked session)
            return
        yield from self.category_requests(self.fallback_categories(repr(failure.value)))

    def fallback_categories(self, why: str) -> list[Category]:
        self.logger.warning("menuItems failed (%s): crawling the fixed departments", why)
        self.crawler.stats.inc_value("grocer/coles/menu_fallback")
        return coles.default_categories()

    def listing_request(
        self, category: Category, page: int, previous_skus: frozenset[str] = frozenset()
    ) -> scrapy.Request:
        spec = coles.browse_request(self.base_url, category.slug, page, store_id=self.store_id)
        return self.request(
            spec, self.parse_listing, cb_kwargs={"category": category, "page": page}
        )

    def parse_listing_page(
        self, response: Response, category: Category, page: int, previous_skus: frozenset[str]
    ) -> ListingPage:
        try:
            return coles.parse_browse_page(
                response.text,
                store_id=self.store_id,
                page=page,
                base_url=self.base_url,
                category_path=category.path,
                page_key=page_key(category, page),
            )
        except BlockedPage as error:  # the middleware retries blocks; one slipping by is lost
            raise MalformedPayload(str(error)) from error

    def store_mismatch_retry(self, response: Response) -> scrapy.Request | None:
        # Refresh the session once (a store cookie the site did not take); then stop.
        if response.meta.get(coles_session.MISMATCH_RETRIED_META) or response.request is None:
            return None
        kwargs = response.request.cb_kwargs
        retry = self.listing_request(kwargs["category"], kwargs["page"]).replace(dont_filter=True)
        retry.meta[coles_session.REFRESH_META] = True
        retry.meta[coles_session.MISMATCH_RETRIED_META] = True
        retry.meta[coles_session.GENERATION_META] = response.meta.get(coles_session.GENERATION_META)
        return retry
