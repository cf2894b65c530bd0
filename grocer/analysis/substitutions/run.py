"""The substitutions job: block, compare, score and replace the stored substitutions.

Order of work: load the products; embed their names (cached); link categories; log one
sentence per rule, its candidate pairs and largest block (each rule's largest blocks at DEBUG);
run levels 1-4 (one progress line each); keep each pair's lowest level and at most N per
product per level; write links and substitutions in one transaction, with an
``analysis_runs`` row of kind ``subs``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import Engine, delete, update

from grocer.analysis.identity.link import LinkRow, find_links
from grocer.analysis.identity.model import load_model
from grocer.analysis.identity.prices import price_evidence
from grocer.analysis.runs import fail_run, open_run
from grocer.analysis.substitutions.blocking import (
    Block,
    Rule,
    block_on,
    category_links_rule,
)
from grocer.analysis.substitutions.categories import LinkRecord, category_links
from grocer.analysis.substitutions.closeness import pair_size_distances
from grocer.analysis.substitutions.comparisons import (
    Codes,
    compare_cosine,
    compare_level_1,
    compare_level_2,
)
from grocer.analysis.substitutions.diagnostics import (
    BlockSize,
    RuleCount,
    check_cosine_blocks,
    count_candidate_pairs,
    largest_blocks,
    rule_sentence,
)
from grocer.analysis.substitutions.embeddings import Encoder, cached_vectors
from grocer.analysis.substitutions.frame import (
    SubstitutionRecord,
    empty_records,
    load_frame,
    make_records,
)
from grocer.analysis.substitutions.scoring import score_pairs, without_pairs
from grocer.analysis.substitutions.settings import SubstitutionSettings
from grocer.analysis.substitutions.truth import (
    ListingKey,
    SamePair,
    TruthReport,
    truth_report,
)
from grocer.db.bulk import insert_rows
from grocer.db.models import AnalysisRun, CategoryLink, ProductLink, Substitution
from grocer.progress import progress

logger = logging.getLogger(__name__)

# Levels 3 and 4: cosine candidates kept per product, per cap place (the cap then keeps
# the closest sizes among them).
CANDIDATES_PER_KEPT = 3

RUN_KIND = "subs"
LEVEL_1_RULE = block_on("brand", "first_word")
# Level 2 compares the (brand, first word) blocks and, for names differing in their first
# word ("pink salmon" / "wild alaskan pink salmon"), the (brand, last word) blocks.
LEVEL_2_LAST_WORD_RULE = block_on("brand", "last_word")
# Level 3 also pairs, in any categories, names ending in the same word whose cosine reaches
# ``settings.cosine_anywhere``: a retailer's grab-bag category (Aldi's "Health Foods" holds
# its organic baked beans) is linked to no other, and would leave such products alone.
LEVEL_3_ANYWHERE_RULE = block_on("last_word")


@dataclass
class SubstitutionSummary:
    """What a run found and how long each part took (seconds)."""

    run_id: int
    products: int
    pairs_by_level: dict[int, int]
    seconds: dict[str, float]
    level_2_comparisons: int
    all_pairs_within_brand: int
    all_pairs: int
    encoded: int
    links_by_kind: dict[str, int]
    product_links: int = 0
    candidate_pairs: list[RuleCount] = field(default_factory=list)
    largest_blocks: list[BlockSize] = field(default_factory=list)
    truth: TruthReport | None = None

    @property
    def pairs(self) -> int:
        return sum(self.pairs_by_level.values())

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able form (stored in the ``analysis_runs`` row)."""
        return {
            "products": self.products,
            "pairs": self.pairs,
            "pairs_by_level": {str(k): v for k, v in sorted(self.pairs_by_level.items())},
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
            "level_2_comparisons": self.level_2_comparisons,
            "all_pairs_within_brand": self.all_pairs_within_brand,
            "all_pairs": self.all_pairs,
            "encoded": self.encoded,
            "links_by_kind": dict(sorted(self.links_by_kind.items())),
            "product_links": self.product_links,
            "candidate_pairs": [asdict(c) for c in self.candidate_pairs],
            "largest_blocks": [asdict(b) for b in self.largest_blocks],
            "truth": self.truth.as_dict() if self.truth else None,
        }


class _Timer:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._start = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = self.seconds.get(name, 0.0) + now - self._start
        self._start = now


