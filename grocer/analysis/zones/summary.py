"""What a maintenance run did, per company: counted from its plans and their writing, kept in
``analysis_runs`` and shown to a person as a short table or one sentence per company."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grocer.analysis.zones.applier import Applied
    from grocer.analysis.zones.plan import ZonePlan
    from grocer.analysis.zones.state import Group


@dataclass
class CompanySummary:
    """What a run did for one company."""

    stores: int = 0
    groups: int = 0
    comparisons: int = 0
    inconclusive: int = 0
    merges: int = 0
    ejections: int = 0
    verified: int = 0
    flagged: int = 0
    rows_deleted: int = 0


# (heading, CompanySummary field, width) of the table's number columns
COLUMNS = (
    ("stores", "stores", 7),
    ("zones", "groups", 7),
    ("compared", "comparisons", 9),
    ("merges", "merges", 7),
    ("ejected", "ejections", 8),
    ("verified", "verified", 9),
    ("flagged", "flagged", 8),
    ("rows deleted", "rows_deleted", 13),
)


@dataclass
class ZoneRunSummary:
    """What a maintenance run did, per company (slug), and its ``analysis_runs`` id."""

    as_of: date
    reset: bool
    run_id: int | None = None
    seconds: float = 0.0
    retention_seconds: float = 0.0  # of ``seconds``, spent deleting redundant rows
    companies: dict[str, CompanySummary] = field(default_factory=dict)

    def total(self, name: str) -> int:
        return sum(int(getattr(c, name)) for c in self.companies.values())

    def as_dict(self) -> dict[str, Any]:
        """The summary kept in ``analysis_runs``."""
        return {
            "as_of": self.as_of.isoformat(),
            "reset": self.reset,
            "seconds": round(self.seconds, 3),
            "retention_seconds": round(self.retention_seconds, 3),
            "companies": {slug: asdict(c) for slug, c in self.companies.items()},
        }

    # ------------------------------------------------------------ counting

    def add_plan(self, plan: ZonePlan, applied: Applied) -> None:
        """Count a step's plan and what writing it did."""
        for tally in plan.tallies:
            self.companies[tally.company].comparisons += tally.comparisons
            self.companies[tally.company].inconclusive += tally.inconclusive
        for merge in plan.merges:
            self.companies[merge.company].merges += 1
        for ejection in plan.ejections:
            self.companies[ejection.company].ejections += 1
        for verified in plan.verified:
            self.companies[verified.company].verified += 1
        self.add_applied(applied)

    def add_applied(self, applied: Applied) -> None:
        """Count what writing did: anchors flagged, rows deleted."""
        for slug, flagged in applied.flagged.items():
            self.companies[slug].flagged += flagged
        for slug, deleted in applied.rows_deleted.items():
            self.companies[slug].rows_deleted += deleted
        self.retention_seconds += applied.retention_seconds

    def count_groups(self, groups: Iterable[Group]) -> None:
        """Count the groups and stores at the end of the run."""
        for group in groups:
            self.companies[group.company].groups += 1
            self.companies[group.company].stores += len(group.periods)

    # ------------------------------------------------------------ for a person

    def lines(self) -> list[str]:
        """For a person: a heading, a row per company, the totals (each line under 120
        characters)."""
        reset = " (reset)" if self.reset else ""
        head = f"{'company':<11}" + "".join(f"{h:>{w}}" for h, _, w in COLUMNS)
        rows = [
            f"{slug:<11}" + "".join(f"{getattr(company, n):>{w}}" for _, n, w in COLUMNS)
            for slug, company in self.companies.items()
        ]
        totals = (
            f"merges {self.total('merges')}, ejections {self.total('ejections')}, "
            f"verified {self.total('verified')}, flagged for re-crawl {self.total('flagged')}, "
            f"price rows deleted {self.total('rows_deleted')}"
        )
        return [
            f"zones as of {self.as_of}{reset} in {self.seconds:.1f}s "
            f"({self.retention_seconds:.1f}s deleting rows)",
            head,
            *rows,
            totals,
        ]
