"""Crawl planning: which stores are due, in which order (a pure function of store states).

Order: anchors flagged for re-crawl, stores whose latest run closed ``partial`` once their
back-off has passed (``recrawl``: 1 h x 2^(n-1) after n partial closes in a row, at most
24 h; until then the store waits), never-crawled stores, then anchors and stores alone whose
prices are oldest (due once older than the crawl interval), then zone members due a health
check (not checked within the health interval), a few a round.  A health check is a sampled
crawl (``-a sample=N``, see :mod:`grocer.crawl.sample`): a few hundred listings to compare with
the anchor, not the whole catalogue.  Non-crawlable stores are never planned.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Literal

Reason = Literal["flagged", "recrawl", "never_crawled", "stale", "health_check"]
PRIORITY: dict[Reason, int] = {
    "flagged": 0, "recrawl": 1, "never_crawled": 2, "stale": 3, "health_check": 4,
}  # fmt: skip
MAX_RESUMES = 3  # a partial run with pages left is resumed up to its third attempt


@dataclass(frozen=True)
class PartialRun:
    """A store's latest price run, closed ``partial``: what re-crawling it needs."""

    run_id: int
    attempt: int
    closed_at: datetime
    closes_in_a_row: int  # partial closes in a row, each attempt counted
    pages_left: bool  # listing pages it never committed (stopped early, errors, pages lost)
    sampled: bool


@dataclass(frozen=True)
class StoreState:
    """What planning needs to know about a store."""

    store_pk: int
    company: str
    store_id: str
    crawlable: bool
    last_observed: date | None  # the observation date of its last complete crawl
    needs_rescrape: bool = False
    is_member: bool = False  # a zone member whose anchor stands for it
    verified_on: date | None = None  # its last healthy comparison with the anchor
    last_sampled: date | None = None  # the observation date of its last complete sample
    partial: PartialRun | None = None  # its latest price run, when that closed partial


@dataclass(frozen=True)
class CrawlOrder:
    company: str
    store_id: str
    store_pk: int
    reason: Reason
    resume_run: int | None = None  # recrawl: resume this partial run (same id), not a new one
    sampled: bool = False  # recrawl of a sampled run: sampled again


@dataclass(frozen=True)
class Policy:
    """How often stores are crawled: anchors and stores alone in full every
    ``crawl_interval``; zone members by a sampled crawl of ``sample_listings`` listings every
    ``health_interval`` (two price weeks: a member's check costs a twentieth of a full crawl,
    and checking each member every week would cost more than the anchors' full crawls)."""

    crawl_interval: timedelta = timedelta(days=1)
    health_interval: timedelta = timedelta(days=14)
    health_checks_per_round: int = 2  # members checked per company per planning round
    sample_listings: int = 250  # enough for the zone comparison's 200 listings in common
    recrawl_backoff: timedelta = field(default_factory=lambda: recrawl_backoff())
    recrawl_backoff_max: timedelta = timedelta(hours=24)
    sample_every_crawl: int | None = None  # every crawl a sample of this many listings

    def sample_for(self, order: CrawlOrder) -> int | None:
        """The ``-a sample=`` of an order: health checks are sampled crawls (and every crawl
        with ``sample_every_crawl``, for a quick look or a test)."""
        if self.sample_every_crawl:
            return self.sample_every_crawl
        sampled = order.reason == "health_check" or order.sampled
        return self.sample_listings if sampled else None

    def recrawl_after(self, partial: PartialRun) -> datetime:
        """When a store whose latest run closed partial may be crawled again."""
        doublings = max(partial.closes_in_a_row - 1, 0)
        wait = min(self.recrawl_backoff * 2 ** min(doublings, 30), self.recrawl_backoff_max)
        return partial.closed_at + wait


def recrawl_backoff() -> timedelta:
    """``GROCER_RECRAWL_BACKOFF``: seconds before a partial store is crawled again (default
    3600, doubling with each partial close in a row).

    Raises:
        ValueError: when it is no positive number.
    """
    given = os.getenv("GROCER_RECRAWL_BACKOFF", "3600")
    try:
        seconds = float(given)
    except ValueError:
        seconds = -1
    if not seconds > 0:
        raise ValueError(f"GROCER_RECRAWL_BACKOFF must be a positive number of seconds: {given!r}")
    return timedelta(seconds=seconds)


def plan(
    stores: Iterable[StoreState],
    today: date,
    policy: Policy = Policy(),
    now: datetime | None = None,
) -> list[CrawlOrder]:
    """The due stores on ``today``, most urgent first (see the module docstring).

    Days are the stores' observation dates (the retailers' or the simulator's), so planning
    follows the same calendar as the prices it keeps current.  ``now`` (wall clock, like the
    runs' close times) times the re-crawl back-off; without it, stores whose latest run
    closed partial are not planned.
    """
    due: list[tuple[int, date, CrawlOrder]] = []
    members: dict[str, list[tuple[date, CrawlOrder]]] = defaultdict(list)
    oldest = date.min
    for store in stores:
        if not store.crawlable:
            continue
        order = CrawlOrder(store.company, store.store_id, store.store_pk, "stale")
        last = store.last_observed
        if policy.sample_every_crawl and store.last_sampled:  # samples are its crawls
            last = max(last or store.last_sampled, store.last_sampled)
        if store.partial is not None:
            if now is not None and now >= policy.recrawl_after(store.partial):
                due.append((PRIORITY["recrawl"], oldest, recrawl(order, store.partial)))
        elif store.needs_rescrape and not store.is_member:
            due.append((PRIORITY["flagged"], oldest, _with(order, "flagged")))
        elif last is None and not store.is_member:
            due.append((PRIORITY["never_crawled"], oldest, _with(order, "never_crawled")))
        elif store.is_member:
            checked = max(
                store.verified_on or oldest,
                store.last_observed or oldest,
                store.last_sampled or oldest,
            )
            if today - checked >= policy.health_interval:
                members[store.company].append((checked, _with(order, "health_check")))
        elif last and today - last >= policy.crawl_interval:
            due.append((PRIORITY["stale"], last, order))
    for orders in members.values():
        orders.sort(key=lambda pair: pair[0])
        for checked, order in orders[: policy.health_checks_per_round]:
            due.append((PRIORITY["health_check"], checked, order))
    due.sort(key=lambda entry: (entry[0], entry[1], entry[2].company, entry[2].store_id))
    return [order for _, _, order in due]


def _with(order: CrawlOrder, reason: Reason) -> CrawlOrder:
    return replace(order, reason=reason)


def recrawl(order: CrawlOrder, partial: PartialRun) -> CrawlOrder:
    """The re-crawl of a partial run: resumed (same id) while it has pages left and fewer
    than three attempts, else a new run."""
    resumable = partial.pages_left and partial.attempt < MAX_RESUMES
    return replace(
        order, reason="recrawl", resume_run=partial.run_id if resumable else None,
        sampled=partial.sampled,
    )  # fmt: skip


def take_within_limits(
    orders: Sequence[CrawlOrder], running: dict[str, int], per_company: int, total: int
) -> list[CrawlOrder]:
    """The orders that fit in the free crawl slots, per company and overall."""
    chosen: list[CrawlOrder] = []
    counts = dict(running)
    busy = sum(running.values())
    for order in orders:
        if busy >= total:
            break
        if counts.get(order.company, 0) >= per_company:
            continue
        chosen.append(order)
        counts[order.company] = counts.get(order.company, 0) + 1
        busy += 1
    return chosen
