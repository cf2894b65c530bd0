"""Crawl runs, checks and daemon rows for health tests, written through the project's own db
modules (grocer/db/runs.py, run_checks.py, daemons.py), as crawls and the daemon write them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, Engine, insert, update

from grocer.constants import COMPLETE, FULL_RUN, PARTIAL
from grocer.db import daemons, runs
from grocer.db.models import Daemon, GroupMembership, StoreGroup
from grocer.db.run_checks import CheckResult, replace_checks
from grocer.db.store_rows import COMPANY_IDS, StoreRow, ensure_store
from grocer.db.transactions import in_transaction

CHECKS = ("finish_reason", "item_count", "validation")
REASONS = {
    "finish_reason": "finish reason finished",
    "item_count": "40 products, under the threshold 75 (75% of the sample size 100)",
    "validation": "2.5% of products rejected, over the threshold 1%",
}


def store(engine: Engine, company: str, store_id: str, *, crawlable: bool = True) -> int:
    """The store's ``stores.id`` (made when missing)."""
    return in_transaction(
        engine, lambda c: ensure_store(c, StoreRow(company, store_id, crawlable=crawlable))
    )


def checks(failed: Iterable[str] = ()) -> list[CheckResult]:
    """A run's checks, those named in ``failed`` failed with their figure."""
    bad = set(failed)
    return [
        CheckResult(name, name not in bad, 40 if name == "item_count" else 0, 75, REASONS[name])
        for name in CHECKS
    ]


def finished_run(
    engine: Engine,
    spider: str,
    company: str,
    store_id: str | None,
    day: date | None,
    status: str,
    *,
    kind: str = FULL_RUN,
    failed: Iterable[str] = (),
    reason: str = "finished",
) -> int:
    """A run that ended with ``status``: ``complete``/``partial`` closed by its attempt with
    its checks (those in ``failed`` failed); others (``failed``, ``skipped``) ended at open
    with ``reason``."""
    failed = tuple(failed)

    def work(connection: Connection) -> int:
        store_pk = ensure_store(connection, StoreRow(company, store_id)) if store_id else None
        run_id = runs.create_run(
            connection, spider=spider, company_id=COMPANY_IDS[company], store_pk=store_pk,
            kind=kind, observed_on=day,
        )  # fmt: skip
        if status not in (COMPLETE, PARTIAL):
            runs.end_run(connection, run_id, status=status, reason=reason)
            return run_id
        attempt = runs.open_attempt(connection, run_id, host="test-host", pid=1)
        assert attempt is not None
        replace_checks(connection, run_id, checks(failed))
        runs.close_run(
            connection, run_id, attempt=attempt, status=status, finish_reason=reason,
            items=100, rejected=0, stats={},
        )  # fmt: skip
        return run_id

    return in_transaction(engine, work)


def daemon_heartbeat(engine: Engine, age: timedelta | None = None) -> None:
    """A daemon registered now; ``age``: its heartbeat that long ago."""
    daemon_id = in_transaction(engine, lambda c: daemons.register(c, node="test-host", pid=1))
    if age is not None:
        with engine.begin() as connection:
            connection.execute(
                update(Daemon)
                .where(Daemon.id == daemon_id)
                .values(heartbeat_at=datetime.now(UTC) - age)
            )


def job_ran(engine: Engine, job: str, status: str) -> None:
    """The daemon ran ``job``; it ended ``ok`` or ``failed``."""
    now = datetime.now(UTC)
    in_transaction(
        engine,
        lambda c: daemons.record_job(
            c, job, next_run_at=now + timedelta(minutes=10), ran_at=now, status=status
        ),
    )


def zone(
    engine: Engine, company: str, anchor: int, member: int, since: date, until: date | None
) -> None:
    """``member`` in ``anchor``'s price zone from ``since`` to ``until`` (what zone maintenance
    records)."""
    with engine.begin() as connection:
        group = connection.execute(
            insert(StoreGroup)
            .values(company_id=COMPANY_IDS[company], anchor_store_id=anchor)
            .returning(StoreGroup.id)
        ).scalar_one()
        for store_pk in (anchor, member):
            connection.execute(
                insert(GroupMembership).values(
                    store_id=store_pk, group_id=group, anchor_store_id=anchor,
                    valid_from=since, valid_to=until,
                )
            )  # fmt: skip
