"""Benchmark: substitutions on tens of thousands of products, first run and incremental re-run.

Products: the corpus snapshots (Coles Firle, IGA Wattle Park, Aldi) plus the simulator's
catalogue grown with synthesised variants (``load_catalogue(scale=...)``) until at least
``--products`` products exist, ingested through ``grocer ingest``'s code path into SQLite.
The first run encodes every name; the second run follows renaming 1% of the products, so it
encodes only those.  Printed: seconds per level and part, level-2 comparisons made against the
naive all-pairs-within-brand baseline and against all n(n-1)/2 pairs, and the second-run time.

    python bench/subs.py [--products 50000] [--rename 0.01] [--corpus DIR] [--db PATH]
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import tempfile
import time
from pathlib import Path

import orjson
from sqlalchemy import func, select, update

from grocer.analysis.substitutions import SubstitutionSettings, find_substitutions
from grocer.analysis.substitutions.embeddings import Encoder
from grocer.db.migrate import upgrade
from grocer.db.models import Product
from grocer.ingest.runner import ingest_files
from grocer.sim.catalogue import COMPANIES, load_catalogue

ROOT = Path(__file__).resolve().parent.parent
STORES = {"coles": "COL:401", "woolworths": "1147", "aldi": "G102", "iga": "14850"}


def corpus_files(corpus: Path) -> list[Path]:
    files = [
        *sorted((corpus / "coles").glob("*.gz")),
        *sorted((corpus / "iga").glob("*.gz")),
        *sorted((corpus / "aldi").glob("*.gz")),
    ]
    return [f for f in files if f.is_file()]


def catalogue_file(scale: int, out: Path) -> Path:
    """The catalogue (grown to ``scale`` products per retailer) as one JSONL snapshot file."""
    catalogue = load_catalogue(scale=scale)
    path = out / f"catalogue-{scale}.jsonl"
    with path.open("wb") as handle:
        for company in COMPANIES:
            for p in catalogue.products[company]:
                record = {
                    "product": {
                        "sku": p.sku,
                        "name": p.name,
                        "brand": p.brand,
                        "size": p.size,
                        "barcode": p.gtin,
                        "category_path": p.cat or [company.title(), p.leaf],
                        "price_current": p.price / 100,
                    },
                    "metadata": {
                        "company": company,
                        "store_id": STORES[company],
                        "scraped_date": "2025-09-24",
                    },
                }
                handle.write(orjson.dumps(record) + b"\n")
    return path


def product_count(engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(Product)).scalar_one())


def rename(engine, share: float, seed: int = 11) -> int:
    """Rename ``share`` of the products (a word appended), as a retailer renaming them."""
    with engine.begin() as connection:
        ids = connection.execute(select(Product.id)).scalars().all()
        chosen = random.Random(seed).sample(list(ids), max(1, int(len(ids) * share)))
        for start in range(0, len(chosen), 500):
            connection.execute(
                update(Product)
                .where(Product.id.in_(chosen[start : start + 500]))
                .values(name=Product.name + " Renamed")
            )
    return len(chosen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--rename", type=float, default=0.01)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--db", type=Path, default=None, help="SQLite file (default: temp)")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db = args.db or work / "subs.sqlite3"
        engine = upgrade(f"sqlite:///{db}")
        t0 = time.perf_counter()
        files = corpus_files(args.corpus) if args.corpus.is_dir() else []
        if files:
            ingest_files(engine, files)
        scale = max(1000, args.products // len(COMPANIES))
        while True:
            ingest_files(engine, [catalogue_file(scale, work)])
            if product_count(engine) >= args.products:
                break
            scale = int(scale * 1.2)
        n = product_count(engine)
        print(
            f"products: {n} (corpus files {len(files)}, catalogue scale {scale}), "
            f"ingested in {time.perf_counter() - t0:.1f} s"
        )

        settings = SubstitutionSettings()
        # The model loads once, inside the first run.
        encoder = Encoder(settings.model_path, batch_size=settings.batch_size)
        t1 = time.perf_counter()
        first = find_substitutions(engine, settings=settings, encoder=encoder)
        first_s = time.perf_counter() - t1
        print(
            f"first run: {first_s:.1f} s, {first.encoded} texts encoded, "
            f"pairs by level {first.pairs_by_level}, links {first.links_by_kind}"
        )
        for part, seconds in first.seconds.items():
            print(f"  {part:<12} {seconds:8.2f} s")
        all_pairs = first.all_pairs
        saved = first.all_pairs_within_brand / max(first.level_2_comparisons, 1)
        print(
            f"level 2: {first.level_2_comparisons} comparisons; all pairs within brand "
            f"{first.all_pairs_within_brand} (x{saved:.1f}); "
            f"{first.level_2_comparisons / all_pairs:.5%} of all {all_pairs} pairs"
        )

        renamed = rename(engine, args.rename)
        t2 = time.perf_counter()
        second = find_substitutions(engine, settings=settings, encoder=encoder)
        second_s = time.perf_counter() - t2
        print(
            f"second run after renaming {renamed}: {second_s:.1f} s, {second.encoded} texts encoded"
        )
        for part, seconds in second.seconds.items():
            print(f"  {part:<12} {seconds:8.2f} s")
        engine.dispose()

    figures = {
        "bench": "subs",
        "products": n,
        "first_run_s": round(first_s, 1),
        "second_run_s": round(second_s, 1),
        "seconds_per_level": {
            str(level): round(first.seconds.get(f"level_{level}", 0.0), 2) for level in (1, 2, 3, 4)
        },
        "embeddings_s": round(first.seconds.get("embeddings", 0.0), 1),
        "links_s": round(first.seconds.get("links", 0.0), 1),
        "encoded_first": first.encoded,
        "encoded_second": second.encoded,
        "renamed": renamed,
        "pairs_by_level": {str(k): v for k, v in first.pairs_by_level.items()},
        "level_2_comparisons": first.level_2_comparisons,
        "all_pairs_within_brand": first.all_pairs_within_brand,
        "all_pairs": all_pairs,
        "level_2_share_of_all_pairs": round(first.level_2_comparisons / all_pairs, 6),
        "baseline_ratio": round(first_s / max(second_s, 1e-9), 1),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
