"""The planted cases through ingested simulator truth (no crawls, no browser): every day from
2025-09-17 to 2025-10-04 for one store per retailer, as a daily crawl would have stored it;
and every product of those stores weekly, whose only bargains are the planted ones."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from grocer.analysis.bargains import FRESH_DAYS, detect_bargains
from grocer.analysis.specials import find_specials
from grocer.db.engine import make_engine
from grocer.db.migrate import upgrade
from grocer.ingest.runner import ingest_files
from grocer.sim.server import SimulatorServer
from tests.integration.bargains.factories import listing_pk, product_pk
from tests.integration.bargains.simdata import days, planted, write_truth

STORES = [("coles", "COL:401"), ("woolworths", "1147"), ("aldi", "G102")]
D = Decimal


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[SimulatorServer, Engine]:
    sim = SimulatorServer(date="2025-09-17", seed=0)  # its truth needs no server running
    folder = tmp_path_factory.mktemp("sim-truth")
    skus = {item["sku"] for case in sim.planted() for item in case["listings"]}
    feed = write_truth(sim, STORES, days("2025-09-17", "2025-10-04"), folder / "truth.jsonl", skus)
    url = f"sqlite:///{folder / 'grocer.sqlite3'}"
    upgrade(url).dispose()
    engine = make_engine(url)
    assert ingest_files(engine, [feed]).rejected_total == 0
    return sim, engine


def test_planted_bargains_and_decoys(history: tuple[SimulatorServer, Engine]) -> None:
    sim, engine = history
    # The stale decoy's dearer listing was last served on 2025-09-19: stale from 2025-09-27.
    run = detect_bargains(engine, as_of=date(2025, 9, 27))
    kinds = {b.product_id: b.kind for b in run.bargains + run.reviews}
    product = {
        case: product_pk(engine, "coles", next(
            i["sku"] for i in planted(sim, case)["listings"] if i["company"] == "coles"
        ))
        for case in ("bargain_barcode", "bargain_name", "decoy_stale", "decoy_under_threshold",
                     "decoy_mismatch")
    }  # fmt: skip
    assert kinds == {
        product["bargain_barcode"]: "bargain",
        product["bargain_name"]: "bargain",
        product["decoy_mismatch"]: "review",
    }
    fresh = detect_bargains(engine, as_of=date(2025, 9, 26))  # 7 days old: still fresh
    assert {b.product_id for b in fresh.bargains} == {
        product["bargain_barcode"], product["bargain_name"], product["decoy_stale"],
    }  # fmt: skip


@pytest.mark.parametrize("as_of", ["2025-10-01", "2025-10-04"])
def test_planted_specials(history: tuple[SimulatorServer, Engine], as_of: str) -> None:
    sim, engine = history
    checks = {c.listing_id: c for c in find_specials(engine, as_of=date.fromisoformat(as_of))}
    illusory = planted(sim, "illusory_special")["listings"][0]
    genuine = planted(sim, "genuine_half_price")["listings"][0]
    flagged = checks[listing_pk(engine, "coles", illusory["sku"])]
    assert (flagged.verdict, flagged.was_price, flagged.most_common) == (
        "illusory", D(illusory["raised_price"]), D(illusory["price"]),
    )  # fmt: skip
    half = checks[listing_pk(engine, "coles", genuine["sku"])]
    assert (half.verdict, half.most_common, half.real_discount) == (
        "genuine", D(genuine["price"]), D("0.5"),
    )  # fmt: skip


# Every product of one store per retailer, observed weekly from the start date and on the
# planted special days: the simulator keeps every product grocer identifies across retailers
# within 1.4x (docs/simulator-bargains.md), so the bargains are exactly the planted ones.
EVERY_STORE = [*STORES, ("iga", "14850")]
WEEKLY = [date(2025, 9, 17) + timedelta(days=7 * n) for n in range(8)] + [
    date(2025, 10, 2), date(2025, 10, 4),
]  # fmt: skip


@pytest.fixture(scope="module")
def everything(tmp_path_factory: pytest.TempPathFactory) -> tuple[SimulatorServer, Engine]:
    sim = SimulatorServer(date="2025-09-17", seed=0)
    folder = tmp_path_factory.mktemp("sim-truth-all")
    feed = write_truth(sim, EVERY_STORE, sorted(WEEKLY), folder / "truth.jsonl")
    url = f"sqlite:///{folder / 'grocer.sqlite3'}"
    upgrade(url).dispose()
    engine = make_engine(url)
    assert ingest_files(engine, [feed]).rejected_total == 0
    return sim, engine


@pytest.mark.slow
def test_every_product_the_bargains_are_exactly_the_planted_ones(
    everything: tuple[SimulatorServer, Engine],
) -> None:
    sim, engine = everything
    coles = {
        case: product_pk(engine, "coles", next(
            i["sku"] for i in planted(sim, case)["listings"] if i["company"] == "coles"
        ))
        for case in ("bargain_barcode", "bargain_name", "decoy_stale", "decoy_mismatch")
    }  # fmt: skip
    for day in sorted(WEEKLY):
        run = detect_bargains(engine, as_of=day)
        expected = {
            coles["bargain_barcode"]: "bargain",
            coles["bargain_name"]: "bargain",
            coles["decoy_mismatch"]: "review",
        }
        if day <= WEEKLY[0] + timedelta(days=FRESH_DAYS):  # the stale decoy, last seen WEEKLY[0]
            expected[coles["decoy_stale"]] = "bargain"
        assert {b.product_id: b.kind for b in run.bargains + run.reviews} == expected, day
        assert run.products_compared > 1000  # most shared products are compared
