"""Substitutions (DESIGN §6): blocking, comparison levels, embeddings, category links, scoring.

The public entry points are :func:`find_substitutions` (the job) and
:func:`count_candidate_pairs` (blocking diagnostics).
"""

from grocer.analysis.substitutions.diagnostics import count_candidate_pairs
from grocer.analysis.substitutions.run import SubstitutionSummary, find_substitutions

__all__ = ["SubstitutionSummary", "count_candidate_pairs", "find_substitutions"]
