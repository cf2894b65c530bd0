"""find_specials on planted histories (SQLite and PostgreSQL), expectations beside the data."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine

from grocer.analysis.specials import find_specials
from tests.integration.bargains.factories import (
    DAY0,
    daily,
    ingest,
    listing_pk,
    record,
    store_pk,
    zone,
)

D = Decimal
AS_OF = DAY0 + timedelta(days=27)  # the third day of the specials starting on DAY0 + 25
S = "COL:401"


def planted(engine: Engine, tmp_path: Path) -> None:
    ingest(engine, tmp_path, [
        # illusory: 2.00 for 20 days, raised to 2.50 for 5, then "2.00, was 2.50".
        #   window DAY0-3 .. DAY0+26: 2.00 x 22 (20 + 2 special days), 2.50 x 5 -> illusory
        *daily("coles", S, "ill", [("2.00", 20), ("2.50", 5), ("2.00/2.50", 3)]),
        # genuine: 4.00 for 25 days, then half price "2.00, was 4.00" -> genuine, real 50%
        *daily("coles", S, "gen", [("4.00", 25), ("2.00/4.00", 3)]),
        # unknown: listed from DAY0+15 only: 12 days of history before AS_OF -> unknown
        *daily("coles", S, "new", [("3.00", 10), ("1.50/3.00", 3)], start=DAY0 + timedelta(15)),
        # weekly crawls: 5.00 seen on DAY0+7 and DAY0+14 only; carried to DAY0+20 -> 14 days
        record("coles", S, "weekly", "5.00", DAY0 + timedelta(7)),
        record("coles", S, "weekly", "5.00", DAY0 + timedelta(14)),
        record("coles", S, "weekly", "4.00", AS_OF, was="5.00"),
        # ended: a special last seen 5 days before AS_OF is not current -> not listed
        *daily("coles", S, "ended", [("3.00", 15), ("2.00/3.00", 7)]),
        # a promotion whose "was" equals its price claims nothing -> not listed
        *daily("coles", S, "flat", [("3.00", 25), ("3.00/3.00", 3)]),
    ])  # fmt: skip


def test_planted_specials(engine: Engine, tmp_path: Path) -> None:
    planted(engine, tmp_path)
    store = store_pk(engine, "coles", S)
    checks = {c.listing_id: c for c in find_specials(engine, as_of=AS_OF)}
    sku = {listing_pk(engine, "coles", s): s for s in ("ill", "gen", "new", "weekly")}
    assert set(checks) == set(sku)
    got = {
        sku[i]: (c.verdict, c.price, c.was_price, c.most_common, c.lowest, c.history_days,
                 c.claimed_discount, c.real_discount)
        for i, c in checks.items()
    }  # fmt: skip
    assert got == {
        "ill": ("illusory", D("2.00"), D("2.50"), D("2.00"), D("2.00"), 27, D("0.2000"), D("0")),
        "gen": ("genuine", D("2.00"), D("4.00"), D("4.00"), D("2.00"), 27, D("0.5"), D("0.5")),
        "new": ("unknown", D("1.50"), D("3.00"), D("3.00"), D("1.50"), 12, D("0.5"), D("0.5")),
        "weekly": ("genuine", D("4.00"), D("5.00"), D("5.00"), D("5.00"), 14, D("0.2"), D("0.2")),
    }
    assert {c.store_id for c in checks.values()} == {store}
    # On the special's first day its own days are not history yet: 2.00 x 20, 2.50 x 5.
    first = {c.listing_id: c for c in find_specials(engine, as_of=DAY0 + timedelta(25))}
    assert first[listing_pk(engine, "coles", "ill")].verdict == "illusory"
    # Without carrying weekly observations forward, 8 observed days say nothing.
    lean = {c.listing_id: c for c in find_specials(engine, as_of=AS_OF, carry_days=0)}
    assert lean[listing_pk(engine, "coles", "weekly")].verdict == "unknown"


def test_a_zone_member_is_judged_on_its_anchors_history(engine: Engine, tmp_path: Path) -> None:
    # The anchor 401 holds the history; the member 402 kept only its own special row (an
    # exception), retention having removed its rows equal to the anchor's.
    ingest(engine, tmp_path, [
        *daily("coles", "COL:401", "x", [("2.00", 20), ("2.50", 5), ("2.50", 3)]),
        record("coles", "COL:402", "x", "2.00", DAY0 + timedelta(25), was="2.50"),
        record("coles", "COL:402", "x", "2.00", AS_OF, was="2.50"),
    ])  # fmt: skip
    anchor, member = store_pk(engine, "coles", "COL:401"), store_pk(engine, "coles", "COL:402")
    (alone,) = find_specials(engine, as_of=AS_OF)  # stored rows only: 2 days of history
    assert (alone.store_id, alone.verdict) == (member, "unknown")
    zone(engine, "coles", anchor, member)
    (zoned,) = find_specials(engine, as_of=AS_OF)
    # 2.00 x 20 (anchor) + 2 own special days, 2.50 x 5 -> illusory
    assert (zoned.verdict, zoned.most_common, zoned.history_days) == ("illusory", D("2.00"), 27)
