"""What a crawl knows about its run and store, and how settings resolve to a configuration."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, tzinfo
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from scrapy import Spider
from scrapy.settings import BaseSettings

from grocer.config import Config, load_config
from grocer.constants import DEFAULT_TIMEZONE, FULL_RUN


def allow_host(spider: Spider, url: str) -> None:
    """Let the spider request ``url``'s host too (the simulator, or another configured host)
    beside the real site it declares in ``allowed_domains``."""
    host = urlparse(url).hostname
    if host and host not in spider.allowed_domains:
        spider.allowed_domains = [*spider.allowed_domains, host]


def crawl_config(settings: BaseSettings) -> Config:
    """The configuration of a crawl: ``GROCER_ENV=dev`` (environment or ``-s``) selects the
    simulator and development database; ``-s GROCER_DATABASE_URL=...`` overrides the URL."""
    config = load_config(dev=settings.get("GROCER_ENV") == "dev" or None)
    url = settings.get("GROCER_DATABASE_URL")
    return replace(config, database_url=url) if url else config


@dataclass(frozen=True)
class RunContext:
    """A crawl's run, handed out by the run lifecycle (:mod:`grocer.crawl.run`) when the
    crawl opens.

    ``done_pages`` are the resume keys of listing pages earlier attempts of this run
    committed; ``aux_id`` is IGA's online-shop id; ``barcode_work`` the (sku, url) of the
    product pages a barcode crawl requests.
    """

    run_id: int
    attempt: int
    spider: str
    company: str
    store_id: str | None
    kind: str = FULL_RUN
    timezone: str = DEFAULT_TIMEZONE
    aux_id: str | None = None
    done_pages: frozenset[str] = frozenset()
    barcode_work: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def tz(self) -> tzinfo:
        return ZoneInfo(self.timezone)

    def local_date(self, moment: datetime) -> date:
        """The store's local date at an (aware) moment."""
        return moment.astimezone(self.tz).date()
