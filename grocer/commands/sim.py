"""``grocer sim serve``: the retailer simulator on 127.0.0.1."""

from __future__ import annotations

import argparse

from grocer.commands import Commands, subgroup
from grocer.config import DEFAULT_SIM_PORT, Config


def serve(args: argparse.Namespace, config: Config) -> int:
    from grocer.sim.server import serve as run_simulator

    run_simulator(
        host="127.0.0.1",
        port=args.port,
        date=args.date,
        day_seconds=args.day_seconds or None,
        scale=args.scale or None,
        faults=args.faults or None,
        seed=args.seed,
    )
    return 0


def register(commands: Commands) -> None:
    sim = subgroup(commands, "sim", "the retailer simulator")
    parser = sim.add_parser("serve", help="serve the four retailers on 127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_SIM_PORT)
    parser.add_argument("--date", default=None, help="simulated start date, YYYY-MM-DD")
    parser.add_argument("--day-seconds", type=float, default=0.0, help="real seconds per day")
    parser.add_argument("--scale", type=int, default=0, help="products per retailer")
    parser.add_argument(
        "--faults",
        default="",
        help=(
            'e.g. "aldi:429=0.05,latency=20ms", "aldi:thin=0.5@G102", "wrong_type=0.1", '
            '"coles:storm=0.3", "aldi:client_rate=4" (kinds: grocer/sim/faults.py)'
        ),
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.set_defaults(handler=serve)
