"""The base of the catalogue spiders: store argument, category loop, pagination and resume.

A subclass names its retailer and turns the retailer module's request specs and parsers into
Scrapy requests; everything about pages, dates, resume keys and retries lives here once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar, Self

import scrapy
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import CloseSpider
from scrapy.http import Response
from twisted.python.failure import Failure

from grocer.constants import FULL_RUN, SAMPLE_RUN
from grocer.crawl.context import RunContext, allow_host, crawl_config
from grocer.crawl.resume import ListingResume, resume_plan
from grocer.crawl.run import run_context
from grocer.crawl.sample import SamplePlan, sample_order
from grocer.items import ListingPageItem
from grocer.pipelines import PRICE_PIPELINES
from grocer.retailers.common import (
    Category,
    ListingPage,
    MalformedPayload,
    RequestSpec,
    StoreMismatch,
)
from grocer.retailers.store_records import canonical_store_id

# Request priorities (higher first).  Every category's first page goes first, so the listings'
# lengths are learnt early; then the listing with the most pages left continues first, so a
# long listing does not start last and finish alone (its pages can only follow one another).
FIRST_PAGE_PRIORITY = 8
HOLE = "grocer_hole"  # meta of a page fetched alone: an earlier attempt could not commit it


def listing_priority(pages_left: int | None) -> int:
    """The priority of a listing's next page: more pages left, sooner (in a few steps, so
    Scrapy's job directory keeps a handful of queues, not one per length)."""
    if pages_left is None:
        return 0
    return min(pages_left.bit_length(), FIRST_PAGE_PRIORITY - 1)


def page_key(category: Category, page: int | str) -> str:
    """The resume key of a listing page: ``"<category key>#<page or offset>"``."""
    return f"{category.key}#{page}"


