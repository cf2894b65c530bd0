"""detect_bargains on a planted dataset whose answer is written beside it (SQLite and
PostgreSQL): bargains, decoys, reviews, staleness, zones and the per-run replacement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, select

from grocer.analysis.bargains import detect_bargains
from grocer.db.models import AnalysisRun, Bargain, Price
from tests.integration.bargains.factories import (
    BARCODES,
    DAY0,
    daily,
    ingest,
    product_pk,
    record,
    store_pk,
    zone,
)

D = Decimal
AS_OF = DAY0 + timedelta(days=9)  # every fresh price is observed daily from DAY0 to here


def fresh(company: str, store: str, sku: str, price: str, **kw: object) -> list[dict]:
    return daily(company, store, sku, [(price, 10)], **kw)  # type: ignore[arg-type]


def planted(engine: Engine, tmp_path: Path) -> None:
    rows = [
        # P1 by barcode: 2.00 at Coles, 3.60 at Woolworths 1147 (1.8x), 2.40 at IGA.
        #    -> bargain, cheapest Coles, dearest Woolworths 1147, discount 0.4444
        *fresh("coles", "COL:401", "c1", "2.00", barcode=BARCODES[0]),
        *fresh("woolworths", "1147", "w1", "3.60", barcode=BARCODES[0]),
        *fresh("iga", "14850", "i1", "2.40", barcode=BARCODES[0]),
        # P2: 1.4x -> nothing; but the Woolworths zone member 1148 keeps its own 3.40 (1.7x):
        #    a member's price is its zone's business, not a zone of its own -> still nothing.
        *fresh("coles", "COL:401", "c2", "2.00", barcode=BARCODES[1]),
        *fresh("woolworths", "1147", "w2", "2.80", barcode=BARCODES[1]),
        *fresh("woolworths", "1148", "w2", "3.40", barcode=BARCODES[1]),
        # P3: exactly 1.5x is not more than 1.5x -> nothing.
        *fresh("coles", "COL:401", "c3", "2.00", barcode=BARCODES[2]),
        *fresh("woolworths", "1147", "w3", "3.00", barcode=BARCODES[2]),
        # P4: a can and a 24-can carton under one barcode, 9x -> review (discount 0.8889).
        *fresh("coles", "COL:401", "c4", "3.50", barcode=BARCODES[3]),
        *fresh("woolworths", "1147", "w4", "31.50", barcode=BARCODES[3], size="24 x 375mL"),
        # P5: 2x, but Woolworths last saw its price on DAY0 -> stale on AS_OF -> nothing.
        *fresh("coles", "COL:401", "c5", "2.00", barcode=BARCODES[4]),
        record("woolworths", "1147", "w5", "4.00", DAY0, barcode=BARCODES[4]),
        # P6 by name, brand and size (no barcodes): Aldi 0.35, Coles 0.60 (1.71x) -> bargain.
        *fresh("aldi", "G102", "a6", "0.35", name="Red Chillies", brand="FRESH", size="20g"),
        *fresh("coles", "COL:401", "c6", "0.60", name="Red Chillies", brand="Fresh", size="20g"),
        # P7: one retailer only, 3x between its two SKUs at one store -> nothing.
        *fresh("coles", "COL:401", "c7a", "1.00", name="Lone", size="1kg"),
        *fresh("coles", "COL:401", "c7b", "3.00", name="Lone Thing", size="2kg"),
    ]
    ingest(engine, tmp_path, reversed(rows))  # order of arrival does not matter


def stored(engine: Engine) -> dict[int, tuple]:
    with engine.connect() as c:
        cheap, dear = Price.__table__.alias(), Price.__table__.alias()
        rows = c.execute(
            select(
                Bargain.product_id, Bargain.kind, Bargain.discount, Bargain.cheap_store_id,
                cheap.c.price, Bargain.dear_store_id, dear.c.price,
            )
            .join(cheap, cheap.c.id == Bargain.cheap_price_id)
            .join(dear, dear.c.id == Bargain.dear_price_id)
        )  # fmt: skip
        return {r[0]: tuple(r[1:]) for r in rows}


def test_planted_bargains_decoys_and_reviews(engine: Engine, tmp_path: Path) -> None:
    planted(engine, tmp_path)
    coles, wool = store_pk(engine, "coles", "COL:401"), store_pk(engine, "woolworths", "1147")
    aldi = store_pk(engine, "aldi", "G102")
    zone(engine, "woolworths", wool, store_pk(engine, "woolworths", "1148"))
    p = {name: product_pk(engine, company, sku) for name, company, sku in [
        ("P1", "coles", "c1"), ("P4", "coles", "c4"), ("P5", "coles", "c5"), ("P6", "aldi", "a6"),
    ]}  # fmt: skip
    assert p["P6"] == product_pk(engine, "coles", "c6")  # one product by matching key

    run = detect_bargains(engine, as_of=AS_OF)

    assert stored(engine) == {
        p["P1"]: ("bargain", D("0.4444"), coles, D("2.00"), wool, D("3.60")),
        p["P6"]: ("bargain", D("0.4167"), aldi, D("0.35"), coles, D("0.60")),
        p["P4"]: ("review", D("0.8889"), coles, D("3.50"), wool, D("31.50")),
    }
    assert [b.product_id for b in run.bargains] == [p["P1"], p["P6"]]  # largest discount first
    assert [b.product_id for b in run.reviews] == [p["P4"]]
    assert run.zones == 4  # Coles, Woolworths 1147 (with 1148), Aldi, IGA
    with engine.connect() as c:
        kind, status, as_of, summary = c.execute(
            select(AnalysisRun.kind, AnalysisRun.status, AnalysisRun.as_of, AnalysisRun.summary)
        ).one()
    assert (kind, status, as_of) == ("bargains", "finished", AS_OF)
    assert summary["bargains"] == 2 and summary["reviews"] == 1


def test_the_stale_decoy_was_a_bargain_while_fresh_and_each_run_replaces_the_last(
    engine: Engine, tmp_path: Path
) -> None:
    planted(engine, tmp_path)
    p5 = product_pk(engine, "coles", "c5")
    # On DAY0 + 7 Woolworths' DAY0 price is exactly 7 days old: still fresh -> a bargain.
    detect_bargains(engine, as_of=DAY0 + timedelta(days=7))
    assert stored(engine)[p5][:2] == ("bargain", D("0.5000"))
    detect_bargains(engine, as_of=DAY0 + timedelta(days=8))  # 8 days old: stale
    assert p5 not in stored(engine)
    assert len(stored(engine)) == 4  # P1, P6, P4 and the unzoned member 1148's P2 (1.7x)
    with engine.connect() as c:
        runs = c.execute(select(AnalysisRun.status).order_by(AnalysisRun.id)).scalars().all()
    assert runs == ["finished", "finished"]


def test_without_the_zone_the_member_store_is_a_zone_of_its_own(
    engine: Engine, tmp_path: Path
) -> None:
    # Negative control for the zone test above: 1148's 3.40 against Coles' 2.00 is 1.7x.
    planted(engine, tmp_path)
    p2 = product_pk(engine, "coles", "c2")
    member = store_pk(engine, "woolworths", "1148")
    detect_bargains(engine, as_of=AS_OF)
    kind, discount, _, cheap, dear_store, dear = stored(engine)[p2]
    assert (kind, discount, cheap, dear_store, dear) == (
        "bargain", D("0.4118"), D("2.00"), member, D("3.40"),
    )  # fmt: skip


def test_a_run_over_history_ignores_later_prices(engine: Engine, tmp_path: Path) -> None:
    ingest(engine, tmp_path, [
        *daily("coles", "COL:401", "c1", [("2.00", 5), ("3.00", 5)], barcode=BARCODES[0]),
        *daily("woolworths", "1147", "w1", [("3.60", 10)], barcode=BARCODES[0]),
    ])  # fmt: skip
    product = product_pk(engine, "coles", "c1")
    assert detect_bargains(engine, as_of=DAY0 + timedelta(days=4)).bargains[0].cheap.price == D(
        "2.00"
    )
    assert product in stored(engine)
    run = detect_bargains(engine, as_of=DAY0 + timedelta(days=9))  # 3.00 vs 3.60: 1.2x
    assert run.bargains == [] and stored(engine) == {}
    assert run.computed_at <= datetime.now(UTC)
