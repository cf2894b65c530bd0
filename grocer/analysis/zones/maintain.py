"""Group maintenance as load -> plan -> apply: start, health check (phase 1), merge (phase 2).

Every store is in exactly one group of its own company, recorded as append-only membership
periods.  A run, as of a date:

0. gives every store without an open membership a group of one (``reset`` first closes every
   open period, so all stores start alone again);
1. health check: in each group whose anchor is current, each current member not found healthy
   in the last 7 days is compared with the anchor; a match is cached and the member's rows the
   anchor already holds are deleted, a mismatch ejects it into a group of its own.  A group
   whose anchor is stale is skipped and its anchor flagged for re-crawl, once;
2. merge: the current anchors of a company are compared (vectorised) and the larger group
   absorbs each matching smaller one; the absorbed stores' redundant rows are deleted.  Pairs
   found not to match are skipped for 7 days.

Each step reads through :class:`~grocer.analysis.zones.loader.ZoneLoader`, decides in
:mod:`~grocer.analysis.zones.planner` (no database) and writes through
:class:`~grocer.analysis.zones.applier.ZoneApplier`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from functools import partial

from sqlalchemy import Connection, Engine, update

from grocer.analysis.runs import open_run
from grocer.analysis.zones.applier import ZoneApplier
from grocer.analysis.zones.loader import ZoneLoader
from grocer.analysis.zones.plan import ZonePlan
from grocer.analysis.zones.planner import (
    known_comparisons,
    plan_health_check,
    plan_merge,
    plan_new_groups,
    plan_reset,
)
from grocer.analysis.zones.settings import ZoneSettings
from grocer.analysis.zones.snapshots import StoreDays
from grocer.analysis.zones.state import KnownComparisons
from grocer.analysis.zones.summary import CompanySummary, ZoneRunSummary
from grocer.db.models import AnalysisRun
from grocer.db.store_rows import COMPANY_IDS

__all__ = ["KIND", "CompanySummary", "ZoneRunSummary", "ZoneSettings", "maintain_zones"]

logger = logging.getLogger(__name__)

KIND = "zones"  # analysis_runs.kind


def _start(
    connection: Connection, loader: ZoneLoader, applier: ZoneApplier, days: StoreDays, reset: bool
) -> None:
    """Close every open period (``reset``), then give stores without one a group of one."""
    if reset:
        applier.start(connection, plan_reset(loader.groups(connection), loader.as_of))
    lonely = loader.lonely_stores(connection)
    ended = loader.last_ended(connection, [store for store, _ in lonely])
    applier.start(connection, plan_new_groups(lonely, ended, days, loader.as_of))


def _health_check(
    connection: Connection, loader: ZoneLoader, days: StoreDays, known: KnownComparisons
) -> ZonePlan:
    """Phase 1 on the groups as they are now, loading one group's snapshots at a time."""
    groups, load = loader.groups(connection), partial(loader.window_snapshots, connection)
    return plan_health_check(groups, days, known, loader.settings, loader.as_of, load)


def _merge(
    connection: Connection, loader: ZoneLoader, days: StoreDays, known: KnownComparisons
) -> ZonePlan:
    """Phase 2 on the groups as phase 1 left them, loading one company's anchors at a time."""
    groups, load = loader.groups(connection), partial(loader.latest_snapshots, connection)
    return plan_merge(groups, days, known, loader.settings, loader.companies, load)


def maintain_zones(
    engine: Engine,
    *,
    as_of: date | None = None,
    companies: Sequence[str] | None = None,
    reset: bool = False,
    settings: ZoneSettings | None = None,
) -> ZoneRunSummary:
    """Run price-zone maintenance: initialise, health check, merge, retention.

    Recorded as an ``analysis_runs`` row of kind ``zones`` with the summary.  Runs whether or
    not anything was crawled; ``as_of`` lets it run over historical data.

    Args:
        engine: the database (schema upgraded).
        as_of: the run's date (default today); observations after it are ignored.
        companies: company slugs to maintain (default all).
        reset: first put every store back into a group of its own.
        settings: thresholds and periods (DESIGN §6 defaults).

    Returns:
        Per company: stores, groups, comparisons, merges, ejections, flags, rows deleted.

    Examples:
        >>> summary = maintain_zones(engine, as_of=date(2025, 9, 19))  # doctest: +SKIP
        >>> summary.companies["aldi"].groups  # doctest: +SKIP
        4
    """
    started = time.perf_counter()
    as_of = as_of or date.today()
    settings = settings or ZoneSettings()
    slugs = list(companies) if companies else list(COMPANY_IDS)
    unknown = [s for s in slugs if s not in COMPANY_IDS]
    if unknown:
        raise ValueError(f"unknown companies: {', '.join(unknown)}")
    loader = ZoneLoader(as_of, slugs, settings, engine.dialect.name)
    applier = ZoneApplier(engine, as_of, settings)
    summary = ZoneRunSummary(as_of=as_of, reset=reset)
    summary.companies = {slug: CompanySummary() for slug in slugs}
    summary.run_id = run_id = open_run(engine, KIND, as_of=as_of)
    status = "failed"
    try:
        with engine.begin() as connection:
            days = loader.store_days(connection)
            _start(connection, loader, applier, days, reset)
            applier.expire_comparisons(connection)
            known = known_comparisons(loader.cache_entries(connection), settings, as_of)
        summary.add_applied(applier.retain_later())
        for step in (_health_check, _merge):
            with engine.connect() as connection:
                plan = step(connection, loader, days, known)
            summary.add_plan(plan, applier.apply(plan))
        with engine.connect() as connection:
            summary.count_groups(loader.groups(connection).values())
        status = "finished"
    finally:
        summary.seconds = time.perf_counter() - started
        with engine.begin() as connection:
            connection.execute(
                update(AnalysisRun)
                .where(AnalysisRun.id == run_id)
                .values(finished_at=datetime.now(UTC), status=status, summary=summary.as_dict())
            )
    logger.info("%s", "\n".join(summary.lines()))
    return summary
