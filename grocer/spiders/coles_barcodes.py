"""Coles barcodes: product pages of one store's unbarcoded products
(``scrapy crawl coles_barcodes -a store=COL:401``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any, ClassVar, Self

import scrapy
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.http import Response
from twisted.python.failure import Failure

from grocer.constants import BARCODE_RUN, COLES
from grocer.crawl.context import allow_host, crawl_config
from grocer.crawl.run import run_context
from grocer.items import BarcodeItem
from grocer.middlewares import coles_session
from grocer.pipelines import BARCODE_PIPELINES
from grocer.retailers import coles
from grocer.retailers.common import BlockedPage, MalformedPayload
from grocer.retailers.store_records import canonical_store_id
from grocer.spiders.base import truthy

HTTP_NOT_FOUND = 404


class ColesBarcodesSpider(scrapy.Spider):
    """GET each product page on the work list; its GTIN is ld+json ``gtin``/``gtin13``/
    ``gtin14``, else ``props.pageProps.product.gtin``.

    The work list (the store's products without a barcode, never checked) comes with the
    run's context (:mod:`grocer.crawl.run`).  A product is marked checked in the transaction
    writing its result, so the database is the resume state: no job directory.
    """

    name = "coles_barcodes"
    company = COLES
    allowed_domains = ["www.coles.com.au"]
    custom_settings: ClassVar[dict[str, Any]] = {
        **coles_session.COLES_SESSION_SETTINGS,
        "ITEM_PIPELINES": BARCODE_PIPELINES,
        "GROCER_BARCODE_WORK": True,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
    }
    run_kind: ClassVar[str] = BARCODE_RUN
    base_url: str

    def __init__(
        self, store: str | None = None, *args: Any, interactive: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if not store:
            raise ValueError(f"name a store: scrapy crawl {self.name} -a store=<store id>")
        self.store_id = canonical_store_id(COLES, store)
        self.interactive = truthy(interactive)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.base_url = crawl_config(crawler.settings).retailer_url(COLES)
        allow_host(spider, spider.base_url)
        coles_session.configure(
            crawler.settings, base_url=spider.base_url, interactive=spider.interactive
        )
        return spider

    async def start(self) -> AsyncIterator[Any]:
        for sku, url in run_context(self.crawler).barcode_work:
            spec = coles.product_page_request(self.page_url(url), store_id=self.store_id)
            yield scrapy.Request(
                spec.url,
                cookies=dict(spec.cookies),
                callback=self.parse_product,
                errback=self.product_failed,
                cb_kwargs={"sku": sku},
                meta={"handle_httpstatus_list": [HTTP_NOT_FOUND]},
            )

    def page_url(self, url: str) -> str:
        # Listings keep the URL of the host they were crawled from; ask the current one.
        _, found, slug = url.partition("/product/")
        return f"{self.base_url.rstrip('/')}/product/{slug}" if found else url

    def parse_product(self, response: Response, sku: str) -> Iterable[Any]:
        if response.status == HTTP_NOT_FOUND:
            yield BarcodeItem(company=COLES, sku=sku, barcode=None, status="not_found")
            return
        try:
            raw = coles.parse_product_gtin(response.text)
        except (MalformedPayload, BlockedPage) as error:
            retry = get_retry_request(response.request, spider=self, reason="malformed_payload")
            if retry is not None:
                yield retry
                return
            self.logger.error("giving up on %s: %s", response.url, error)
            self.crawler.stats.inc_value("grocer/barcodes/left_unchecked")
            return
        yield BarcodeItem(company=COLES, sku=sku, barcode=raw, status="found" if raw else "none")

    def product_failed(self, failure: Failure) -> None:
        # 5xx after Scrapy's retries, timeouts, a blocked session: checked on a later run.
        self.logger.warning("product page failed: %r", failure.value)
        self.crawler.stats.inc_value("grocer/barcodes/left_unchecked")
