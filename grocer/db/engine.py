"""Engine and session set-up for SQLite (WAL, foreign keys, busy timeout) and PostgreSQL."""

from __future__ import annotations

import sqlite3
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000

# SQLite has no decimal type; Numeric(10, 2) columns round-trip through the declared scale,
# which is exact for money.  SQLAlchemy warns about it on every bind; the warning is known.
warnings.filterwarnings(
    "ignore", message=r"Dialect sqlite\+pysqlite does \*not\* support Decimal objects natively"
)


WRITE_LOCK = "grocer_write_lock"  # execution option: begin with SQLite's write lock


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # grocer, not the driver, begins transactions (see _sqlite_begin)
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    """Every transaction begins here, when SQLAlchemy begins it: a reader's at its first
    statement, so its snapshot holds for the whole transaction; a writer's (execution option
    ``grocer_write_lock``) with ``BEGIN IMMEDIATE``, taking SQLite's one write lock first, so
    what it reads cannot change under it (the per-transaction write lock of price writes)."""
    immediate = connection.get_execution_options().get(WRITE_LOCK)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def normalise_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def display_url(url: str) -> str:
    """The URL as printed to users: the SQLite file path, or the URL without its password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return str(Path(parsed.database or ":memory:").resolve()) if parsed.database else ":memory:"
    return parsed.render_as_string(hide_password=True)


def is_sqlite(engine_or_url: Engine | str) -> bool:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    return url.get_backend_name() == "sqlite"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite files get their folder created and WAL/foreign keys on."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_read_only_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # no journal_mode here: a read-only connection cannot change it (make_engine set WAL)
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def make_read_only_engine(url: str, **kwargs: Any) -> Engine:
    """An engine that cannot write: SQLite opened as a ``file:...?mode=ro`` URI (and
    ``query_only``), PostgreSQL with ``default_transaction_read_only=on``.  A read-only SQLite
    connection reads a WAL database while a writer commits; nothing is created, nor migrated.

    A missing SQLite file fails at the first connection (``unable to open database file``).
    """
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise ValueError("a read-only engine needs a SQLite file, not an in-memory database")
        path = Path(parsed.database).expanduser().resolve()
        uri = f"file:{quote(path.as_posix())}?mode=ro"

        def connect() -> sqlite3.Connection:
            return sqlite3.connect(
                uri, uri=True, check_same_thread=False, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000
            )

        # the file URL keeps SQLAlchemy's file-database pool; the creator opens it read-only
        engine = create_engine(url, creator=connect, **kwargs)
        event.listen(engine, "connect", _sqlite_read_only_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    connect_args = dict(kwargs.pop("connect_args", {}))
    options = connect_args.get("options", "")
    connect_args["options"] = f"{options} -c default_transaction_read_only=on".strip()
    return create_engine(url, connect_args=connect_args, **kwargs)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def is_busy_error(error: BaseException) -> bool:
    """True for SQLite "database is locked" errors that a writer should retry."""
    return isinstance(error, exc.OperationalError) and "locked" in str(error.orig).lower()
