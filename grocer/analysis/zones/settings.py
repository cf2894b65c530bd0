"""The thresholds and periods of zone maintenance (DESIGN §6 defaults)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from grocer.analysis.zones.compare import MatchRules
from grocer.analysis.zones.periods import PriceWeeks

DEFAULT_CHUNK = 250_000  # rows per retention statement on SQLite


@dataclass(frozen=True)
class ZoneSettings:
    """Thresholds and periods of zone maintenance (DESIGN §6 defaults).

    Args:
        rules: when two price maps match.
        weeks: each company's price week.
        current_days: how old an observation may be and still be current.
        healthy_ttl_days: members found healthy this recently are not checked again.
        mismatch_ttl_days: anchor pairs found not to match this recently are not compared.
        delete_chunk: rows per retention statement on SQLite.
        sample_size: listings compared first to rule pairs out cheaply (exact pruning).
    """

    rules: MatchRules = field(default_factory=MatchRules)
    weeks: PriceWeeks = field(default_factory=PriceWeeks)
    current_days: int = 3
    healthy_ttl_days: int = 7
    mismatch_ttl_days: int = 7
    delete_chunk: int = DEFAULT_CHUNK
    sample_size: int = 256

    def cache_expiry(self, as_of: date) -> date:
        """Comparisons remembered on this day or before have expired for a run on ``as_of``."""
        return as_of - timedelta(days=max(self.healthy_ttl_days, self.mismatch_ttl_days))
