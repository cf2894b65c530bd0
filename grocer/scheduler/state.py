"""Reading the stores' crawl state for planning, and recording analysis failures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, insert, select

from grocer.constants import COMPLETE, FULL_RUN, PENDING, RUNNING, SAMPLE_RUN
from grocer.db.models import AnalysisRun, CrawlRun, GroupMembership, Store
from grocer.db.store_rows import COMPANY_IDS, COMPANY_SLUGS
from grocer.scheduler.planner import StoreState


def store_states(
    connection: Connection,
    *,
    companies: Sequence[str] | None = None,
    store_ids: Sequence[tuple[str, str]] | None = None,
) -> list[StoreState]:
    """Every store (of the given companies, or the given (company, store id) pairs) with its
    last crawl, re-crawl flag and current zone membership."""
    last_complete = (
        select(CrawlRun.store_id, func.max(CrawlRun.observed_on).label("observed"))
        .where(CrawlRun.status == COMPLETE, CrawlRun.kind == FULL_RUN)
        .group_by(CrawlRun.store_id)
        .subquery()
    )
    last_sample = (
        select(CrawlRun.store_id, func.max(CrawlRun.observed_on).label("sampled"))
        .where(CrawlRun.status == COMPLETE, CrawlRun.kind == SAMPLE_RUN)
        .group_by(CrawlRun.store_id)
        .subquery()
    )
    membership = in_another_stores_zone()
    query = select(
        Store.id,
        Store.company_id,
        Store.retailer_store_id,
        Store.crawlable,
        last_complete.c.observed,
        Store.needs_rescrape,
        GroupMembership.id,
        GroupMembership.verified_at,
        last_sample.c.sampled,
    )
    query = query.outerjoin(last_complete, last_complete.c.store_id == Store.id)
    query = query.outerjoin(last_sample, last_sample.c.store_id == Store.id)
    query = query.outerjoin(GroupMembership, membership)
    if companies:
        query = query.where(Store.company_id.in_([COMPANY_IDS[c] for c in companies]))
    wanted = set(store_ids or ())
    states = []
    rows = connection.execute(query)
    for pk, company_id, sid, crawlable, observed, flagged, member, verified, sampled in rows:
        company = COMPANY_SLUGS[company_id]
        if wanted and (company, sid) not in wanted:
            continue
        states.append(
            StoreState(
                store_pk=pk,
                company=company,
                store_id=sid,
                crawlable=crawlable,
                last_observed=observed,
                needs_rescrape=flagged,
                is_member=member is not None,
                verified_on=verified.date() if verified else None,
                last_sampled=sampled,
            )
        )
    return states


def busy_runs(connection: Connection) -> list[tuple[str, str]]:
    """(company, store id) of every pending or running store crawl, on any node: a store is
    crawled by one run at a time, and the limits count these."""
    rows = connection.execute(
        select(CrawlRun.company_id, Store.retailer_store_id)
        .join(Store, Store.id == CrawlRun.store_id)
        .where(CrawlRun.status.in_((PENDING, RUNNING)))
    )
    return [(COMPANY_SLUGS[company_id], store_id) for company_id, store_id in rows]


def in_another_stores_zone() -> ColumnElement[bool]:
    """Join condition: the store's current membership, where another store is its anchor."""
    return and_(
        GroupMembership.store_id == Store.id,
        GroupMembership.valid_to.is_(None),
        GroupMembership.anchor_store_id != Store.id,
    )


def record_failure(connection: Connection, kind: str, as_of: date, error: BaseException) -> None:
    """An ``analysis_runs`` row for an analysis job that raised."""
    now = datetime.now(UTC)
    summary: dict[str, Any] = {"error": f"{type(error).__name__}: {error}"[:2000]}
    connection.execute(
        insert(AnalysisRun).values(
            kind=kind,
            as_of=as_of,
            started_at=now,
            finished_at=now,
            status="failed",
            summary=summary,
        )
    )
