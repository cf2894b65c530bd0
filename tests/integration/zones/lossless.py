"""Snapshots of what the resolver says for every store on every day it was observed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from grocer.analysis.zones.resolver import ResolvedPrice, prices_on
from grocer.db.models import CrawlRun

State = tuple[Any, ...]


def state(price: ResolvedPrice) -> State:
    return (
        price.price,
        price.was_price,
        price.unit_price,
        price.unit,
        price.is_special,
        price.promo_text,
        price.price_hash,
    )


def observed_prices(engine: Engine) -> dict[tuple[int, int, Any], State]:
    """(store, listing, observed day) -> resolved price state, for every observed day."""
    with engine.connect() as connection:
        days = connection.execute(select(CrawlRun.store_id, CrawlRun.observed_on).distinct()).all()
        by_day: dict[Any, list[int]] = {}
        for store, day in days:
            by_day.setdefault(day, []).append(store)
        return {
            (p.store_id, p.listing_id, day): state(p)
            for day, stores in by_day.items()
            for p in prices_on(connection, day, store_ids=stores)
        }


def assert_lossless(before: dict[tuple[int, int, Any], State], engine: Engine) -> None:
    """Every price known before is still resolved, with the same state."""
    after = observed_prices(engine)
    lost = {k: v for k, v in before.items() if after.get(k) != v}
    assert not lost, f"{len(lost)} observed prices changed, e.g. {next(iter(lost.items()))}"
