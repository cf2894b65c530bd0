"""Snapshots with their barcodes hidden: what identity is fitted and measured on.

The Coles and IGA snapshots are ingested with every barcode stripped (Aldi's have none), a
substitutions run embeds the names and links the categories, and the hidden barcodes are
kept aside: they label candidate pairs (:mod:`.fit`) and judge links (``bench/identity.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, select

from grocer.analysis.identity.fit import ListingKey, product_codes, product_listings
from grocer.analysis.identity.prices import PriceEvidence, price_evidence
from grocer.analysis.substitutions.embeddings import Encoder, cached_vectors
from grocer.analysis.substitutions.frame import ProductFrame, load_frame
from grocer.analysis.substitutions.run import find_substitutions
from grocer.analysis.substitutions.settings import SubstitutionSettings
from grocer.analysis.substitutions.truth import (
    SamePair,
    code_pairs,
    listing_barcodes,
    strip_barcodes,
)
from grocer.db.migrate import upgrade
from grocer.db.models import CategoryLink
from grocer.ingest.runner import ingest_files


@dataclass
class HiddenCorpus:
    """An ingested corpus, its frame and vectors, and the barcodes linking did not see."""

    engine: Engine
    frame: ProductFrame
    vectors: np.ndarray
    prices: PriceEvidence  # each product's regular price and pack count
    kinds: dict[tuple[int, int], str]
    product_of: dict[ListingKey, int]
    listing_codes: dict[ListingKey, str]
    pairs: list[SamePair]  # listings of different retailers sharing a hidden barcode

    @property
    def codes(self) -> dict[int, set[str]]:
        """Product id -> its listings' hidden barcodes."""
        return product_codes(self.product_of, self.listing_codes)


def snapshot_files(corpus: Path) -> tuple[list[Path], list[Path]]:
    """The Coles and IGA snapshots (barcoded), and Aldi's."""
    barcoded = [*sorted((corpus / "coles").glob("*.gz")), *sorted((corpus / "iga").glob("*.gz"))]
    return [p for p in barcoded if p.is_file()], sorted((corpus / "aldi").glob("*.gz"))


def hidden_corpus(corpus: Path, work: Path, encoder: Encoder | None = None) -> HiddenCorpus:
    """Ingest ``corpus``'s snapshots into ``work`` with barcodes stripped, run substitutions
    once (embeddings, category links) and load what identity reads.  A database already in
    ``work`` is reused as it is.

    Raises:
        FileNotFoundError: ``corpus`` holds no Coles or IGA snapshot.
    """
    barcoded, aldi = snapshot_files(corpus)
    if not barcoded:
        raise FileNotFoundError(f"no Coles or IGA snapshot (coles/*.gz, iga/*.gz) in {corpus}")
    database = work / "hidden.sqlite3"
    fresh = not database.exists()
    engine = upgrade(f"sqlite:///{database}")
    encoder = encoder or Encoder()
    if fresh:
        stripped = work / "stripped"
        stripped.mkdir(exist_ok=True)
        ingest_files(engine, [*(strip_barcodes(p, stripped) for p in barcoded), *aldi])
        # No level-2 substitutes from the committed model: they would carry what it learned
        # from every pair into a fold's figures (bench/identity.py derives them per fold).
        find_substitutions(engine, encoder=encoder, settings=SubstitutionSettings(near_score=None))
    with engine.connect() as connection:
        frame = load_frame(connection)
        kinds = {
            (a, b): kind
            for a, b, kind in connection.execute(
                select(CategoryLink.category_a, CategoryLink.category_b, CategoryLink.kind)
            )
        }
        product_of = product_listings(connection)
        prices = price_evidence(connection, frame.ids)
    codes = listing_barcodes(barcoded)
    vectors, _ = cached_vectors(engine, frame.ids.tolist(), frame.bases, encoder)
    return HiddenCorpus(
        engine=engine,
        frame=frame,
        vectors=vectors,
        prices=prices,
        kinds=kinds,
        product_of=product_of,
        listing_codes=codes,
        pairs=code_pairs(codes),
    )
