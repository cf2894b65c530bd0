"""An analysis's ``analysis_runs`` row: opened as running, ended finished or failed.

An analysis that writes results finishes its row in the same transaction as its results; one
that writes none (the report) finishes it with :func:`finish_run`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, insert, update

from grocer.db.models import AnalysisRun


def open_run(
    engine: Engine, kind: str, *, as_of: date | None = None, started: datetime | None = None
) -> int:
    """Record the start of an analysis (in its own transaction); returns the run id."""
    with engine.begin() as connection:
        return int(
            connection.execute(
                insert(AnalysisRun)
                .values(
                    kind=kind,
                    as_of=as_of,
                    started_at=started or datetime.now(UTC),
                    status="running",
                    summary={},
                )
                .returning(AnalysisRun.id)
            ).scalar_one()
        )


def fail_run(engine: Engine, run_id: int) -> None:
    """Record that an analysis ended with an error."""
    with engine.begin() as connection:
        connection.execute(
            update(AnalysisRun)
            .where(AnalysisRun.id == run_id)
            .values(status="failed", finished_at=datetime.now(UTC))
        )


def finish_run(engine: Engine, run_id: int, summary: dict[str, Any]) -> None:
    """Record that an analysis finished, with its summary."""
    with engine.begin() as connection:
        connection.execute(
            update(AnalysisRun)
            .where(AnalysisRun.id == run_id)
            .values(status="finished", finished_at=datetime.now(UTC), summary=summary)
        )
