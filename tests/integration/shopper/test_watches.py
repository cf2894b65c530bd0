"""Price watches (SQLite and PostgreSQL): a price at or below the target at a store in range
alerts once, to the watch's own URL or the shoppers' one, never the operator's; it alerts again
only after the price went back up; linked products count; bad watches are refused."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, update

from grocer.db.models import ProductLink, Store
from grocer.shopper.watches import WatchError, WatchSpec, add_watch, check_watches
from tests.integration.bargains.factories import DAY0, daily, ingest, product_pk, store_pk
from tests.receiver import Receiver

ADELAIDE = (-34.9285, 138.6007)
MELBOURNE = (-37.8136, 144.9631)


def prices(engine: Engine, tmp_path: Path) -> None:
    """Crackers at Coles in Adelaide: 4.00 for 5 days, 2.50 for 5, 4.00 for 5; the same
    crackers under another name at IGA in Melbourne, 3.00 throughout."""
    ingest(engine, tmp_path, [
        *daily("coles", "COL:401", "c1", [("4.00", 5), ("2.50", 5), ("4.00", 5)],
               name="Acme Rice Crackers Original"),
        *daily("iga", "14850", "i1", [("3.00", 15)], name="Acme Original Rice Cracker Snack"),
    ])  # fmt: skip
    with engine.begin() as connection:
        for company, store, (lat, lon) in (
            ("coles", "COL:401", ADELAIDE),
            ("iga", "14850", MELBOURNE),
        ):
            connection.execute(
                update(Store)
                .where(Store.id == store_pk(engine, company, store))
                .values(latitude=lat, longitude=lon)
            )


def watch(engine: Engine, **spec: object) -> int:
    with engine.begin() as connection:
        return add_watch(connection, WatchSpec(**spec))  # type: ignore[arg-type]


def test_a_price_at_or_below_the_target_alerts_once_until_it_rises(
    engine: Engine, tmp_path: Path, receiver: Receiver
) -> None:
    prices(engine, tmp_path)
    operator = Receiver()  # must hear nothing: watches are not operator alerts
    environ = {"GROCER_WATCH_ALERT_URLS": receiver.url, "GROCER_ALERT_URLS": operator.url}
    coles = product_pk(engine, "coles", "c1")
    near = watch(engine, product_id=coles, below=Decimal("2.60"), lat=ADELAIDE[0],
                 lon=ADELAIDE[1], radius_km=20)  # fmt: skip
    own = Receiver()
    anywhere = watch(engine, product_id=coles, below=Decimal("2.60"), url=own.url)
    try:
        heard = []
        for day in range(15):
            result = check_watches(engine, as_of=DAY0 + timedelta(days=day), environ=environ)
            heard.append((day, receiver.take(), len(own.take())))
            assert result.checked == 2
        alerts = [(day, messages, mine) for day, messages, mine in heard if messages or mine]
        # The drop to 2.50 on day 5 alerts both watches once; the rise on day 10 clears them.
        assert [(day, len(messages), mine) for day, messages, mine in alerts] == [(5, 1, 1)]
        message = alerts[0][1][0]
        assert "Acme Rice Crackers Original: $2.50" in message and f"watch {near}" in message
        assert operator.take() == []
    finally:
        operator.close()
        own.close()
    assert anywhere != near


def test_a_watch_sees_linked_products_and_only_stores_in_range(
    engine: Engine, tmp_path: Path, receiver: Receiver
) -> None:
    prices(engine, tmp_path)
    coles, iga = product_pk(engine, "coles", "c1"), product_pk(engine, "iga", "i1")
    environ = {"GROCER_WATCH_ALERT_URLS": receiver.url}
    in_melbourne = watch(engine, product_id=coles, below=Decimal("3.00"), lat=MELBOURNE[0],
                         lon=MELBOURNE[1], radius_km=20)  # fmt: skip
    day = DAY0 + timedelta(days=1)  # Coles 4.00 in Adelaide, IGA 3.00 in Melbourne
    assert check_watches(engine, as_of=day, environ=environ).holding == []  # not linked yet
    with engine.begin() as connection:
        connection.execute(
            insert(ProductLink).values(
                product_a=min(coles, iga), product_b=max(coles, iga), score=0.99, evidence="{}"
            )
        )
    result = check_watches(engine, as_of=day, environ=environ)
    assert result.alerted == [in_melbourne]
    assert "$3.00 at iga" in receiver.take()[0]
    # Adelaide's 2.50 on day 6 is 650 km away: a Melbourne watch under 2.60 never holds.
    far = watch(engine, product_id=coles, below=Decimal("2.60"), lat=MELBOURNE[0],
                lon=MELBOURNE[1], radius_km=50)  # fmt: skip
    later = check_watches(engine, as_of=DAY0 + timedelta(days=6), environ=environ)
    assert far not in later.holding


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ({"product_id": 999999}, "no product"),
        ({"lat": -34.9}, "together"),
        ({"radius_km": 5.0}, "needs --lat"),
        ({"lat": -34.9, "lon": 138.6, "radius_km": 0.0}, "above 0"),
        ({"below": Decimal("0")}, "above 0"),
    ],
)
def test_bad_watches_are_refused_with_the_reason(
    engine: Engine, tmp_path: Path, spec: dict, problem: str
) -> None:
    prices(engine, tmp_path)
    with pytest.raises(WatchError, match=problem):
        watch(engine, **{"product_id": product_pk(engine, "coles", "c1"), **spec})
