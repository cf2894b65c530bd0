"""Price periods: the retailer's price week (default Wednesday to Tuesday), per company.

Two stores' prices are only comparable when both were observed in the same price period, as a
retailer reprices its whole chain at the start of its week (Aldi on Wednesdays).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

WEDNESDAY = 2  # date.weekday(): Monday is 0
DEFAULT_WEEK_START = WEDNESDAY


@dataclass(frozen=True)
class PriceWeeks:
    """The weekday each company's price week starts on.

    Args:
        default: the start weekday of companies not in ``by_company`` (Monday 0 .. Sunday 6).
        by_company: company slug -> start weekday.

    Examples:
        >>> weeks = PriceWeeks()
        >>> weeks.start("aldi", date(2025, 9, 23))  # a Tuesday: the week began Wednesday 17th
        datetime.date(2025, 9, 17)
        >>> weeks.same_period("aldi", date(2025, 9, 23), date(2025, 9, 24))
        False
    """

    default: int = DEFAULT_WEEK_START
    by_company: Mapping[str, int] = field(default_factory=dict)

    def weekday(self, company: str) -> int:
        return self.by_company.get(company, self.default)

    def start(self, company: str, day: date) -> date:
        """The first day of the price week containing ``day``."""
        return day - timedelta(days=(day.weekday() - self.weekday(company)) % 7)

    def index(self, company: str, day: date) -> int:
        """A number identifying the price week of ``day`` (equal for days of one week)."""
        return self.start(company, day).toordinal() // 7

    def same_period(self, company: str, a: date, b: date) -> bool:
        return self.start(company, a) == self.start(company, b)


def parse_week_starts(text: str) -> dict[str, int]:
    """Parse ``"aldi=wed,coles=wed"`` (weekday names or numbers 0-6) into a mapping."""
    names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    result: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        company, _, day = part.partition("=")
        day = day.strip().lower()[:3]
        result[company.strip().lower()] = int(day) if day.isdigit() else names.index(day)
    return result
