"""``grocer serve``: the read-only HTTP API (:mod:`grocer.api.app`) under uvicorn.

The database is opened read-only and never migrated: a database at another schema revision
than this checkout's is refused (exit 2; run ``grocer db upgrade``), SQLite too (CONTRACTS §6).
"""

from __future__ import annotations

import argparse
import sys

from sqlalchemy import exc

from grocer.commands import Commands
from grocer.config import Config

REFUSED = 2


def serve(args: argparse.Namespace, config: Config) -> int:
    from grocer.db.engine import display_url, make_read_only_engine
    from grocer.db.migrate import SCHEMA_REVISION, current_revision

    where = display_url(config.database_url)
    print(f"database: {where} (read-only)", file=sys.stderr)
    engine = make_read_only_engine(config.database_url)
    try:
        found = current_revision(engine)
    except exc.SQLAlchemyError as problem:
        engine.dispose()
        print(f"error: cannot open {where}: {problem.orig or problem}", file=sys.stderr)
        return REFUSED
    if found != SCHEMA_REVISION:
        engine.dispose()
        print(
            f"error: {where} is at schema revision {found or 'none'}, this grocer expects "
            f"{SCHEMA_REVISION}: run grocer db upgrade",
            file=sys.stderr,
        )
        return REFUSED
    import uvicorn

    from grocer.api.app import create_app

    try:
        app = create_app(engine, database=where)
        uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    finally:
        engine.dispose()
    return 0


def register(commands: Commands) -> None:
    parser = commands.add_parser("serve", help="the read-only HTTP API (docs/API.md)")
    parser.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="HTTP port (default 8000)")
    parser.set_defaults(handler=serve)
