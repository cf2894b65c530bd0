"""Benchmark: same-product links measured on barcode pairs they never saw (5-fold CV by brand).

The Coles Firle and IGA Wattle Park snapshots are ingested with barcodes hidden (Aldi as
captured); their listing pairs sharing a hidden barcode are the evaluation pairs.  Brand keys
are dealt to five folds (``grocer.analysis.identity.evaluate``); per fold, brand aliases and
the score are learned without the fold's pairs and the corpus is linked.  Recall: fold pairs
joined as one product; precision: joined Coles-IGA listing pairs touching the fold whose
hidden barcodes agree.  ``link_seconds`` is what linking adds to ``grocer analyze subs`` on
the simulator's whole catalogue, ``relink_seconds`` the same on a rerun with nothing changed.
The baseline is ingest alone (the matching key, no links): ``baseline_recall`` and
``recall_vs_baseline``.  Aldi, which no barcode pair labels, is judged on the simulator's
planted table (``bench/planted.py``): ``aldi_pairs`` Aldi-Coles and Aldi-IGA listing pairs
that are one product, ``aldi_recall`` (each pair with its other listing's fold) against
``aldi_baseline_recall`` (ingest alone), ``aldi_wrong`` planted listings joined to another
product or planted substitutes and decoys joined.  A precision/recall table over the
threshold goes to stderr; one JSON line to stdout.

    python bench/identity.py [--corpus ../shared/corpus] [--work DIR]

Exit status 1 when recall < 0.75 or precision < 0.97, or a time goal is missed; 2 when the
corpus holds no Coles or IGA snapshot.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from planted import PlantedPairs, PlantedScore, judge_planted, planted_pairs  # bench/planted.py
from sqlalchemy import select
from subs import catalogue_file  # bench/subs.py (bench/, the script's folder, is on sys.path)

from grocer.analysis.identity.corpus import HiddenCorpus, hidden_corpus
from grocer.analysis.identity.evaluate import FoldScore, brand_folds, score_fold
from grocer.analysis.identity.fit import alias_pairs, fit_model, learn_aliases, pair_labels
from grocer.analysis.identity.link import candidates, linked_rows, near_pairs
from grocer.analysis.substitutions import find_substitutions
from grocer.analysis.substitutions.embeddings import Encoder
from grocer.analysis.substitutions.settings import NEAR_SCORE
from grocer.db.migrate import upgrade
from grocer.db.models import Substitution
from grocer.ingest.runner import ingest_files

ROOT = Path(__file__).resolve().parent.parent
FOLDS = 5
THRESHOLDS = (0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99)
GOALS = {"recall": 0.75, "precision": 0.97, "link_seconds": 30.0, "relink_seconds": 5.0}


@dataclass
class CrossValidation:
    """The folds' figures summed: at each fold's own threshold (``total``, ``per_fold``), at
    every table threshold, and on the planted Aldi pairs (at the folds' own thresholds)."""

    total: FoldScore = field(default_factory=FoldScore)
    table: dict[float, FoldScore] = field(
        default_factory=lambda: {t: FoldScore() for t in THRESHOLDS}
    )
    per_fold: list[dict] = field(default_factory=list)
    aldi: PlantedScore = field(default_factory=PlantedScore)


def cross_validate(corpus: HiddenCorpus, planted: PlantedPairs) -> CrossValidation:
    """Link the corpus fold by fold (see the module) and score each fold, the ``planted``
    Aldi pairs too."""
    frame, product_of = corpus.frame, corpus.product_of
    index = frame.index_of()
    key_of = {listing: frame.brand_keys[index[pid]] for listing, pid in product_of.items()}
    fold_of = brand_folds(corpus.pairs, key_of, set(frame.brand_keys), FOLDS)
    listing_fold = {listing: fold_of[key] for listing, key in key_of.items()}
    product_fold = np.array([fold_of[key] for key in frame.brand_keys])
    with corpus.engine.connect() as connection:
        substitutes = set(
            connection.execute(
                select(Substitution.product_a, Substitution.product_b).where(
                    Substitution.level <= 3
                )
            ).all()
        )
    codes = corpus.codes
    result = CrossValidation()
    for fold in range(FOLDS):
        train = [p for p in corpus.pairs if listing_fold.get(p[0]) != fold]
        held = [p for p in corpus.pairs if listing_fold.get(p[0]) == fold]
        aliases = learn_aliases(alias_pairs(frame, train, product_of))
        found = candidates(frame, corpus.vectors, corpus.prices, corpus.kinds, aliases)
        labels = pair_labels(frame, found.i, found.j, codes)
        touching = np.nonzero((product_fold[found.i] == fold) | (product_fold[found.j] == fold))
        model = fit_model(frame, found, labels, aliases, exclude=touching[0].tolist())
        in_fold = {listing for listing, f in listing_fold.items() if f == fold}

        def links_at(threshold: float | None, found=found, model=model) -> tuple[list, set]:
            rows = linked_rows(frame, found, model, threshold)
            pairs = [(int(frame.ids[found.i[k]]), int(frame.ids[found.j[k]])) for k in rows]
            a, b, _ = near_pairs(frame, found, model, rows, NEAR_SCORE)
            near = {(min(x, y), max(x, y)) for x, y in zip(a.tolist(), b.tolist(), strict=True)}
            return pairs, near

        def scored(links: list, near: set, held=held, in_fold=in_fold) -> FoldScore:
            return score_fold(
                held, in_fold, product_of, links, substitutes | near, corpus.listing_codes
            )

        links, near = links_at(None)
        score = scored(links, near)
        result.total.add(score)
        result.aldi.add(judge_planted(planted, in_fold, product_of, links))
        result.per_fold.append(
            {"fold": fold, "threshold": round(model.threshold, 4), **vars(score)}
        )
        for threshold in THRESHOLDS:
            result.table[threshold].add(scored(*links_at(threshold)))
    return result


def link_timing(work: Path, encoder: Encoder) -> tuple[float, float, int]:
    """Seconds linking adds to a substitutions run over the simulator's catalogue, first and
    with nothing changed, and the products linked over."""
    engine = upgrade(f"sqlite:///{work / 'catalogue.sqlite3'}")
    ingest_files(engine, [catalogue_file(0, work)])
    first = find_substitutions(engine, encoder=encoder)
    again = find_substitutions(engine, encoder=encoder)
    engine.dispose()
    return first.seconds["identity"], again.seconds["identity"], first.products


def rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--work", type=Path, help="keep the ingested corpus here")
    args = parser.parse_args()
    encoder = Encoder()
    with tempfile.TemporaryDirectory() as scratch:
        work = args.work or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        try:
            corpus = hidden_corpus(args.corpus, work, encoder)
        except FileNotFoundError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        started = time.perf_counter()
        planted = planted_pairs(corpus.product_of)
        folds = cross_validate(corpus, planted)
        total = folds.total
        # The baseline: what ingest alone makes one product (the matching key), no links.
        baseline = score_fold(corpus.pairs, set(), corpus.product_of, (), set(), {})
        aldi_baseline = judge_planted(planted, set(corpus.product_of), corpus.product_of, ())
        cv_seconds = time.perf_counter() - started
        corpus.engine.dispose()
        link_s, relink_s, catalogue_products = link_timing(work, encoder)
    print("threshold  recall  precision  links  false", file=sys.stderr)
    for threshold, score in folds.table.items():
        print(
            f"{threshold:9.2f}  {rate(score.same_product, score.eval_pairs):6.3f}  "
            f"{rate(score.eval_links - score.false_links, score.eval_links):9.3f}  "
            f"{score.eval_links:5d}  {score.false_links:5d}",
            file=sys.stderr,
        )
    for fold in folds.per_fold:
        print(json.dumps(fold), file=sys.stderr)
    result = {
        "split": "cv5-by-brand",
        "eval_pairs": total.eval_pairs,
        "recall": rate(total.same_product, total.eval_pairs),
        "precision": rate(total.eval_links - total.false_links, total.eval_links),
        "eval_links": total.eval_links,
        "false_links": total.false_links,
        "linked_somehow": rate(total.linked_somehow, total.eval_pairs),
        "baseline_recall": rate(baseline.same_product, baseline.eval_pairs),
        "recall_vs_baseline": round(total.same_product / max(baseline.same_product, 1), 2),
        "aldi_pairs": folds.aldi.pairs,
        "aldi_recall": rate(folds.aldi.joined, folds.aldi.pairs),
        "aldi_baseline_recall": rate(aldi_baseline.joined, aldi_baseline.pairs),
        "aldi_wrong": folds.aldi.wrong,
        "link_seconds": round(link_s, 3),
        "relink_seconds": round(relink_s, 3),
        "catalogue_products": catalogue_products,
        "cv_seconds": round(cv_seconds, 1),
    }
    print(json.dumps(result))
    met = (
        result["recall"] >= GOALS["recall"]
        and result["precision"] >= GOALS["precision"]
        and result["link_seconds"] < GOALS["link_seconds"]
        and result["relink_seconds"] < GOALS["relink_seconds"]
        and result["eval_pairs"] >= 100
    )
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
