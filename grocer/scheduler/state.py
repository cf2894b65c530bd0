"""Reading the stores' crawl state for planning, and recording analysis failures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, insert, select

from grocer.constants import (
    COMPLETE,
    FAILED,
    FULL_RUN,
    INTERRUPTED,
    PARTIAL,
    PENDING,
    RUNNING,
    SAMPLE_RUN,
)
from grocer.db.models import AnalysisRun, CrawlRun, GroupMembership, Store
from grocer.db.store_rows import COMPANY_IDS, COMPANY_SLUGS
from grocer.scheduler.planner import PartialRun, StoreState

# Partial closes in a row are counted over this much history: past six of them the back-off
# is at its 24 h cap anyway.
PARTIAL_HISTORY = timedelta(days=3)
# Stats of a run that left listing pages uncommitted (a resumed attempt would fetch them).
PAGES_LEFT = ("grocer/listing/pages_lost", "grocer/run/item_errors", "grocer/run/spider_errors")


def store_states(
    connection: Connection,
    *,
    companies: Sequence[str] | None = None,
    store_ids: Sequence[tuple[str, str]] | None = None,
    now: datetime | None = None,
) -> list[StoreState]:
    """Every store (of the given companies, or the given (company, store id) pairs) with its
    last crawl, re-crawl flag, current zone membership and, when its latest price run closed
    partial, that run (as of ``now``, default the wall clock)."""
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
    partial = partial_runs(connection, now or datetime.now(UTC))
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
                partial=partial.get(pk),
            )
        )
    return states


def partial_runs(connection: Connection, now: datetime) -> dict[int, PartialRun]:
    """Per store whose latest finished price run (full or sampled) closed ``partial``: that
    run, with the partial closes in a row before it (each attempt counted)."""
    rows = connection.execute(
        select(
            CrawlRun.store_id, CrawlRun.id, CrawlRun.status, CrawlRun.attempt,
            CrawlRun.finished_at, CrawlRun.kind,
        )
        .where(
            CrawlRun.kind.in_((FULL_RUN, SAMPLE_RUN)),
            CrawlRun.status.in_((COMPLETE, PARTIAL, FAILED)),
            CrawlRun.store_id.is_not(None),
            CrawlRun.finished_at >= now - PARTIAL_HISTORY,
        )
        .order_by(CrawlRun.store_id, CrawlRun.finished_at.desc(), CrawlRun.id.desc())
    )  # fmt: skip
    latest: dict[int, PartialRun] = {}
    ended: set[int] = set()  # stores whose streak of partial closes is counted
    for store_pk, run_id, status, attempt, finished_at, kind in rows:
        if store_pk in ended:
            continue
        if status != PARTIAL:
            ended.add(store_pk)
            continue
        found = latest.get(store_pk)
        if found is None:
            latest[store_pk] = PartialRun(
                run_id, attempt, _aware(finished_at), attempt, False, kind == SAMPLE_RUN
            )
        else:
            latest[store_pk] = replace(found, closes_in_a_row=found.closes_in_a_row + attempt)
    left = _with_pages_left(connection, [run.run_id for run in latest.values()])
    return {
        store_pk: replace(run, pages_left=run.run_id in left) for store_pk, run in latest.items()
    }


def _with_pages_left(connection: Connection, run_ids: list[int]) -> set[int]:
    """The runs (of ``run_ids``) that stopped early or left listing pages uncommitted."""
    left = set()
    for start in range(0, len(run_ids), 500):
        rows = connection.execute(
            select(CrawlRun.id, CrawlRun.finish_reason, CrawlRun.stats).where(
                CrawlRun.id.in_(run_ids[start : start + 500])
            )
        )
        for run_id, reason, stats in rows:
            if reason != "finished" or any((stats or {}).get(name) for name in PAGES_LEFT):
                left.add(run_id)
    return left


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def busy_runs(connection: Connection) -> list[tuple[str, str]]:
    """(company, store id) of every pending, running or interrupted (about to be resumed)
    store crawl, on any node: a store is crawled by one run at a time, and the limits count
    these, so a run resumed after its node was lost still has its retailer's slot."""
    rows = connection.execute(
        select(CrawlRun.company_id, Store.retailer_store_id)
        .join(Store, Store.id == CrawlRun.store_id)
        .where(CrawlRun.status.in_((PENDING, RUNNING, INTERRUPTED)))
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
