"""Build the simulator's shipped catalogue (``grocer/sim/data``) from the shared corpus.

Run ``python -m grocer.sim.build_catalogue [--corpus PATH]``; the server only reads the output.
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path
from typing import Any

from grocer.sim.corpus_aldi import build_aldi
from grocer.sim.corpus_coles import build_coles
from grocer.sim.corpus_files import capture_json
from grocer.sim.corpus_iga import build_iga
from grocer.sim.corpus_stores import build_stores
from grocer.sim.corpus_woolworths import build_woolworths
from grocer.sim.price_groups import link_shared

DATA_DIR = Path(__file__).parent / "data"
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus"


def build(corpus: Path, out_dir: Path = DATA_DIR) -> dict[str, int]:
    """Build every shipped file; returns product/store counts."""
    captures = corpus / "api_captures"
    coles_menu = capture_json(captures / "coles_category_api.txt.gz")
    woolworths_tree = capture_json(captures / "woolworths_categories_api.txt.gz")
    aldi_tree = capture_json(captures / "aldi_categories_api.txt.gz")
    iga_tree = capture_json(captures / "iga_categories_api.txt.gz")
    coles_tiles = json.load(
        gzip.open(
            corpus
            / "coles_raw_search"
            / "coles_fruit-vegetables_page-1_2025-07-30_14-12-47.json.gz"
        )
    )
    woolworths_tile = capture_json(captures / "woolworths_subsitutes_api.txt.gz")["Result"][0][
        "SubstituteProductList"
    ][0]["Product"]
    product_page = capture_json(captures / "coles_individual_product_api.txt.gz")["pageProps"]
    coles = build_coles(corpus, coles_menu)
    iga = build_iga(corpus, iga_tree)
    aldi = build_aldi(corpus, aldi_tree)
    woolworths = build_woolworths(corpus, woolworths_tree, coles, iga)
    shared = link_shared({"coles": coles, "woolworths": woolworths, "aldi": aldi, "iga": iga})
    stores = build_stores(corpus)
    aldi_points: list[dict[str, Any]] = []
    nsw = json.load(gzip.open(corpus / "stores" / "aldi" / "nsw.json.gz", "rt"))
    aldi_points = nsw["stores"][:1]
    catalogue = {
        "version": 1,
        "price_week": "2025-09-17",
        "coles": coles,
        "woolworths": woolworths,
        "aldi": aldi,
        "iga": iga,
    }
    templates = {
        "coles_menu": coles_menu,
        "coles_single_tiles": [t for t in coles_tiles if t["_type"] == "SINGLE_TILE"],
        "coles_product_tile": next(t for t in coles_tiles if t["_type"] == "PRODUCT"),
        "coles_product_page": product_page,
        "woolworths_categories": woolworths_tree,
        "woolworths_tile": woolworths_tile,
        "aldi_categories": aldi_tree,
        "aldi_service_point": aldi_points[0],
        "iga_categories": iga_tree,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, payload in (("catalogue", catalogue), ("templates", templates), ("stores", stores)):
        raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        with gzip.GzipFile(out_dir / f"{name}.json.gz", "wb", compresslevel=9, mtime=0) as fh:
            fh.write(raw)
    counts = {
        company: len(catalogue[company]) for company in ("coles", "woolworths", "aldi", "iga")
    }
    counts.update({f"stores_{c}": len(s) for c, s in stores.items()})
    counts.update(shared)
    return counts


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--out", type=Path, default=DATA_DIR)
    args = parser.parse_args(argv)
    counts = build(args.corpus, args.out)
    for key, value in counts.items():
        print(f"{key}: {value}")
    for path in sorted(args.out.glob("*.json.gz")):
        print(f"{path.name}: {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
