"""The crawl budget: requests per day to keep every crawlable store current, with and without
price zones (``grocer plan --report``).

Crawling every store: each crawlable store in full once per crawl interval.  With zones: each
zone's anchor (and each store alone) in full once per crawl interval, each member by a sampled
health check once per health interval.  Request counts are measured: the median of the
company's complete full crawls and of its complete sampled crawls (Scrapy's
``downloader/request_count``, kept in each run's stats).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Connection, func, select

from grocer.constants import COMPLETE, FULL_RUN, SAMPLE_RUN
from grocer.db.models import CrawlRun, GroupMembership, Store
from grocer.db.store_rows import COMPANY_IDS, COMPANY_SLUGS
from grocer.scheduler.planner import Policy
from grocer.scheduler.state import in_another_stores_zone

REQUESTS_STAT = "downloader/request_count"


@dataclass(frozen=True)
class CompanyBudget:
    """One company's crawl budget; request figures are None until a crawl was measured."""

    company: str
    stores: int  # crawlable
    zones: int  # anchors and stores alone (each crawled in full)
    members: int  # checked by sampled crawls
    full_requests: float | None  # per full crawl (median of measured)
    sample_requests: float | None  # per sampled crawl (median of measured)
    full_crawls_measured: int
    samples_measured: int
    policy: Policy

    @property
    def every_store_per_day(self) -> float | None:
        if self.full_requests is None:
            return None
        return self.stores * self.full_requests / _days(self.policy.crawl_interval)

    @property
    def zoned_per_day(self) -> float | None:
        if self.full_requests is None or (self.members and self.sample_requests is None):
            return None
        anchors = self.zones * self.full_requests / _days(self.policy.crawl_interval)
        members = self.members * (self.sample_requests or 0) / _days(self.policy.health_interval)
        return anchors + members

    @property
    def ratio(self) -> float | None:
        every, zoned = self.every_store_per_day, self.zoned_per_day
        if every is None or not zoned:
            return None
        return every / zoned


def crawl_budget(
    connection: Connection, policy: Policy | None = None, companies: Sequence[str] = ()
) -> list[CompanyBudget]:
    """Every company's budget from the stores, zones and measured crawls in the database."""
    policy = policy or Policy()
    slugs = list(companies) or list(COMPANY_IDS)
    members_of = _members(connection)
    crawlable = dict(
        connection.execute(
            select(Store.company_id, func.count())
            .where(Store.crawlable.is_(True))
            .group_by(Store.company_id)
        ).all()
    )
    requests = _measured_requests(connection)
    budgets = []
    for slug in slugs:
        company_id = COMPANY_IDS[slug]
        stores = int(crawlable.get(company_id, 0))
        members = min(members_of.get(company_id, 0), stores)
        full = requests[(company_id, FULL_RUN)]
        sample = requests[(company_id, SAMPLE_RUN)]
        budgets.append(
            CompanyBudget(
                company=slug,
                stores=stores,
                zones=stores - members,
                members=members,
                full_requests=statistics.median(full) if full else None,
                sample_requests=statistics.median(sample) if sample else None,
                full_crawls_measured=len(full),
                samples_measured=len(sample),
                policy=policy,
            )
        )
    return budgets


def _members(connection: Connection) -> dict[int, int]:
    """Crawlable stores that are currently members of another store's zone, per company."""
    rows = connection.execute(
        select(Store.company_id, func.count())
        .join(GroupMembership, in_another_stores_zone())
        .where(Store.crawlable.is_(True))
        .group_by(Store.company_id)
    )
    return {int(company_id): int(count) for company_id, count in rows}


def _measured_requests(connection: Connection) -> dict[tuple[int, str], list[int]]:
    """Requests of each complete product crawl, by (company, run kind)."""
    found: dict[tuple[int, str], list[int]] = defaultdict(list)
    rows = connection.execute(
        select(CrawlRun.company_id, CrawlRun.kind, CrawlRun.spider, CrawlRun.stats).where(
            CrawlRun.status == COMPLETE, CrawlRun.company_id.is_not(None)
        )
    )
    for company_id, kind, spider, stats in rows:
        count = (stats or {}).get(REQUESTS_STAT)
        if spider == COMPANY_SLUGS.get(company_id) and isinstance(count, int) and count > 0:
            found[(int(company_id), kind)].append(count)
    return found


def format_budget(budgets: Sequence[CompanyBudget]) -> list[str]:
    """The report's lines: a table per company and the policy it assumes."""
    policy = budgets[0].policy if budgets else Policy()
    lines = [
        f"requests per day to keep every crawlable store current: every store in full every "
        f"{_days(policy.crawl_interval):g} day(s), or with zones the anchors in full and each "
        f"member by a sampled health check ({policy.sample_listings} listings) every "
        f"{_days(policy.health_interval):g} days",
        f"{'company':<11}{'stores':>7}{'zones':>7}{'members':>8}{'req/full':>10}"
        f"{'req/sample':>11}{'every store/day':>17}{'with zones/day':>16}{'saving':>9}",
    ]
    for b in budgets:
        lines.append(
            f"{b.company:<11}{b.stores:>7}{b.zones:>7}{b.members:>8}"
            f"{_num(b.full_requests):>10}{_num(b.sample_requests):>11}"
            f"{_num(b.every_store_per_day):>17}{_num(b.zoned_per_day):>16}"
            f"{(f'{b.ratio:.1f}x' if b.ratio else '-'):>9}"
        )
    unmeasured = [b.company for b in budgets if b.stores and b.full_requests is None]
    if unmeasured:
        lines.append(f"no complete full crawl measured yet for: {', '.join(unmeasured)}")
    return lines


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _days(interval: timedelta) -> float:
    return interval / timedelta(days=1)
