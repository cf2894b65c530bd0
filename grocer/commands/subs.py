"""``grocer analyze subs`` (compute substitutions) and ``grocer subs PRODUCT`` (read them)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import replace
from pathlib import Path

from grocer.analysis.substitutions.settings import SubstitutionSettings
from grocer.commands import Commands, open_database, subgroup
from grocer.config import Config

DEFAULTS = SubstitutionSettings()


def _settings(args: argparse.Namespace, config: Config) -> SubstitutionSettings:
    """The settings of ``grocer analyze subs``: the defaults with the options given."""
    return replace(
        DEFAULTS,
        max_per_level=args.max_per_level,
        model_path=args.model_path or config.model_path,
        chunk_elements=None if args.no_chunking else args.chunk_elements,
        max_unchunked_block=args.max_unchunked_block,
        link_threshold=config.link_threshold,
    )


def analyze_subs(args: argparse.Namespace, config: Config) -> int:
    from grocer.analysis.substitutions import find_substitutions
    from grocer.analysis.substitutions.diagnostics import BlockTooLarge
    from grocer.analysis.substitutions.truth import code_pairs, listing_barcodes

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    engine = open_database(config)
    codes = listing_barcodes([Path(p) for p in args.truth]) if args.truth else None
    try:
        summary = find_substitutions(
            engine,
            settings=_settings(args, config),
            same_products=code_pairs(codes) if codes is not None else None,
            known_barcodes=codes,
        )
    except BlockTooLarge as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(summary.as_dict()))
        return 0
    print(f"substitutions: {summary.pairs} pairs over {summary.products} products")
    for level, count in sorted(summary.pairs_by_level.items()):
        seconds = summary.seconds.get(f"level_{level}", 0.0)
        print(f"  level {level}: {count:>8} pairs  {seconds:8.2f} s")
    for part in ("load", "embeddings", "links", "identity", "scoring", "write", "total"):
        print(f"  {part:<10} {summary.seconds.get(part, 0.0):8.2f} s")
    print(f"  texts encoded: {summary.encoded}")
    links = ", ".join(f"{kind} {n}" for kind, n in summary.links_by_kind.items()) or "none"
    print(f"  category links: {links}")
    print(f"  same-product links: {summary.product_links}")
    print(
        f"  level-2 comparisons: {summary.level_2_comparisons} "
        f"(all pairs within brand: {summary.all_pairs_within_brand}, "
        f"all pairs: {summary.all_pairs})"
    )
    if summary.truth:
        t = summary.truth
        print(
            f"  barcode pairs found: {t.found}/{t.pairs} ({t.rate:.1%}; one product "
            f"{t.one_product}, linked {t.linked}, substitutes {t.substitutes})"
        )
        print(
            f"  joined listing pairs with known barcodes: {t.joined_known}, sharing them "
            f"{t.joined_agree} ({t.precision:.1%})"
        )
    return 0


def show_subs(args: argparse.Namespace, config: Config) -> int:
    from grocer.analysis.substitutions.readers import find_products, substitutes_of

    engine = open_database(config)
    with engine.connect() as connection:
        products = find_products(connection, args.product)
        if not products:
            print(f"no product matches {args.product!r}", file=sys.stderr)
            return 1
        if len(products) > 1 and not args.all:
            print(
                f"{len(products)} products match {args.product!r}; showing the first "
                "(--all for every one)",
                file=sys.stderr,
            )
            products = products[:1]
        for product in products:
            print(f"{product.id}  {product.label}")
            rows = substitutes_of(connection, product.id, limit=args.limit)
            if not rows:
                print("  no substitutes")
            for row in rows:
                print(
                    f"  L{row.level} {row.score:5.3f}  {row.product_id:>7}  "
                    f"{row.retailers:<16} {row.label}"
                )
    return 0


def register(commands: Commands) -> None:
    analyze = subgroup(commands, "analyze", "analysis jobs")
    parser = analyze.add_parser("subs", help="compute product substitutions (4 levels)")
    parser.add_argument(
        "--max-per-level",
        type=int,
        default=DEFAULTS.max_per_level,
        metavar="N",
        help=f"substitutes kept per product per level (default {DEFAULTS.max_per_level})",
    )
    parser.add_argument(
        "--model-path",
        default=None,
        help="a sentence-transformers model directory (default: packaged)",
    )
    parser.add_argument(
        "--chunk-elements",
        type=int,
        default=DEFAULTS.chunk_elements,
        help="similarities computed per chunk",
    )
    parser.add_argument(
        "--no-chunking",
        action="store_true",
        help="compute each cosine block in one piece (refused over the limit)",
    )
    parser.add_argument(
        "--max-unchunked-block",
        type=int,
        default=DEFAULTS.max_unchunked_block,
        help="largest cosine block allowed without chunking",
    )
    parser.add_argument(
        "--truth",
        nargs="+",
        metavar="FILE",
        default=None,
        help="JSONL snapshots whose shared barcodes give known-same pairs",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(handler=analyze_subs)

    reader = commands.add_parser("subs", help="list a product's substitutes")
    reader.add_argument("product", help="product id, barcode, or words of its name")
    reader.add_argument("--limit", type=int, default=40)
    reader.add_argument("--all", action="store_true", help="every matching product")
    reader.set_defaults(handler=show_subs)
