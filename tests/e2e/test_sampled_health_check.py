"""Sampled crawls: zone members checked with a few hundred listings instead of a full crawl.

Three Aldi NSW stores crawled in full make one zone (zones are learned from full crawls, as the
daemon learns them).  A week later the anchor is crawled in full and the members are sampled in
one process (``grocer crawl aldi ... --sample 250``): the samples are runs of their own kind
that do not count as full crawls, they are enough for the health check to keep the member that
stayed and to eject the one the simulator moved onto its own prices, and ``grocer plan
--report`` prices the zone at one full crawl plus two samples.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from grocer.analysis.zones.maintain import maintain_zones
from grocer.db.models import CrawlRun, Store
from grocer.scheduler.budget import crawl_budget
from grocer.scheduler.state import store_states
from grocer.sim.server import SimulatorServer
from tests.e2e.conftest import FAST, ROOT, Crawler
from tests.e2e.test_zones import aldi_zones, anchor_of

pytestmark = pytest.mark.e2e

ANCHOR, MEMBERS = "G391", ("G467", "G501")  # three Aldi NSW stores: one price zone
FIRST = date(2025, 9, 18)
LATER = FIRST + timedelta(days=7)


def sample(crawler: Crawler, *stores: str) -> str:
    """Sampled crawls of ``stores`` in one ``grocer crawl`` process; its output."""
    done = subprocess.run(
        [sys.executable, "-m", "grocer.cli", "crawl", "aldi", *stores, "--sample", "250", *FAST],
        cwd=ROOT, env=crawler.env(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr[-4000:]
    return done.stdout


def test_sampled_health_checks_keep_the_zone_and_find_the_member_that_left(
    crawler: Crawler, sim: SimulatorServer
) -> None:
    sim.set_date(FIRST)
    for store in (ANCHOR, *MEMBERS):
        crawler.run("aldi", store=store)
    engine = crawler.engine()
    maintain_zones(engine, as_of=FIRST, companies=["aldi"])
    assert aldi_zones(crawler) == {frozenset({ANCHOR, *MEMBERS})}
    anchor = anchor_of(crawler, ANCHOR)
    moved, stays = [s for s in (ANCHOR, *MEMBERS) if s != anchor]

    sim.move_to_own_prices("aldi", moved, LATER)
    sim.set_date(LATER)
    crawler.run("aldi", store=anchor)
    assert "finished" in sample(crawler, moved, stays)
    with engine.connect() as connection:
        runs = connection.execute(
            select(Store.retailer_store_id, CrawlRun.kind, CrawlRun.status, CrawlRun.items,
                   CrawlRun.stats, CrawlRun.observed_on)
            .join(Store, Store.id == CrawlRun.store_id)
            .where(CrawlRun.observed_on == LATER)
        ).all()  # fmt: skip
        states = {s.store_id: s for s in store_states(connection, companies=["aldi"])}
    by_store = {run.retailer_store_id: run for run in runs}
    full, sampled = by_store[anchor], [by_store[s] for s in (moved, stays)]
    assert full.kind == "full" and full.status == "complete" and full.items > 2000
    for run in sampled:
        assert run.kind == "sample" and run.status == "complete"
        assert 250 <= run.items < 400  # about the listings asked for, not the catalogue
        assert run.stats["downloader/request_count"] < full.stats["downloader/request_count"] / 5
    assert states[anchor].last_observed == LATER
    for store in (moved, stays):  # a sample is not a full crawl, but it is remembered
        assert states[store].last_observed == FIRST and states[store].last_sampled == LATER

    later = maintain_zones(engine, as_of=LATER, companies=["aldi"])
    assert later.companies["aldi"].ejections == 1
    assert aldi_zones(crawler) == {frozenset({moved}), frozenset({anchor, stays})}

    with engine.connect() as connection:
        (budget,) = crawl_budget(connection, companies=["aldi"])
    assert (budget.stores, budget.zones, budget.members) == (3, 2, 1)
    assert budget.full_requests is not None and budget.sample_requests is not None
    assert budget.every_store_per_day == 3 * budget.full_requests
    assert budget.zoned_per_day == 2 * budget.full_requests + budget.sample_requests / 14
    report = subprocess.run(
        [sys.executable, "-m", "grocer.cli", "plan", "--report", "--company", "aldi"],
        cwd=ROOT, env=crawler.env(), capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert f"{budget.ratio:.1f}x" in report
    engine.dispose()
