"""Sampled crawls: zone members checked with a few hundred listings instead of a full crawl.

Aldi's NSW stores on one simulated day: one crawled in full, two sampled in one process
(``grocer crawl aldi ... --sample 250``).  The samples are runs of their own kind that leave the
stores "never fully crawled", they are enough for the zone comparison to put all three in one
zone, a later sample finds the member the simulator moved onto its own prices, and ``grocer plan
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


def test_sampled_crawls_learn_the_zone_and_find_a_member_that_left(
    crawler: Crawler, sim: SimulatorServer
) -> None:
    sim.set_date(FIRST)
    crawler.run("aldi", store=ANCHOR)
    assert "finished" in sample(crawler, *MEMBERS)
    engine = crawler.engine()
    with engine.connect() as connection:
        runs = connection.execute(
            select(Store.retailer_store_id, CrawlRun.kind, CrawlRun.complete, CrawlRun.items,
                   CrawlRun.stats, Store.last_crawled_at)
            .join(Store, Store.id == CrawlRun.store_id)
        ).all()  # fmt: skip
        states = {s.store_id: s for s in store_states(connection, companies=["aldi"])}
    by_store = {run.retailer_store_id: run for run in runs}
    full, sampled = by_store[ANCHOR], [by_store[s] for s in MEMBERS]
    assert full.kind == "full" and full.complete and full.last_crawled_at is not None
    assert full.items > 2000
    for run in sampled:
        assert run.kind == "sample" and run.complete
        assert 250 <= run.items < 400  # about the listings asked for, not the catalogue
        assert run.stats["downloader/request_count"] < full.stats["downloader/request_count"] / 5
        assert run.last_crawled_at is None
    assert states[ANCHOR].last_observed == FIRST
    assert all(states[s].last_observed is None and states[s].last_sampled == FIRST for s in MEMBERS)

    maintain_zones(engine, as_of=FIRST, companies=["aldi"])
    assert aldi_zones(crawler) == {frozenset({ANCHOR, *MEMBERS})}
    assert anchor_of(crawler, MEMBERS[0]) == ANCHOR  # the fully crawled store stands for them

    with engine.connect() as connection:
        (budget,) = crawl_budget(connection, companies=["aldi"])
    assert (budget.stores, budget.zones, budget.members) == (3, 1, 2)
    assert budget.every_store_per_day == 3 * budget.full_requests
    assert budget.zoned_per_day == budget.full_requests + 2 * budget.sample_requests / 14
    report = subprocess.run(
        [sys.executable, "-m", "grocer.cli", "plan", "--report", "--company", "aldi"],
        cwd=ROOT, env=crawler.env(), capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert f"{budget.ratio:.1f}x" in report

    moved, stays = MEMBERS
    sim.move_to_own_prices("aldi", moved, LATER)
    sim.set_date(LATER)
    crawler.run("aldi", store=ANCHOR)
    sample(crawler, *MEMBERS)
    later = maintain_zones(engine, as_of=LATER, companies=["aldi"])
    assert later.companies["aldi"].ejections == 1
    assert aldi_zones(crawler) == {frozenset({moved}), frozenset({ANCHOR, stays})}
    engine.dispose()
