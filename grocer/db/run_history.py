"""What a store's earlier crawl runs say: the counts a new run is judged by (read only)."""

from __future__ import annotations

from statistics import median
from typing import Any

from sqlalchemy import Connection, select

from grocer.constants import COMPLETE, FULL_RUN, LOCATOR_RUN, PARTIAL, SAMPLE_RUN
from grocer.db.models import CrawlRun
from grocer.db.runs import RunRow

RECENT_RUNS = 5  # item_count: the median of this many recent full runs
PRODUCTS = "grocer/products"  # products met (accepted or rejected), over all attempts
STORES_SEEN = "grocer/stores/seen"


def expected_counts(connection: Connection, run: RunRow) -> tuple[float | None, int | None]:
    """What the run is judged by: (products, stores) expected; None where nothing is.

    A sampled run expects its sample size; a full run the median of recent runs
    (:func:`expected_items`); a locator run its previous complete run's stores.
    """
    if run.kind == SAMPLE_RUN and run.args.get("sample"):
        return float(run.args["sample"]), None
    if run.kind == FULL_RUN and run.store_pk is not None:
        return expected_items(connection, run.store_pk, run_id=run.id), None
    if run.kind == LOCATOR_RUN:
        return None, expected_stores(connection, run.spider, run_id=run.id)
    return None, None


def expected_items(connection: Connection, store_pk: int, *, run_id: int) -> float | None:
    """The median product count of the store's last five finished full runs (``complete`` or
    ``partial``, not ``run_id``); None without any."""
    rows = connection.execute(
        select(CrawlRun.items, CrawlRun.rejected, CrawlRun.stats)
        .where(
            CrawlRun.store_id == store_pk,
            CrawlRun.kind == FULL_RUN,
            CrawlRun.status.in_((COMPLETE, PARTIAL)),
            CrawlRun.id != run_id,
        )
        .order_by(CrawlRun.finished_at.desc(), CrawlRun.id.desc())
        .limit(RECENT_RUNS)
    ).all()
    counts = [_count(stats, PRODUCTS, items + rejected) for items, rejected, stats in rows]
    return float(median(counts)) if counts else None


def expected_stores(connection: Connection, spider: str, *, run_id: int) -> int | None:
    """The store count of the locator's previous ``complete`` run; None without one."""
    row = connection.execute(
        select(CrawlRun.items, CrawlRun.stats)
        .where(
            CrawlRun.spider == spider,
            CrawlRun.kind == LOCATOR_RUN,
            CrawlRun.status == COMPLETE,
            CrawlRun.id != run_id,
        )
        .order_by(CrawlRun.finished_at.desc(), CrawlRun.id.desc())
        .limit(1)
    ).one_or_none()
    return None if row is None else _count(row.stats, STORES_SEEN, row.items)


def _count(stats: dict[str, Any] | None, name: str, fallback: int) -> int:
    value = (stats or {}).get(name)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    return fallback
