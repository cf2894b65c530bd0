"""What a crawl knows about its run and store (loaded when the run opens), and how settings
resolve to a configuration."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, tzinfo
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from scrapy import Spider
from scrapy.settings import BaseSettings
from sqlalchemy import Connection, select

from grocer.config import Config, load_config
from grocer.constants import DEFAULT_TIMEZONE, FULL_RUN
from grocer.db import barcodes
from grocer.db.barcodes import BarcodeWork
from grocer.db.leases import Lease
from grocer.db.models import CrawlPage
from grocer.db.runs import RunRow
from grocer.db.store_rows import store_info


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
    product pages a barcode crawl requests; ``lease`` the store's lease the attempt holds
    (its writes check it is still theirs).
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
    lease: Lease | None = None

    @property
    def tz(self) -> tzinfo:
        return ZoneInfo(self.timezone)

    def local_date(self, moment: datetime) -> date:
        """The store's local date at an (aware) moment."""
        return moment.astimezone(self.tz).date()


def load_run_context(
    connection: Connection,
    *,
    run: RunRow,
    attempt: int,
    spider: str,
    company: str,
    store_id: str | None,
    barcode_work: bool,
    lease: Lease | None,
) -> tuple[RunContext, BarcodeWork | None]:
    """The context of an opened attempt: the store's facts, the pages earlier attempts
    committed, and for a barcode crawl its work list (returned too, for its counts)."""
    info = store_info(connection, company, store_id) if store_id else None
    done = frozenset(
        connection.execute(select(CrawlPage.page).where(CrawlPage.run_id == run.id)).scalars()
    )
    work = barcodes.select_work(connection, info.id) if info and barcode_work else None
    context = RunContext(
        run_id=run.id,
        attempt=attempt,
        spider=spider,
        company=company,
        store_id=store_id,
        kind=run.kind,
        timezone=info.timezone if info else DEFAULT_TIMEZONE,
        aux_id=info.aux_id if info else None,
        done_pages=done,
        barcode_work=tuple((task.sku, task.url) for task in work.tasks) if work else (),
        lease=lease,
    )
    return context, work
