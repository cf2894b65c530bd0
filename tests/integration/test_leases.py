"""Crawl leases: one live crawl per store, taken over when stale, fencing the loser's writes;
the store write lock in a key space of its own."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select, text, update

from grocer.crawl.lease import LeaseKeeper
from grocer.db import leases, runs
from grocer.db.leases import Fenced, StoreBusy
from grocer.db.models import CrawlLease, CrawlRun, Price
from grocer.db.store_rows import COMPANY_IDS, StoreRow, ensure_store
from grocer.db.transactions import in_transaction
from grocer.db.writer import PriceWriter
from grocer.normalize.product import normalize_observation


def store_and_runs(engine: Engine, count: int) -> tuple[int, list[int]]:
    def make(connection: object) -> tuple[int, list[int]]:
        store = ensure_store(connection, StoreRow("aldi", "G102"))  # type: ignore[arg-type]
        made = [
            runs.create_run(connection, spider="aldi", company_id=COMPANY_IDS["aldi"],  # type: ignore[arg-type]
                            store_pk=store)
            for _ in range(count)
        ]  # fmt: skip
        return store, made

    return in_transaction(engine, make)


def observation(sku: str) -> object:
    return normalize_observation(
        company="aldi", store_id="G102", sku=sku, observed_on=date(2025, 9, 9), name="Milk 2L",
        brand="Farmdale", size="2l", barcode=None, url=None, category_path=("Dairy",),
        price=Decimal("3.10"), was_price=None, unit_price_value=None, unit_price_measure=None,
        unit_price_text=None, is_available=True, promo_text=None,
    )  # fmt: skip


def test_a_live_lease_refuses_a_second_crawl_and_a_stale_one_is_taken_over(
    engine: Engine,
) -> None:
    store, (first, second) = store_and_runs(engine, 2)
    holder = LeaseKeeper(engine, spider="aldi", store_pk=store, node="local")
    lease = holder.open(first)
    other = LeaseKeeper(engine, spider="aldi", store_pk=store, node="local")
    with pytest.raises(StoreBusy, match=f"run {first}"):
        other.open(second)
    with engine.connect() as connection:  # the refused attempt changed nothing
        assert runs.get_run(connection, second).status == "pending"  # type: ignore[union-attr]

    with engine.begin() as connection:  # the holder falls silent
        connection.execute(
            update(CrawlLease).values(heartbeat_at=datetime.now(UTC) - timedelta(hours=1))
        )
    taken = other.open(second)
    with engine.connect() as connection:
        assert runs.get_run(connection, first).status == "interrupted"  # type: ignore[union-attr]
        assert runs.get_run(connection, second).status == "running"  # type: ignore[union-attr]
    writer = PriceWriter(engine)
    with pytest.raises(Fenced):  # the old holder's writes are refused
        writer.write([observation("1")], run_id=first, pages=["c#1"], lease=lease)
    with pytest.raises(Fenced):
        holder.renew()
    writer.write([observation("1")], run_id=second, pages=["c#1"], lease=taken)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Price)).scalar_one() == 1
    other.release()
    holder.close_session()


def test_the_sweep_interrupts_runs_whose_heartbeat_is_stale(engine: Engine) -> None:
    store, (run,) = store_and_runs(engine, 1)
    keeper = LeaseKeeper(engine, spider="aldi", store_pk=store, node="local")
    keeper.open(run)
    assert in_transaction(engine, lambda c: leases.sweep(c, timeout_s=60)) == []
    with engine.begin() as connection:
        connection.execute(
            update(CrawlRun).values(heartbeat_at=datetime.now(UTC) - timedelta(minutes=5))
        )
    assert in_transaction(engine, lambda c: leases.sweep(c, timeout_s=60)) == [run]
    with engine.connect() as connection:
        assert runs.get_run(connection, run).status == "interrupted"  # type: ignore[union-attr]
        assert connection.execute(select(func.count()).select_from(CrawlLease)).scalar_one() == 0
    with pytest.raises(Fenced):
        keeper.renew()
    keeper.close_session()


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_crawls_writes_never_wait_on_its_own_lease(engine: Engine) -> None:
    """The lease's advisory lock (space 1) and the store write lock (space 2) never meet, even
    where the lease's id and the store's are the same number."""
    store, (run,) = store_and_runs(engine, 1)
    keeper = LeaseKeeper(engine, spider="aldi", store_pk=store, node="local")
    lease = keeper.open(run)
    assert keeper.session is not None
    with engine.begin() as connection:
        held = connection.execute(
            text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = :id"),
            {"id": lease.id},
        ).scalar_one()
        assert held == 1  # the lease's lock, held by its session
        assert leases.try_lock_store(connection, lease.id)  # same number, other space
        assert leases.try_lock_store(connection, store)
    keeper.release()
