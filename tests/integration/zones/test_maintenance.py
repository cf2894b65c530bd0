"""Zone maintenance on synthetic chains written through the normal ingest: merges, the health
check's ejections, Wednesday repricing, and retention that loses nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import aliased

from grocer.analysis.zones.maintain import ZoneRunSummary, maintain_zones
from grocer.db.models import AnalysisRun, ComparisonCache, GroupMembership, Price, Store
from tests.integration.zones.lossless import assert_lossless, observed_prices
from tests.unit.zones.factories import catalogue, ingest_snapshots

ZONE = catalogue(400)  # 400 listings at one zone price list
# The next price week (from Wednesday 2025-09-24): 40 of the 400 prices (10%) change.
REPRICED = {i: p + (Decimal("0.50") if i % 10 == 0 else 0) for i, p in ZONE.items()}


def changed(prices: dict[int, Decimal], listings: range | list[int]) -> dict[int, Decimal]:
    return {i: p + (Decimal("0.07") if i in listings else 0) for i, p in prices.items()}


def run(engine: Engine, day: date) -> ZoneRunSummary:
    return maintain_zones(engine, as_of=day, companies=["aldi"])


def zones(engine: Engine) -> dict[str, str]:
    """Retailer store id -> its current anchor's retailer store id."""
    with engine.connect() as connection:
        anchor = aliased(Store)
        rows = connection.execute(
            select(Store.retailer_store_id, anchor.retailer_store_id)
            .join(GroupMembership, GroupMembership.store_id == Store.id)
            .join(anchor, anchor.id == GroupMembership.anchor_store_id)
            .where(GroupMembership.valid_to.is_(None))
        )
        return dict(rows.all())


def rows_of(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(Store.retailer_store_id, func.count(Price.id))
            .join(Price, Price.store_id == Store.id)
            .group_by(Store.retailer_store_id)
        )
        return dict(rows.all())


def test_merge_anchor_change_ejection_and_lossless_retention(
    engine: Engine, tmp_path: Path
) -> None:
    # Thursday 18th: X and Y observed; Y has one price of its own (listing 5)
    ingest_snapshots(
        engine,
        tmp_path,
        [("G001", date(2025, 9, 18), ZONE), ("G002", date(2025, 9, 18), changed(ZONE, [5]))],
    )
    known = observed_prices(engine)
    summary = run(engine, date(2025, 9, 18))
    assert summary.companies["aldi"].merges == 1
    assert zones(engine) == {"G001": "G001", "G002": "G001"}
    assert rows_of(engine) == {"G001": 400, "G002": 1}  # Y keeps only its own price
    assert_lossless(known, engine)

    # Monday 22nd: P, Q, R observed (same price week); X's group is stale: X is flagged
    ingest_snapshots(
        engine, tmp_path, [(s, date(2025, 9, 22), ZONE) for s in ("G010", "G011", "G012")]
    )
    known |= observed_prices(engine)
    summary = run(engine, date(2025, 9, 22))
    aldi = summary.companies["aldi"]
    assert (aldi.merges, aldi.flagged, aldi.groups) == (2, 1, 2)
    assert run(engine, date(2025, 9, 22)).companies["aldi"].flagged == 0  # flagged once
    with engine.connect() as connection:
        assert connection.execute(
            select(Store.needs_rescrape).where(Store.retailer_store_id == "G001")
        ).scalar_one()
    assert zones(engine)["G011"] == "G010"
    assert_lossless(known, engine)

    # Tuesday 23rd: X and P observed: the larger group (P's, 3 stores) absorbs X's (2)
    ingest_snapshots(engine, tmp_path, [(s, date(2025, 9, 23), ZONE) for s in ("G001", "G010")])
    known |= observed_prices(engine)
    summary = run(engine, date(2025, 9, 23))
    assert summary.companies["aldi"].merges == 1
    assert set(zones(engine).values()) == {"G010"}  # Y's anchor changed from X to P
    assert_lossless(known, engine)

    # Thursday 25th, a new price week: Q moves onto its own prices (12 of 400 = 3% differ);
    # R has a single price of its own (listing 7), Y keeps its one
    before_zones = zones(engine)
    ingest_snapshots(
        engine,
        tmp_path,
        [
            ("G010", date(2025, 9, 25), REPRICED),
            ("G011", date(2025, 9, 25), changed(REPRICED, range(100, 112))),
            ("G012", date(2025, 9, 25), changed(REPRICED, [7])),
            ("G002", date(2025, 9, 25), changed(REPRICED, [5])),
        ],
    )
    known |= observed_prices(engine)
    summary = run(engine, date(2025, 9, 25))
    aldi = summary.companies["aldi"]
    assert (aldi.ejections, aldi.merges) == (1, 0)
    after_zones = zones(engine)
    assert after_zones.pop("G011") == "G011"  # Q is on its own
    before_zones.pop("G011")
    assert after_zones == before_zones  # nothing else moved
    counts = rows_of(engine)
    assert counts["G012"] == 1  # R's single own price stays as its row, no ejection
    assert counts["G002"] == 1  # Y's own price, one row extended over both weeks
    assert counts["G011"] == 400  # Q's prices of the 25th are all its own now
    assert_lossless(known, engine)
    with engine.connect() as connection:
        runs = connection.execute(
            select(func.count())
            .select_from(AnalysisRun)
            .where(AnalysisRun.kind == "zones", AnalysisRun.status == "finished")
        ).scalar_one()
        assert runs == 5

    # a reset starts everyone alone again and loses nothing either
    summary = maintain_zones(engine, as_of=date(2025, 9, 25), companies=["aldi"], reset=True)
    assert_lossless(known, engine)