class RetailerSpider(scrapy.Spider):
    """Crawls one store's whole catalogue: ``scrapy crawl <retailer> -a store=<id>``.

    ``-a sample=<listings>`` crawls only a sample of about that many listings instead (see
    :mod:`grocer.crawl.sample`): a zone member's health check.

    Subclasses set ``company``, ``page_size``, ``first_page`` and ``page_step`` (1 for page
    numbers, the page size for offsets) and implement ``categories_request``,
    ``parse_categories_payload``, ``listing_request`` and ``parse_listing_page``; their
    ``custom_settings`` extend this class's.  The run's context (store time zone, pages
    committed by earlier attempts) comes from the run lifecycle (:mod:`grocer.crawl.run`).
    """

    company: ClassVar[str]
    page_size: ClassVar[int]
    first_page: ClassVar[int] = 1
    page_step: ClassVar[int] = 1
    custom_settings: ClassVar[dict[str, Any]] = {
        "ITEM_PIPELINES": PRICE_PIPELINES,
        "GROCER_JOBDIR": True,  # one Scrapy job directory per run (grocer.crawl.jobdir)
    }
    base_url: str

    def __init__(
        self, store: str | None = None, *args: Any, sample: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if not store:
            raise ValueError(f"name a store: scrapy crawl {self.name} -a store=<store id>")
        self.store_id = canonical_store_id(self.company, store)
        self.sample = _positive(sample, "sample") if sample not in (None, "") else None
        self.sample_plan: SamplePlan | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.base_url = crawl_config(crawler.settings).retailer_url(cls.company)
        allow_host(spider, spider.base_url)
        return spider

    @property
    def run_kind(self) -> str:
        """The kind of run this crawl is: the whole catalogue, or a sample of it."""
        return SAMPLE_RUN if self.sample else FULL_RUN

    @property
    def context(self) -> RunContext:
        """The crawl's run: its store's time zone, the pages earlier attempts committed."""
        return run_context(self.crawler)

    # ------------------------------------------------------------------ hooks

    def categories_request(self) -> scrapy.Request:
        """Override: the request discovering the store's categories."""
        raise NotImplementedError

    def parse_categories_payload(self, response: Response) -> list[Category]:
        """Override: the leaf categories in the discovery response."""
        raise NotImplementedError

    def listing_request(
        self, category: Category, page: int, previous_skus: frozenset[str] = frozenset()
    ) -> scrapy.Request:
        """Override: the request of one listing page (page number or offset)."""
        raise NotImplementedError

    def parse_listing_page(
        self, response: Response, category: Category, page: int, previous_skus: frozenset[str]
    ) -> ListingPage:
        """Override: one listing page's items and its successor (None at the end)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ crawl loop

    async def start(self) -> AsyncIterator[Any]:
        yield self.categories_request()

    def parse_categories(self, response: Response) -> Iterable[scrapy.Request]:
        try:
            categories = self.parse_categories_payload(response)
        except MalformedPayload as error:
            yield from self._retry_or_give_up(response, error)
            return
        yield from self.category_requests(categories, response)

    def category_requests(
        self, categories: list[Category], response: Response | None = None
    ) -> Iterable[scrapy.Request]:
        """The listing requests that start the crawl: per category, the pages an earlier
        attempt of the run could not commit (each alone), then the listing from its first page
        not committed unless it ended (:mod:`grocer.crawl.resume`).  A sample: the first wave
        of its categories' first pages."""
        self.crawler.stats.set_value("grocer/categories", len(categories))
        if self.sample:
            moment = self.response_moment(response) if response else datetime.now(UTC)
            day = self.context.local_date(moment)
            order = sample_order(self.company, day, categories)
            self.sample_plan = SamplePlan(self.sample, self.page_size, order)
            yield from self._sample_wave()
            return
        plans = resume_plan(
            self.context.done_pages, first_page=self.first_page, step=self.page_step
        )
        for category in categories:
            plan = plans.get(category.key, ListingResume((), self.first_page))
            for hole in plan.holes:  # a page an earlier attempt could not commit, alone
                self.crawler.stats.inc_value("grocer/resume/holes")
                request = self.listing_request(category, hole)
                yield self._first(
                    request.replace(dont_filter=True, meta={**request.meta, HOLE: True})
                )
            if plan.next_page is None:
                self.crawler.stats.inc_value("grocer/resume/categories_skipped")
                continue
            yield self._first(self.listing_request(category, plan.next_page))

    def parse_listing(
        self,
        response: Response,
        category: Category,
        page: int,
        previous_skus: frozenset[str] = frozenset(),
    ) -> Iterable[Any]:
        try:
            listing = self.parse_listing_page(response, category, page, previous_skus)
        except StoreMismatch as error:
            self.crawler.stats.inc_value("grocer/listing/store_mismatch")
            retry = self.store_mismatch_retry(response)
            if retry is None:
                raise CloseSpider("store_mismatch") from error
            yield retry
            return
        except MalformedPayload as error:
            yield from self._retry_or_give_up(response, error)
            return
        observed_on = self.context.local_date(self.response_moment(response))
        for item in listing.items:
            item.observed_on = observed_on
        for reason, count in listing.skipped.items():
            self.crawler.stats.inc_value(f"grocer/listing/skipped/{reason}", count)
        ended = listing.next_page is None
        yield ListingPageItem(
            company=self.company,
            store_id=self.store_id,
            page=page_key(category, page),
            products=listing.items,
            ended=ended,
        )
        if self.sample_plan is not None:
            self.sample_plan.arrived([item.sku for item in listing.items])
            yield from self._sample_wave()
        elif not ended and not response.meta.get(HOLE):
            request = self.listing_request(category, listing.next_page, listing.skus)
            request.priority = listing_priority(self.pages_left(listing))
            yield request

    def _sample_wave(self) -> Iterable[scrapy.Request]:
        assert self.sample_plan is not None
        for category in self.sample_plan.next_wave():
            self.crawler.stats.inc_value("grocer/sample/pages")
            yield self._first(self.listing_request(category, self.first_page))

    # ------------------------------------------------------------------ helpers

    def request(self, spec: RequestSpec, callback: Any, **kwargs: Any) -> scrapy.Request:
        """A Scrapy request from a retailer module's request spec."""
        meta = {**spec.meta, **kwargs.pop("meta", {})}
        kwargs.setdefault("errback", self.request_failed)
        return scrapy.Request(
            spec.url,
            method=spec.method,
            headers=dict(spec.headers),
            cookies=dict(spec.cookies),
            body=spec.json_body(),
            meta=meta,
            callback=callback,
            **kwargs,
        )

    def request_failed(self, failure: Failure) -> Iterable[scrapy.Request]:
        """A request that failed for good (after retries): its page is lost, the run partial."""
        yield from self._page_lost(failure.request, failure.value)

    def _page_lost(self, request: scrapy.Request, error: object) -> Iterable[scrapy.Request]:
        """Count a page given up on; a sample moves on past a lost first page (the categories
        request is not one)."""
        self.logger.error("giving up on %s: %s", request.url, error)
        self.crawler.stats.inc_value("grocer/listing/pages_lost")
        if self.sample_plan is not None and "category" in request.cb_kwargs:
            self.sample_plan.arrived([])
            yield from self._sample_wave()

    def pages_left(self, listing: ListingPage) -> int | None:
        """Pages of the listing from its next page on, when the retailer said its length."""
        if listing.total is None or listing.next_page is None:
            return None
        start = (listing.next_page - self.first_page) // self.page_step * self.page_size
        return max(0, -(-(listing.total - start) // self.page_size))

    @staticmethod
    def _first(request: scrapy.Request) -> scrapy.Request:
        request.priority = FIRST_PAGE_PRIORITY
        return request

    @staticmethod
    def response_moment(response: Response) -> datetime:
        """When the server answered: its ``Date`` header, else now (UTC)."""
        header = response.headers.get(b"Date")
        if header:
            try:
                return parsedate_to_datetime(header.decode("latin-1"))
            except (TypeError, ValueError):
                pass
        return datetime.now(UTC)

    def store_mismatch_retry(self, response: Response) -> scrapy.Request | None:
        """Override: the retry of a page served for another store, or None to stop the crawl
        with ``store_mismatch`` (the page's items are never yielded either way)."""
        return self._retry(response, "store_mismatch")

    def _retry(self, response: Response, reason: str) -> scrapy.Request | None:
        return get_retry_request(response.request, spider=self, reason=reason)

    def _retry_or_give_up(self, response: Response, error: Exception) -> Iterable[scrapy.Request]:
        retry = self._retry(response, "malformed_payload")
        if retry is not None:
            self.crawler.stats.inc_value("grocer/listing/malformed_retried")
            yield retry
            return
        yield from self._page_lost(response.request, error)


TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def truthy(value: Any) -> bool:
    """A spider argument as a flag: ``1``, ``true``, ``yes`` and ``on`` are true."""
    return str(value).strip().lower() in TRUE_WORDS


def flag_argument(value: Any, name: str) -> bool:
    """A spider argument that must be a flag: :func:`truthy`, and anything but one of the
    flag words (``0``, ``false``, ``no``, ``off`` the others) is refused."""
    if str(value).strip().lower() not in TRUE_WORDS | FALSE_WORDS:
        raise ValueError(f"{name} must be 1 or 0, not {value!r}")
    return truthy(value)


def _positive(value: Any, name: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number <= 0:
        raise ValueError(f"-a {name}= takes a positive whole number, not {value!r}")
    return number
