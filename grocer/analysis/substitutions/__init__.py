"""Substitutions (DESIGN §6): blocking, comparison levels, embeddings, category links, scoring.

The public entry points are :func:`find_substitutions` (the job, configured by
:class:`SubstitutionSettings`) and :func:`count_candidate_pairs` (blocking diagnostics).  They
are imported on first use, so that reading the settings' defaults (the CLI does) loads neither
numpy nor the model's libraries.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grocer.analysis.substitutions.diagnostics import count_candidate_pairs
    from grocer.analysis.substitutions.run import SubstitutionSummary, find_substitutions
    from grocer.analysis.substitutions.settings import SubstitutionSettings

__all__ = [
    "SubstitutionSettings",
    "SubstitutionSummary",
    "count_candidate_pairs",
    "find_substitutions",
]

_MODULES = {
    "SubstitutionSettings": "settings",
    "SubstitutionSummary": "run",
    "count_candidate_pairs": "diagnostics",
    "find_substitutions": "run",
}


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_MODULES[name]}"), name)