def find_substitutions(
    engine: Engine,
    *,
    settings: SubstitutionSettings | None = None,
    encoder: Encoder | None = None,
    same_products: Sequence[SamePair] | None = None,
    known_barcodes: Mapping[ListingKey, str] | None = None,
) -> SubstitutionSummary:
    """Compute every product's substitutes at four levels and replace the stored ones.

    Level 1: same brand, same name without size, different sizes (1.0).  Level 2: same
    brand, ``token_set_ratio`` 91-99, same sizes (0.95).  Level 3: same category or
    MATCH-linked categories, cosine > ``settings.cosine``.  Level 4: CLOSE/DISTANT-linked
    categories, cosine > ``settings.cosine``.  A pair keeps its lowest level, then its best
    score.

    Args:
        engine: the database.
        settings: limits, thresholds, chunk and batch sizes and the model
            (:class:`SubstitutionSettings` defaults when None).
        encoder: an already built encoder (its model is loaded at most once); overrides
            ``settings.model_path`` and ``settings.batch_size``.
        same_products: listing pairs known to be one product (e.g. shared barcodes); the
            summary reports how many were found.
        known_barcodes: the listings' barcodes where known (not ingested); the summary
            reports how many joined listing pairs share them.

    Returns:
        The :class:`SubstitutionSummary`; the same summary is stored in ``analysis_runs``.

    Raises:
        BlockTooLarge: an unchunked cosine block over ``settings.max_unchunked_block``.

    Examples:
        >>> settings = SubstitutionSettings(max_per_level=5)
        >>> summary = find_substitutions(engine, settings=settings)  # doctest: +SKIP
        >>> summary.pairs_by_level  # doctest: +SKIP
        {1: 812, 2: 95, 3: 10431, 4: 77}
    """
    settings = settings or SubstitutionSettings()
    run_id = open_run(engine, RUN_KIND)
    try:
        summary = _find(
            engine,
            run_id,
            settings=settings,
            encoder=encoder or Encoder(settings.model_path, batch_size=settings.batch_size),
            same_products=same_products,
            known_barcodes=known_barcodes,
        )
    except BaseException:
        fail_run(engine, run_id)
        raise
    return summary


