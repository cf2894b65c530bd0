"""Which Coles Firle / IGA Wattle Park barcode pairs the substitutions miss, and why.

Ingests the corpus as ``tests/integration/substitutions/test_corpus.py`` does (Coles and IGA
barcodes stripped, Aldi as captured) into a SQLite file, runs the substitutions with the
barcode pairs as known-same pairs, and prints the found rate, the pairs per level and
every missed pair with its reasons (:mod:`grocer.analysis.substitutions.misses`).

    python scripts/subs_truth_misses.py [--corpus ../shared/corpus] [--db PATH] [--json]

``--db`` keeps the database: a second call reuses it (no ingest; cached embeddings).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from dataclasses import asdict
from pathlib import Path

from grocer.analysis.substitutions import find_substitutions
from grocer.analysis.substitutions.misses import Miss, explain_misses
from grocer.analysis.substitutions.truth import barcode_pairs, strip_barcodes
from grocer.db.migrate import upgrade
from grocer.ingest.runner import ingest_files

ROOT = Path(__file__).resolve().parent.parent


def _show(miss: Miss) -> str:
    lines = [
        f"{miss.name} | {miss.category}: link {miss.link}, cosine {miss.cosine}, "
        f"token_set_ratio {miss.ratio}"
    ]
    for s in (miss.left, miss.right):
        sizes = s.sizes or "-"
        lines.append(
            f"    {s.company:<6} [{s.brand}] {s.name} | {sizes} | {s.form!r} | {s.category}"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--db", type=Path, default=None, help="SQLite file to build or reuse")
    parser.add_argument("--json", action="store_true", help="the misses as JSON lines")
    args = parser.parse_args()
    barcoded = [p for f in ("coles", "iga") for p in sorted((args.corpus / f).glob("*.gz"))]
    aldi = sorted((args.corpus / "aldi").glob("*.gz"))
    pairs = barcode_pairs(barcoded)
    with tempfile.TemporaryDirectory() as scratch:
        db = args.db or Path(scratch) / "subs.sqlite3"
        fresh = not db.exists()
        engine = upgrade(f"sqlite:///{db}")
        if fresh:
            stripped = [strip_barcodes(p, Path(scratch)) for p in barcoded]
            ingest_files(engine, [*stripped, *aldi])
        summary = find_substitutions(engine, same_products=pairs)
        with engine.connect() as connection:
            misses = explain_misses(connection, pairs)
        engine.dispose()
    out = sys.stdout
    if args.json:
        for miss in misses:
            out.write(json.dumps(asdict(miss)) + "\n")
        return 0
    truth = summary.truth
    assert truth is not None
    out.write(
        f"found {truth.found}/{truth.pairs} ({truth.rate:.1%}): one product {truth.one_product}, "
        f"substitutes by level {dict(sorted(truth.by_level.items()))}\n"
        f"pairs per level: {summary.pairs_by_level}; links: {summary.links_by_kind}\n"
    )
    for kind in ("name", "category"):
        counts = Counter(getattr(m, kind) for m in misses)
        out.write(f"misses by {kind} reason: {dict(counts.most_common())}\n")
    for miss in sorted(misses, key=lambda m: (m.name, m.category, m.left.name)):
        out.write(_show(miss) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
