"""Fit the same-product score and brand aliases on the corpus; write the committed model.

Ingests the Coles and IGA snapshots with barcodes hidden (Aldi as captured), labels every
candidate pair by the hidden barcodes, learns brand aliases from the barcode pairs, fits
the logistic weights and picks the operating threshold (precision 0.99 on held-out scores
of the training pairs), then writes ``grocer/analysis/identity/identity_model.json`` and
prints one JSON line.

    python scripts/fit_identity.py [--corpus ../shared/corpus] [--work DIR] [--out PATH]

``--work`` keeps the ingested database: a second call reuses it.  The committed model is
fitted on every pair; ``bench/identity.py`` measures it fold by fold on pairs it did not see.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from grocer.analysis.identity.corpus import hidden_corpus
from grocer.analysis.identity.fit import alias_pairs, fit_model, learn_aliases, pair_labels
from grocer.analysis.identity.link import candidates
from grocer.analysis.identity.model import MODEL_FILE

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--work", type=Path, help="keep the ingested corpus here")
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = args.work or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        try:
            corpus = hidden_corpus(args.corpus, work)
        except FileNotFoundError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        aliases = learn_aliases(alias_pairs(corpus.frame, corpus.pairs, corpus.product_of))
        found = candidates(corpus.frame, corpus.vectors, corpus.prices, corpus.kinds, aliases)
        labels = pair_labels(corpus.frame, found.i, found.j, corpus.codes)
        model = fit_model(corpus.frame, found, labels, aliases)
        args.out.write_text(model.as_json())
        corpus.engine.dispose()
    summary = {
        "candidates": len(labels),
        "labelled": int((labels >= 0).sum()),
        "positives": int((labels == 1).sum()),
        "aliases": len(aliases),
        "threshold": round(model.threshold, 4),
        "weights": {k: round(v, 3) for k, v in model.weights.items()},
        "out": str(args.out),
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
