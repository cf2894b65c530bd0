"""What a crawl knows about its store and run, and how settings resolve to a configuration."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, tzinfo
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from scrapy import Spider
from scrapy.settings import BaseSettings

from grocer.config import Config, load_config
from grocer.constants import DEFAULT_TIMEZONE


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


@dataclass
class StoreContext:
    """Set on a spider by the database pipeline when the crawl opens.

    ``aux_id`` is IGA's online-shop id; ``done_pages`` the resume keys of listing pages a
    previous, interrupted attempt of this run already committed.
    """

    timezone: str = DEFAULT_TIMEZONE
    aux_id: str | None = None
    done_pages: frozenset[str] = field(default_factory=frozenset)

    @property
    def tz(self) -> tzinfo:
        return ZoneInfo(self.timezone)

    def local_date(self, moment: datetime) -> date:
        """The store's local date at an (aware) moment."""
        return moment.astimezone(self.tz).date()
