"""Rows the sample database lacks, written before the API reads it: substitutions, a price
zone, store coordinates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import insert, update

from grocer.db.engine import make_engine
from grocer.db.models import GroupMembership, Store, StoreGroup, Substitution

CARINDALE, BATHURST = 2, 1  # stores.id of Aldi G102 and G391 in the samples


def add_substitute(path: Path, a: int, b: int, level: int, score: float) -> None:
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(
            insert(Substitution).values(
                product_a=min(a, b), product_b=max(a, b), level=level, score=score
            )
        )
    engine.dispose()


def add_zone(path: Path, anchor: int, member: int, since: date) -> int:
    """A zone anchored at ``anchor`` with ``member`` in it from ``since``; its id."""
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        zone = connection.execute(
            insert(StoreGroup)
            .values(company_id=3, anchor_store_id=anchor, created_at=datetime.now(UTC))
            .returning(StoreGroup.id)
        ).scalar_one()
        for store in (anchor, member):
            connection.execute(
                insert(GroupMembership).values(
                    store_id=store, group_id=zone, anchor_store_id=anchor, valid_from=since
                )
            )
    engine.dispose()
    return zone


def place_stores(path: Path, places: dict[int, tuple[float, float]]) -> None:
    """Give stores (``stores.id``) coordinates."""
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        for store, (lat, lon) in places.items():
            connection.execute(
                update(Store).where(Store.id == store).values(latitude=lat, longitude=lon)
            )
    engine.dispose()
