"""Analysis over the database: substitutions, price zones with retention, bargains.

Analysis never imports Scrapy; it reads the database and writes derived tables.  The entry
points below are the facade the CLI and the scheduler use; they are imported on first use, so
that reading prices does not load the embedding model's libraries.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grocer.analysis.bargains import detect_bargains
    from grocer.analysis.substitutions.diagnostics import count_candidate_pairs
    from grocer.analysis.substitutions.run import find_substitutions
    from grocer.analysis.zones.maintain import maintain_zones as group_price_zones

__all__ = ["count_candidate_pairs", "detect_bargains", "find_substitutions", "group_price_zones"]

_ENTRY_POINTS = {
    "count_candidate_pairs": ("grocer.analysis.substitutions.diagnostics", "count_candidate_pairs"),
    "detect_bargains": ("grocer.analysis.bargains", "detect_bargains"),
    "find_substitutions": ("grocer.analysis.substitutions.run", "find_substitutions"),
    "group_price_zones": ("grocer.analysis.zones.maintain", "maintain_zones"),
}


def __getattr__(name: str) -> Any:
    if name not in _ENTRY_POINTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _ENTRY_POINTS[name]
    return getattr(importlib.import_module(module), attribute)
