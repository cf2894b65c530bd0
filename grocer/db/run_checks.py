"""The ``run_checks`` rows: one verdict per check on a crawl run, replaced at each close."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from grocer.db.models import RunCheck

MAX_REASON = 500


@dataclass(frozen=True)
class CheckResult:
    """One check's verdict: ``value`` and ``threshold`` are a number, a text or None; ``reason``
    is one line with the figure."""

    name: str
    passed: bool
    value: Any
    threshold: Any
    reason: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (as ``grocer status --json`` shows it)."""
        return {
            "name": self.name,
            "passed": self.passed,
            "value": self.value,
            "threshold": self.threshold,
            "reason": self.reason,
        }


def replace_checks(connection: Connection, run_id: int, results: Sequence[CheckResult]) -> None:
    """Make ``results`` the run's checks (the rows of an earlier close are removed)."""
    connection.execute(delete(RunCheck).where(RunCheck.run_id == run_id))
    if results:
        connection.execute(
            insert(RunCheck),
            [
                {
                    "run_id": run_id,
                    "name": result.name,
                    "passed": result.passed,
                    "value": result.value,
                    "threshold": result.threshold,
                    "reason": result.reason[:MAX_REASON],
                }
                for result in results
            ],
        )


def checks_of(connection: Connection, run_ids: Iterable[int]) -> dict[int, list[CheckResult]]:
    """The checks of each run, by name (runs without checks are absent)."""
    wanted = sorted(set(run_ids))
    found: dict[int, list[CheckResult]] = defaultdict(list)
    for start in range(0, len(wanted), 500):
        rows = connection.execute(
            select(
                RunCheck.run_id, RunCheck.name, RunCheck.passed, RunCheck.value,
                RunCheck.threshold, RunCheck.reason,
            )
            .where(RunCheck.run_id.in_(wanted[start : start + 500]))
            .order_by(RunCheck.run_id, RunCheck.name)
        )  # fmt: skip
        for run_id, name, passed, value, threshold, reason in rows:
            found[run_id].append(CheckResult(name, bool(passed), value, threshold, reason or ""))
    return dict(found)
