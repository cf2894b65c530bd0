"""``grocer basket LIST.txt --lat LAT --lon LON``: the cheapest split of a shopping list."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from grocer.commands import Commands, open_database
from grocer.config import Config


def basket(args: argparse.Namespace, config: Config) -> int:
    from grocer.health.freshness import default_as_of
    from grocer.shopper.basket import plan_basket
    from grocer.shopper.shopping_list import ListError, parse_list

    try:
        lines = parse_list(Path(args.list).read_text())
    except (OSError, ListError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not 1 <= args.max_stores <= 3 or not 0 < args.radius_km <= 100:
        print("error: --max-stores is 1-3 and --radius-km in (0, 100]", file=sys.stderr)
        return 2
    engine = open_database(config)
    with engine.connect() as connection:
        as_of = args.as_of or default_as_of(connection)
        if as_of is None:
            print("error: no complete price run yet", file=sys.stderr)
            return 1
        answer = plan_basket(
            connection, lines, lat=args.lat, lon=args.lon, radius_km=args.radius_km,
            max_stores=args.max_stores, as_of=as_of,
        )  # fmt: skip
    if args.json:
        print(json.dumps(answer))
        return 0
    print_plan(answer)
    return 0


def print_plan(answer: dict) -> None:
    """A table per store: each line, the product matched and the one bought, packs, any
    multi-buy, cost; then the total, the best single store and the saving."""
    for store in answer["stores"]:
        print(f"{store['company']} {store['name'] or store['id']} ({store['distance_km']:.1f} km)")
        for line in answer["lines"]:
            if line["store_id"] != store["id"]:
                continue
            print(f"  {line['text']}")
            print(f"    matched {line['matched_product_name']} (#{line['matched_product_id']})")
            if line["product_id"] != line["matched_product_id"]:
                level = line["substitute_level"]
                kind = f"substitute, level {level}" if level else "linked as one"
                print(f"    bought  {line['product_name']} (#{line['product_id']}, {kind})")
            deal = line["multibuy"]
            offer = ""
            if deal:
                offer = f"  {deal['quantity']} for ${deal['price']:.2f}"
                if deal["extra_packs"]:
                    offer += f" ({deal['extra_packs']} more than asked: cheaper)"
            print(f"    x{line['packs']}  ${line['cost']:.2f}{offer}")
        print(f"  subtotal ${store['subtotal']:.2f}")
    for text in answer["unavailable"]:
        print(f"not sold in range: {text}")
    for line in answer["lines"]:
        if line["store_id"] is None:
            print(f"not sold at the stores chosen: {line['text']}")
    single = answer["single_store"]
    print(f"total ${answer['total']:.2f}; one store ({single['store_id']}) ${single['total']:.2f}"
          f" for what it sells; saving ${answer['saving']:.2f}")  # fmt: skip


def register(commands: Commands) -> None:
    parser = commands.add_parser("basket", help="the cheapest split of a shopping list")
    parser.add_argument("list", help="a text file: WHAT [xN | AMOUNT] [~L] per line")
    parser.add_argument("--lat", type=float, required=True)
    parser.add_argument("--lon", type=float, required=True)
    parser.add_argument("--radius-km", type=float, default=10.0)
    parser.add_argument("--max-stores", type=int, default=2)
    parser.add_argument("--as-of", type=date.fromisoformat, help="default: newest prices")
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.set_defaults(handler=basket)
