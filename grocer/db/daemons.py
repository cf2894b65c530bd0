"""The scheduler daemon's own rows: its heartbeat (``daemons``) and its schedule
(``daemon_jobs``), so ``grocer status`` knows whether it lives and what runs when, and a
restarted daemon picks its schedule up where the last one left it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, insert, select, update

from grocer.db.models import Daemon, DaemonJob

OK, FAILED = "ok", "failed"


@dataclass(frozen=True)
class JobState:
    """One job of the schedule as the database keeps it."""

    job: str
    next_run_at: datetime | None
    last_run_at: datetime | None
    last_status: str | None
    consecutive_failures: int


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def register(connection: Connection, *, node: str, pid: int) -> int:
    """A row for a daemon starting now; returns its id."""
    now = datetime.now(UTC)
    return int(
        connection.execute(
            insert(Daemon)
            .values(node=node, pid=pid, started_at=now, heartbeat_at=now)
            .returning(Daemon.id)
        ).scalar_one()
    )


def beat(connection: Connection, daemon_id: int) -> None:
    """The daemon is alive now."""
    connection.execute(
        update(Daemon).where(Daemon.id == daemon_id).values(heartbeat_at=datetime.now(UTC))
    )


def schedule(connection: Connection) -> dict[str, JobState]:
    """The schedule the database keeps, by job."""
    rows = connection.execute(
        select(
            DaemonJob.job, DaemonJob.next_run_at, DaemonJob.last_run_at,
            DaemonJob.last_status, DaemonJob.consecutive_failures,
        )
    )  # fmt: skip
    return {
        row.job: JobState(
            row.job,
            _aware(row.next_run_at),
            _aware(row.last_run_at),
            row.last_status,
            int(row.consecutive_failures or 0),
        )  # fmt: skip
        for row in rows
    }


def record_job(
    connection: Connection,
    job: str,
    *,
    next_run_at: datetime | None,
    ran_at: datetime | None = None,
    status: str | None = None,
) -> None:
    """Note a job's next run, and (``ran_at``) how the run that just ended went."""
    exists = connection.execute(select(DaemonJob.job).where(DaemonJob.job == job)).scalar()
    if exists is None:
        connection.execute(insert(DaemonJob).values(job=job, consecutive_failures=0))
    values: dict[str, object] = {"next_run_at": next_run_at}
    if ran_at is not None:
        values.update(last_run_at=ran_at, last_status=status)
        values["consecutive_failures"] = (
            DaemonJob.consecutive_failures + 1 if status == FAILED else 0
        )
    connection.execute(update(DaemonJob).where(DaemonJob.job == job).values(**values))
