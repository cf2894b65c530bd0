"""``GET /v1/status``: the status object of ``grocer status --json`` (CONTRACTS §5) with the
database, its row counts and newest price day added, every credential masked."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from grocer.db.engine import display_url
from grocer.db.models import Listing, Price, Product, Store
from grocer.db.nodes import mask
from grocer.health.status import build_status

COUNTED = {"products": Product, "listings": Listing, "prices": Price, "stores": Store}


def database_name(engine: Engine) -> str:
    """The engine's database as ``display_url`` prints it (SQLite path; no password)."""
    return display_url(engine.url.render_as_string(hide_password=False))


def masked(value: Any) -> Any:
    """``value`` (JSON-like) with the credentials of every URL in its strings left out."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, Mapping):
        return {key: masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [masked(item) for item in value]
    return value


def counts(connection: Connection) -> dict[str, int]:
    """Rows of ``products``, ``listings``, ``prices`` and ``stores``."""
    return {
        name: connection.execute(select(func.count()).select_from(model)).scalar_one()
        for name, model in COUNTED.items()
    }


def newest_price_on(connection: Connection) -> date | None:
    """The latest day any price row covers (None: no price yet)."""
    return connection.execute(select(func.max(Price.last_seen))).scalar()


def status_object(
    connection: Connection,
    database: str,
    *,
    as_of: date | None = None,
    limit: int = 20,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The status object plus ``database`` (``display_url``'s text: no password),
    ``counts`` and ``newest_price_on``; the credentials of any URL in it left out.

    Raises:
        ValueError: a bad ``GROCER_*`` setting (as ``grocer status`` does).
    """
    report = build_status(connection, as_of=as_of, limit=limit, environ=environ)
    newest = newest_price_on(connection)
    body = {
        "counts": counts(connection),
        "newest_price_on": newest.isoformat() if newest else None,
        **report.as_dict(),
    }
    return {"database": database, **masked(body)}  # database: as display_url prints it
