"""``python -m grocer.sim``: run the retailer simulator; the first stdout line is its URL."""

from __future__ import annotations

import argparse
import logging

from grocer.sim.server import serve


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m grocer.sim", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8411)
    parser.add_argument("--date", default=None, help="simulated start date, YYYY-MM-DD")
    parser.add_argument("--day-seconds", type=float, default=None)
    parser.add_argument("--scale", type=int, default=None)
    parser.add_argument("--faults", default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--coles-session-requests", type=int, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    serve(
        host=args.host,
        port=args.port,
        date=args.date,
        day_seconds=args.day_seconds,
        scale=args.scale,
        faults=args.faults,
        seed=args.seed,
        coles_session_requests=args.coles_session_requests,
        on_ready=lambda url: print(url, flush=True),  # noqa: T201 (the URL is the output)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