def _find(
    engine: Engine,
    run_id: int,
    *,
    settings: SubstitutionSettings,
    encoder: Encoder,
    same_products: Sequence[SamePair] | None,
    known_barcodes: Mapping[ListingKey, str] | None,
) -> SubstitutionSummary:
    timer = _Timer()
    with engine.connect() as connection:
        frame = load_frame(connection)
    timer.lap("load")
    logger.info("substitutions: %d products, %d categories", len(frame), len(frame.categories))

    # Levels 1 and 2 need no model: their diagnostics, then the levels themselves.
    rules_12: list[Rule] = [LEVEL_1_RULE, LEVEL_2_LAST_WORD_RULE]
    counts = count_candidate_pairs(frame, rules_12, enumerate_limit=settings.enumerate_limit)
    largest = largest_blocks(frame, rules_12, settings.largest_blocks)
    _log_diagnostics(counts, largest)
    timer.lap("diagnostics")
    codes = Codes(frame)
    found: list[np.ndarray] = []
    blocks_1 = LEVEL_1_RULE.blocks(frame)
    found += _run_level(1, blocks_1, lambda b: compare_level_1(frame, codes, b))
    timer.lap("level_1")
    blocks_2 = blocks_1 + LEVEL_2_LAST_WORD_RULE.blocks(frame)
    found += _run_level(2, blocks_2, lambda b: compare_level_2(frame, codes, b))
    timer.lap("level_2")

    vectors, encoded = _embed(engine, frame, encoder)
    timer.lap("embeddings")
    same_brand = np.concatenate(found)
    identities = (
        np.searchsorted(frame.ids, same_brand["product_a"]),
        np.searchsorted(frame.ids, same_brand["product_b"]),
    )
    links = category_links(frame, vectors, encoder, settings=settings, identities=identities)
    kinds = {k: v.kind for k, v in links.items()}
    timer.lap("links")
    with engine.connect() as connection:
        prices = price_evidence(connection, frame.ids)
    same_product, near = find_links(
        frame, vectors, prices, kinds, load_model(), settings.link_threshold, settings.near_score
    )
    found.append(make_records(near[0], near[1], 2, near[2]))
    timer.lap("identity")

    level_3_rule = category_links_rule(kinds, "SAME", "MATCH")
    level_4_rule = category_links_rule(kinds, "CLOSE", "DISTANT")
    rules_34: list[Rule] = [level_3_rule, LEVEL_3_ANYWHERE_RULE, level_4_rule]
    more_counts = count_candidate_pairs(frame, rules_34, enumerate_limit=settings.enumerate_limit)
    more_largest = largest_blocks(frame, rules_34, settings.largest_blocks)
    _log_diagnostics(more_counts, more_largest)
    counts += more_counts
    largest += more_largest
    blocks_3 = level_3_rule.blocks(frame)
    blocks_4 = level_4_rule.blocks(frame)
    blocks_anywhere = LEVEL_3_ANYWHERE_RULE.blocks(frame)
    check_cosine_blocks(
        blocks_3 + blocks_anywhere + blocks_4,
        chunked=settings.chunk_elements is not None,
        max_unchunked_block=settings.max_unchunked_block,
    )
    timer.lap("diagnostics")

    def cosine_pass(
        name: str, level: int, blocks: Sequence[Block], threshold: float
    ) -> list[np.ndarray]:
        batches = _run_level(
            level,
            blocks,
            lambda b: compare_cosine(
                frame,
                vectors,
                b,
                level=level,
                # room beyond the cap: it keeps the closest sizes among these, not the
                # most similar names
                top_n=CANDIDATES_PER_KEPT * settings.max_per_level,
                threshold=threshold,
                chunk_elements=settings.chunk_elements,
            ),
        )
        timer.lap(name)
        return batches

    found += cosine_pass("level_3", 3, blocks_3, settings.cosine)
    linked = cosine_pass("level_4", 4, blocks_4, settings.cosine)
    found += linked
    anywhere = cosine_pass("level_3_anywhere", 3, blocks_anywhere, settings.cosine_anywhere)
    judged = np.concatenate(linked)  # where a category link judged a pair, it stands
    found += [without_pairs(batch, judged) for batch in anywhere]
    records = score_pairs(
        found, settings.max_per_level, pair_size_distances(frame.ids, frame.sizes)
    )
    timer.lap("scoring")

    truth = None
    if same_products is not None:
        levels = dict(
            zip(
                zip(records["product_a"].tolist(), records["product_b"].tolist(), strict=True),
                records["level"].tolist(),
                strict=True,
            )
        )
        joined = {(r.product_a, r.product_b) for r in same_product}
        with engine.connect() as connection:
            truth = truth_report(connection, same_products, levels, joined, known_barcodes)
    brands: dict[str, int] = {}
    for key in frame.brand_keys:
        if key:
            brands[key] = brands.get(key, 0) + 1
    summary = SubstitutionSummary(
        run_id=run_id,
        products=len(frame),
        pairs_by_level={level: int((records["level"] == level).sum()) for level in (1, 2, 3, 4)},
        seconds=timer.seconds,
        level_2_comparisons=sum(b.pairs for b in blocks_2),
        all_pairs_within_brand=sum(n * (n - 1) // 2 for n in brands.values()),
        all_pairs=len(frame) * (len(frame) - 1) // 2,
        encoded=encoded,
        links_by_kind={
            kind: sum(1 for v in links.values() if v.kind == kind)
            for kind in ("MATCH", "CLOSE", "DISTANT")
        },
        product_links=len(same_product),
        candidate_pairs=counts,
        largest_blocks=largest,
        truth=truth,
    )
    _write(
        engine,
        run_id,
        (links.values(), same_product),
        records,
        summary,
        timer,
        settings.write_batch,
    )
    return summary


def _log_diagnostics(counts: Sequence[RuleCount], largest: Sequence[BlockSize]) -> None:
    """One INFO sentence per rule (pairs and largest block); the counts and blocks at DEBUG."""
    for count in counts:
        blocks = [b for b in largest if b.rule == count.rule]
        logger.info("%s", rule_sentence(count, blocks[0] if blocks else None))
        logger.debug("candidate pairs %s: cumulative %s", count.rule, count.cumulative)
        for block in blocks:
            logger.debug(
                "largest block %s %s: %d products, %d pairs",
                block.rule,
                block.key,
                block.size,
                block.pairs,
            )


def _embed(engine: Engine, frame: Any, encoder: Encoder) -> tuple[np.ndarray, int]:
    bar = progress(None, "embeddings")
    try:
        return cached_vectors(
            engine,
            frame.ids.tolist(),
            frame.bases,
            encoder,
            on_total=lambda n: bar.reset(total=n),
            on_batch=bar.update,
        )
    finally:
        bar.close()


def _run_level(
    level: int, blocks: Sequence[Block], compare: Callable[[Block], np.ndarray]
) -> list[np.ndarray]:
    out = []
    with progress(len(blocks), f"level {level}") as bar:
        for block in blocks:
            found = compare(block)
            if len(found):
                out.append(found)
            bar.update(1)
    return out or [empty_records()]


def _write(
    engine: Engine,
    run_id: int,
    links: tuple[Iterable[LinkRecord], Sequence[LinkRow]],
    records: np.ndarray,
    summary: SubstitutionSummary,
    timer: _Timer,
    batch: int,
) -> None:
    """Replace category links, same-product links and substitutions and close the run row,
    all in one transaction."""
    categories, same_product = links
    category_rows = [
        asdict(link) for link in sorted(categories, key=lambda k: (k.category_a, k.category_b))
    ]
    product_rows = [asdict(link) for link in same_product]
    fields = SubstitutionRecord._fields
    with engine.begin() as connection:
        for table in (Substitution, CategoryLink, ProductLink):
            connection.execute(delete(table))
        for table, rows in ((CategoryLink, category_rows), (ProductLink, product_rows)):
            for start in range(0, len(rows), batch):
                insert_rows(connection, table.__table__, rows[start : start + batch])  # type: ignore[arg-type]
        rows = records.tolist()
        for start in range(0, len(rows), batch):
            insert_rows(
                connection,
                Substitution.__table__,  # type: ignore[arg-type]
                [dict(zip(fields, row, strict=True)) for row in rows[start : start + batch]],
            )
        timer.lap("write")
        summary.seconds["total"] = sum(summary.seconds.values())
        connection.execute(
            update(AnalysisRun)
            .where(AnalysisRun.id == run_id)
            .values(status="ok", finished_at=datetime.now(UTC), summary=summary.as_dict())
        )
