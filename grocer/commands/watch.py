"""``grocer watch add|list|remove|check``: shoppers' price watches (grocer/shopper/watches.py)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from decimal import Decimal, InvalidOperation

from grocer.commands import Commands, open_database, subgroup
from grocer.config import Config


def _money(text: str) -> Decimal:
    try:
        value = Decimal(text.lstrip("$"))
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a price: {text!r}") from None
    if not value.is_finite() or value <= 0:
        raise argparse.ArgumentTypeError(f"not a price above 0: {text!r}")
    return value.quantize(Decimal("0.01"))


def watch_add(args: argparse.Namespace, config: Config) -> int:
    from grocer.shopper.watches import WatchError, WatchSpec, add_watch, find_product

    engine = open_database(config)
    with engine.begin() as connection:
        product = find_product(connection, args.product)
        if product is None:
            print(f"error: no product has id or barcode {args.product!r}", file=sys.stderr)
            return 1
        spec = WatchSpec(
            product_id=product,
            below=args.below,
            lat=args.lat,
            lon=args.lon,
            radius_km=args.radius_km,
            specials_only=args.specials_only,
            url=args.url,
        )
        try:
            watch_id = add_watch(connection, spec)
        except WatchError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    print(f"watch {watch_id}: product {product}")
    return 0


def watch_list(args: argparse.Namespace, config: Config) -> int:
    from grocer.shopper.watches import list_watches

    engine = open_database(config)
    with engine.connect() as connection:
        watches = list_watches(connection)
    if args.json:
        print(json.dumps(watches))
        return 0
    for w in watches:
        target = f"<= ${w['below']:.2f}" if w["below"] is not None else "genuine special"
        where = ""
        if w["lat"] is not None:
            where = f" within {w['radius_km']:g} km of {w['lat']},{w['lon']}"
        state = "alerted" if w["alert_open"] else "waiting"
        special = " (specials only)" if w["specials_only"] and w["below"] is not None else ""
        print(f"{w['id']:>5}  product {w['product_id']}  {target}{special}{where}  {state}")
    if not watches:
        print("no watches")
    return 0


def watch_remove(args: argparse.Namespace, config: Config) -> int:
    from grocer.shopper.watches import remove_watch

    engine = open_database(config)
    with engine.begin() as connection:
        if not remove_watch(connection, args.id):
            print(f"error: no watch {args.id}", file=sys.stderr)
            return 1
    print(f"watch {args.id} removed")
    return 0


def watch_check(args: argparse.Namespace, config: Config) -> int:
    from grocer.health.freshness import default_as_of
    from grocer.shopper.watches import check_watches

    engine = open_database(config)
    as_of = args.as_of
    if as_of is None:
        with engine.connect() as connection:
            as_of = default_as_of(connection)
        if as_of is None:
            print("watches: no complete price run yet, nothing to check")
            return 0
    try:
        result = check_watches(engine, as_of=as_of)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(
        f"watches as of {as_of}: {result.checked} checked, {len(result.holding)} holding, "
        f"{len(result.alerted)} alerted, {len(result.cleared)} cleared"
        + (f", {len(result.unsent)} alerts not sent (retried next check)" if result.unsent else "")
    )
    return 1 if result.unsent else 0


def register(commands: Commands) -> None:
    group = subgroup(commands, "watch", "price watches: be told when a product gets cheap")
    add = group.add_parser("add", help="watch a product (an id or a barcode)")
    add.add_argument("product", help="product id or barcode")
    add.add_argument("--below", type=_money, help="alert at this price or lower")
    add.add_argument("--lat", type=float, help="only stores near this point ...")
    add.add_argument("--lon", type=float)
    add.add_argument("--radius-km", type=float, help="... within this radius (default 10)")
    add.add_argument(
        "--specials-only", action="store_true", help="only genuine specials count (see docs)"
    )
    add.add_argument("--url", help="Apprise URL for this watch (default GROCER_WATCH_ALERT_URLS)")
    add.set_defaults(handler=watch_add)
    listing = group.add_parser("list", help="the watches")
    listing.add_argument("--json", action="store_true", help="one JSON list")
    listing.set_defaults(handler=watch_list)
    remove = group.add_parser("remove", help="stop a watch")
    remove.add_argument("id", type=int)
    remove.set_defaults(handler=watch_remove)
    check = group.add_parser("check", help="judge every watch; alert those that turned true")
    check.add_argument("--as-of", type=date.fromisoformat, help="date (default: newest prices)")
    check.set_defaults(handler=watch_check)
