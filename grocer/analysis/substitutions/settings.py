"""The settings of a substitutions run: per-level limits, thresholds, chunk and batch sizes.

:class:`SubstitutionSettings` holds every knob of
:func:`~grocer.analysis.substitutions.run.find_substitutions` with its DESIGN §6 default.  The
module constants are the defaults the building blocks (comparison levels, category links,
diagnostics) use when called on their own.  This module imports nothing heavy, so the CLI can
read the defaults without loading numpy or the model's libraries.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

COSINE = 0.75  # levels 3 and 4: name cosine above this
COSINE_ANYWHERE = 0.92  # level 3 across unlinked categories (same last word): above this
MATCH_COSINE = 0.75  # MATCH links: category names above this cosine ...
CONTEXT_COSINE = 0.60  # ... and their full paths above this one
CLOSE_JACCARD = 0.80
DISTANT_JACCARD = 0.60
IDENTITY_COSINE = 0.90
# A pair identity scores at least this (an even chance of one product) but leaves unlinked is
# a level-2 substitute: a 6-pack and its "Each" twin of uncertain count are good swaps.
NEAR_SCORE = 0.5
MIN_SHARED = 3  # products: a Jaccard of 1/1 is no evidence
# Elements of one similarity chunk (rows x columns): 4M float32 = 16 MB.
DEFAULT_CHUNK_ELEMENTS = 4_000_000
ENUMERATE_LIMIT = 2_000_000  # pairs: above this a rule's marginal count is not computed
BATCH_SIZE = 64  # texts per model batch


@dataclass(frozen=True)
class SubstitutionSettings:
    """Limits, thresholds, chunk and batch sizes and the model of a substitutions run.

    Args:
        max_per_level: at most this many substitutes per product per level.
        cosine: levels 3 and 4 keep pairs whose name cosine is above this.
        cosine_anywhere: level 3 also keeps pairs of any categories whose names end in the
            same word and whose cosine is above this.
        match_cosine: a MATCH link needs category names above this cosine.
        context_cosine: ... and full category paths above this one.
        close_jaccard: categories of two retailers sharing this Jaccard of products are CLOSE.
        distant_jaccard: ... and from this one, DISTANT.
        min_shared: products two categories must share before any Jaccard link.
        identity_cosine: cross-retailer nearest neighbours from this cosine count as one
            product in the category Jaccard.
        chunk_elements: similarities per chunk; None computes each cosine block in one piece
            (category links are chunked at the default size all the same).
        max_unchunked_block: with ``chunk_elements=None``, the largest cosine block allowed.
        model_path: a sentence-transformers model directory (default: ``GROCER_MODEL_PATH``,
            else the packaged ``all-MiniLM-L6-v2``); ignored when an encoder is given.
        batch_size: texts per model batch.
        write_batch: rows per insert when the links and substitutions are written.
        largest_blocks: the largest blocks of each rule kept in the diagnostics.
        enumerate_limit: a rule with more candidate pairs gets no marginal count.
        link_threshold: a same-product link needs this score (0-1); None takes the
            operating point committed with the identity model (``GROCER_LINK_THRESHOLD``).
        near_score: a pair the identity model scores at least this, but does not link, is
            a level-2 substitute (None: no such substitutes).

    Examples:
        >>> SubstitutionSettings(max_per_level=5).cosine
        0.75
    """

    max_per_level: int = 10
    cosine: float = COSINE
    cosine_anywhere: float = COSINE_ANYWHERE
    match_cosine: float = MATCH_COSINE
    context_cosine: float = CONTEXT_COSINE
    close_jaccard: float = CLOSE_JACCARD
    distant_jaccard: float = DISTANT_JACCARD
    min_shared: int = MIN_SHARED
    identity_cosine: float = IDENTITY_COSINE
    chunk_elements: int | None = DEFAULT_CHUNK_ELEMENTS
    max_unchunked_block: int = 5_000
    model_path: str | os.PathLike[str] | None = None
    batch_size: int = BATCH_SIZE
    write_batch: int = 5_000
    largest_blocks: int = 3
    enumerate_limit: int = ENUMERATE_LIMIT
    link_threshold: float | None = None
    near_score: float | None = NEAR_SCORE

    @property
    def link_chunk_elements(self) -> int:
        """Similarities per chunk for the category links, which are always chunked."""
        return self.chunk_elements or DEFAULT_CHUNK_ELEMENTS