def test_wednesday_repricing_neither_merges_nor_ejects(engine: Engine, tmp_path: Path) -> None:
    # A zone of two, formed on Tuesday 16th
    ingest_snapshots(engine, tmp_path, [(s, date(2025, 9, 16), ZONE) for s in ("G001", "G002")])
    assert run(engine, date(2025, 9, 16)).companies["aldi"].merges == 1
    # the member is seen on Tuesday 23rd (old week), its anchor on Wednesday 24th (repriced);
    # S1 (Tuesday) and S2 (Wednesday) have the same prices but different price weeks
    ingest_snapshots(
        engine,
        tmp_path,
        [
            ("G002", date(2025, 9, 23), ZONE),
            ("G001", date(2025, 9, 24), REPRICED),
            ("G021", date(2025, 9, 23), ZONE),
            ("G022", date(2025, 9, 24), ZONE),
        ],
    )
    summary = run(engine, date(2025, 9, 24))
    aldi = summary.companies["aldi"]
    assert (aldi.ejections, aldi.merges, aldi.verified) == (0, 0, 0)
    assert zones(engine) == {"G001": "G001", "G002": "G001", "G021": "G021", "G022": "G022"}
    with engine.connect() as connection:
        keys = connection.execute(select(ComparisonCache.key)).scalars().all()
        pairs = [k for k in keys if ":" in k]
        assert pairs == []  # nothing was found not to match on that evidence


def test_thin_evidence_is_inconclusive(engine: Engine, tmp_path: Path) -> None:
    small = {i: p for i, p in ZONE.items() if i <= 150}  # 150 listings: fewer than 200
    ingest_snapshots(
        engine, tmp_path, [("G001", date(2025, 9, 18), ZONE), ("G002", date(2025, 9, 18), small)]
    )
    summary = run(engine, date(2025, 9, 18))
    assert summary.companies["aldi"].merges == 0
    assert summary.companies["aldi"].inconclusive == 1
    assert zones(engine) == {"G001": "G001", "G002": "G002"}


def test_zones_recovered_from_seeded_noise(engine: Engine, tmp_path: Path) -> None:
    import random

    rng = random.Random(3)
    base = catalogue(500)
    # three true zones, each 15 prices (3%) away from the base list
    changed_sets = [set(rng.sample(range(1, 501), 15)) for _ in range(3)]
    lists = [
        {i: p + (Decimal("0.30") if i in changed else 0) for i, p in base.items()}
        for changed in changed_sets
    ]
    truth: dict[str, int] = {}
    snapshots = []
    for n in range(15):
        store, zone = f"G{n + 100}", n % 3
        truth[store] = zone
        prices = dict(lists[zone])
        for i in rng.sample(sorted(prices), rng.randrange(0, 60)):  # assortment differences
            del prices[i]
        if n % 4 == 0:  # a one-off markdown
            markdown = rng.choice(sorted(prices))
            prices[markdown] -= Decimal("0.05")
        snapshots.append((store, date(2025, 9, 18 + n % 2), prices))
    ingest_snapshots(engine, tmp_path, snapshots)
    run(engine, date(2025, 9, 19))
    found = zones(engine)
    by_anchor: dict[str, set[str]] = {}
    for store, anchor in found.items():
        by_anchor.setdefault(anchor, set()).add(store)
    expected = [{s for s, z in truth.items() if z == zone} for zone in range(3)]
    assert sorted(map(sorted, by_anchor.values())) == sorted(map(sorted, expected))
