"""Freshness on the data's calendar: ``as_of`` from complete price runs only, and a store's last
price day as the zone resolver answers it (its own rows, else its anchor's)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from grocer.analysis.zones.resolver import prices_on
from grocer.constants import (
    BARCODE_RUN,
    COMPLETE,
    FAILED,
    LOCATOR_RUN,
    PARTIAL,
    SAMPLE_RUN,
    SKIPPED,
)
from grocer.health.freshness import StoreFreshness, default_as_of, last_price_on, store_freshness
from tests.integration.health.factories import finished_run, store, zone
from tests.unit.zones.factories import ingest_snapshots

D1 = date(2025, 9, 1)
D10 = D1 + timedelta(days=9)


def as_of(engine: Engine) -> date | None:
    with engine.connect() as connection:
        return default_as_of(connection)


def test_as_of_is_the_latest_day_of_a_complete_price_run(engine: Engine, tmp_path: Path) -> None:
    assert as_of(engine) is None
    finished_run(engine, "aldi", "aldi", "G102", D1, COMPLETE)
    assert as_of(engine) == D1
    finished_run(engine, "aldi", "aldi", "G103", D1 + timedelta(days=1), COMPLETE, kind=SAMPLE_RUN)
    assert as_of(engine) == D1 + timedelta(days=1)  # a sampled crawl writes prices too
    later = D1 + timedelta(days=5)
    # none of these moves it: no prices (locator, barcodes), or not complete
    finished_run(engine, "aldi_stores", "aldi", None, later, COMPLETE, kind=LOCATOR_RUN)
    finished_run(engine, "coles_barcodes", "coles", "401", later, COMPLETE, kind=BARCODE_RUN)
    finished_run(engine, "aldi", "aldi", "G102", later, PARTIAL, failed=["item_count"])
    finished_run(engine, "aldi", "aldi", "G104", later, FAILED, reason="no_response")
    finished_run(engine, "aldi", "aldi", "G105", later, SKIPPED, reason="store_busy")
    assert as_of(engine) == D1 + timedelta(days=1)
    # an ingest is a price run
    ingest_snapshots(engine, tmp_path, [("G200", D1 + timedelta(days=3), {1: "1.00"})])
    assert as_of(engine) == D1 + timedelta(days=3)


def freshness(engine: Engine, day: date | None = None, **environ: str) -> dict[str, StoreFreshness]:
    with engine.connect() as connection:
        found = store_freshness(connection, day or default_as_of(connection), environ=environ)
    return {s.store: s for s in found}


def assert_agrees_with_the_resolver(engine: Engine, day: date) -> None:
    """Each store's last price day is one the resolver prices it on, the next one is not."""
    with engine.connect() as connection:
        latest = last_price_on(connection, day)
        assert latest
        for store_pk, last in latest.items():
            assert prices_on(connection, last, store_ids=[store_pk]), (store_pk, last)
            if last < day:
                after = last + timedelta(days=1)
                assert not prices_on(connection, after, store_ids=[store_pk]), (store_pk, after)


@pytest.fixture
def stores(engine: Engine, tmp_path: Path) -> tuple[int, int]:
    """Anchor G001 priced on D1 and D10 (one interval), G002 only on D1, G003 alone on D1;
    G004 crawlable but never priced; G900 not crawlable."""
    ingest_snapshots(
        engine,
        tmp_path,
        [
            ("G001", D1, {1: "1.00", 2: "2.00"}),
            ("G001", D10, {1: "1.00", 2: "2.00"}),
            ("G002", D1, {1: "1.00"}),
            ("G003", D1, {1: "1.00"}),
        ],
    )
    store(engine, "aldi", "G004")
    store(engine, "aldi", "G900", crawlable=False)
    return store(engine, "aldi", "G001"), store(engine, "aldi", "G002")


def test_a_store_alone_goes_stale_and_one_never_priced_is_never(
    engine: Engine, stores: tuple[int, int]
) -> None:
    found = freshness(engine)
    assert sorted(found) == ["G001", "G002", "G003", "G004"]  # G900 is not crawlable
    assert (found["G001"].state, found["G001"].last_price_on, found["G001"].age_days) == (
        "fresh", D10, 0,
    )  # fmt: skip
    assert (found["G002"].state, found["G002"].age_days) == ("stale", 9)
    assert found["G004"].state == "never" and found["G004"].planned
    assert freshness(engine, GROCER_FRESH_DAYS="9")["G002"].state == "fresh"  # 9 days: not older
    assert freshness(engine, GROCER_FRESH_DAYS='{"aldi": 8}')["G002"].state == "stale"
    assert_agrees_with_the_resolver(engine, D10)


def test_a_zone_member_is_as_fresh_as_its_anchor(engine: Engine, stores: tuple[int, int]) -> None:
    anchor, member = stores
    zone(engine, "aldi", anchor, member, D1, None)
    found = freshness(engine)["G002"]
    assert (found.state, found.last_price_on, found.planned) == ("fresh", D10, False)
    # asked about an earlier day, the anchor's interval answers up to that day
    earlier = freshness(engine, D10 - timedelta(days=2))["G002"]
    assert (earlier.last_price_on, earlier.age_days) == (D10 - timedelta(days=2), 0)
    assert_agrees_with_the_resolver(engine, D10)


def test_a_membership_that_ended_prices_the_member_until_its_last_day(
    engine: Engine, stores: tuple[int, int]
) -> None:
    anchor, member = stores
    until = D1 + timedelta(days=5)  # the member left the zone: its last day in it is D1 + 4
    zone(engine, "aldi", anchor, member, D1, until)
    found = freshness(engine)["G002"]
    assert (found.last_price_on, found.age_days, found.state) == (
        until - timedelta(days=1),
        5,
        "fresh",
    )
    assert found.planned  # in no zone now: the planner crawls it itself
    assert freshness(engine, GROCER_FRESH_DAYS="3")["G002"].state == "stale"
    assert_agrees_with_the_resolver(engine, D10)
