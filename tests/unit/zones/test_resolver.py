"""The resolver: own rows first, else the anchor's row for the membership period."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, delete, insert

from grocer.analysis.zones.resolver import latest_prices, prices_on, store_history
from grocer.db.models import GroupMembership, Price, StoreGroup
from tests.unit.zones.factories import ingest_snapshots, listing_pk, store_pk

D1, D2, D3, D4 = date(2025, 9, 17), date(2025, 9, 18), date(2025, 9, 19), date(2025, 9, 20)


def _setup(engine: Engine, tmp_path: Path) -> tuple[int, int, int, int, int]:
    # anchor A: listing 1 at 1.00 all along, listing 2 at 2.00, listing 3 at 3.00
    # member M: listing 1 at 1.00 (D2..D3), listing 2 at 2.50 (its own exception), no listing 3
    ingest_snapshots(
        engine,
        tmp_path,
        [
            ("G001", D1, {1: "1.00", 2: "2.00", 3: "3.00"}),
            ("G001", D4, {1: "1.00", 2: "2.00", 3: "3.00"}),
            ("G002", D2, {1: "1.00", 2: "2.50"}),
            ("G002", D3, {1: "1.00", 2: "2.50"}),
        ],
    )
    with engine.connect() as connection:
        return (
            store_pk(connection, "G001"),
            store_pk(connection, "G002"),
            listing_pk(connection, 1),
            listing_pk(connection, 2),
            listing_pk(connection, 3),
        )


def _join(engine: Engine, anchor: int, member: int, since: date, until: date | None) -> None:
    with engine.begin() as connection:
        group = connection.execute(
            insert(StoreGroup).values(company_id=3, anchor_store_id=anchor).returning(StoreGroup.id)
        ).scalar_one()
        connection.execute(
            insert(GroupMembership),
            [
                dict(
                    store_id=s,
                    group_id=group,
                    anchor_store_id=anchor,
                    valid_from=since,
                    valid_to=until,
                )
                for s in (anchor, member)
            ],
        )


def test_without_memberships_own_rows_answer(engine: Engine, tmp_path: Path) -> None:
    a, m, l1, l2, l3 = _setup(engine, tmp_path)
    with engine.connect() as connection:
        on_d2 = prices_on(connection, D2)
        assert [(p.store_id, p.listing_id, p.price) for p in on_d2] == [
            (a, l1, Decimal("1.00")),
            (a, l2, Decimal("2.00")),
            (a, l3, Decimal("3.00")),
            (m, l1, Decimal("1.00")),
            (m, l2, Decimal("2.50")),
        ]
        assert all(p.is_own for p in on_d2)
        assert prices_on(connection, D2, store_ids=[m], listing_ids=[l2])[0].price == Decimal(
            "2.50"
        )
        latest = latest_prices(connection, D4, fresh_days=7, store_ids=[m])
        assert [(p.listing_id, p.first_seen, p.last_seen) for p in latest] == [
            (l1, D2, D3),
            (l2, D2, D3),
        ]
        assert latest_prices(connection, D4, fresh_days=0, store_ids=[m]) == []
        history = list(store_history(connection, a))
        assert [(p.listing_id, p.first_seen, p.last_seen) for p in history] == [
            (l1, D1, D4),
            (l2, D1, D4),
            (l3, D1, D4),
        ]


def test_member_without_own_row_gets_its_anchors_row(engine: Engine, tmp_path: Path) -> None:
    a, m, l1, l2, l3 = _setup(engine, tmp_path)
    _join(engine, a, m, D2, None)
    with engine.begin() as connection:
        before = prices_on(connection, D3, store_ids=[m])
        # retention would delete M's listing-1 row: A's row has its hash over D2..D3
        connection.execute(delete(Price).where(Price.store_id == m, Price.listing_id == l1))
        after = prices_on(connection, D3, store_ids=[m])
    assert [(p.listing_id, p.price, p.is_own) for p in before] == [
        (l1, Decimal("1.00"), True),
        (l2, Decimal("2.50"), True),
        (l3, Decimal("3.00"), False),  # the zone's price of what A lists and M does not
    ]
    by_listing = {p.listing_id: p for p in after}
    assert by_listing[l1].price == Decimal("1.00")
    assert by_listing[l1].source_store_id == a and not by_listing[l1].is_own
    # clipped to the membership period, which starts on D2
    assert (by_listing[l1].first_seen, by_listing[l1].last_seen) == (D2, D4)
    assert by_listing[l2].price == Decimal("2.50") and by_listing[l2].is_own  # its exception
    assert by_listing[l3] == before[2]
    with engine.connect() as connection:
        # before the membership period, nothing answers for M's listing 1
        assert prices_on(connection, D1, store_ids=[m]) == []


def test_closed_period_clips_and_history_is_cut_around_own_rows(
    engine: Engine, tmp_path: Path
) -> None:
    a, m, l1, l2, l3 = _setup(engine, tmp_path)
    _join(engine, a, m, D1, D4)  # M follows A on D1..D3
    with engine.begin() as connection:
        connection.execute(delete(Price).where(Price.store_id == m, Price.listing_id == l1))
        assert prices_on(connection, D4, store_ids=[m]) == []  # the period has ended
        on_d1 = {p.listing_id: p for p in prices_on(connection, D1, store_ids=[m])}
        assert on_d1[l2].price == Decimal("2.00")  # M's own 2.50 starts on D2
        assert (on_d1[l1].first_seen, on_d1[l1].last_seen) == (D1, D3)
        history = [
            (p.listing_id, p.source_store_id == a, p.price, p.first_seen, p.last_seen)
            for p in store_history(connection, m)
        ]
        assert history == [
            (l1, True, Decimal("1.00"), D1, D3),
            (l2, True, Decimal("2.00"), D1, D1),  # A's row, up to M's own row
            (l2, False, Decimal("2.50"), D2, D3),
            (l3, True, Decimal("3.00"), D1, D3),
        ]
        since = [(p.listing_id, p.first_seen) for p in store_history(connection, m, since=D2)]
        assert since == [(l1, D1), (l2, D2), (l3, D1)]
        latest = {
            p.listing_id: p for p in latest_prices(connection, D3, fresh_days=7, store_ids=[m])
        }
        assert latest[l2].price == Decimal("2.50") and latest[l2].is_own
        assert latest[l1].source_store_id == a and latest[l1].last_seen == D3
        # filtering by company: Aldi is company 3
        assert latest_prices(connection, D3, fresh_days=7, company_ids=[1]) == []
        assert len(latest_prices(connection, D3, fresh_days=7, company_ids=[3])) == 6


def test_own_row_wins_latest_only_while_in_force(engine: Engine, tmp_path: Path) -> None:
    a, m, l1, l2, _ = _setup(engine, tmp_path)
    _join(engine, a, m, D1, None)
    with engine.connect() as connection:
        latest = {
            p.listing_id: p for p in latest_prices(connection, D4, fresh_days=7, store_ids=[m])
        }
        # M's own 2.50 was last seen D3; A's 2.00 is in force up to D4
        assert latest[l2].price == Decimal("2.00") and latest[l2].source_store_id == a
        latest = {
            p.listing_id: p for p in latest_prices(connection, D3, fresh_days=7, store_ids=[m])
        }
        assert latest[l2].price == Decimal("2.50") and latest[l2].is_own
    del l1
