"""Fast multi-row INSERT for the hottest path (price rows).

On SQLite, SQLAlchemy's per-row bind processing costs as much as the insert itself.  Here rows
go straight to the driver's ``executemany``, with sqlite3 adapters storing Decimal as text
(NUMERIC affinity keeps the number) and dates as ISO text, exactly as SQLAlchemy's SQLite
types store them.  Other dialects use SQLAlchemy Core's executemany (psycopg batches it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, insert


def _sqlite_datetime(moment: datetime) -> str:
    """Aware datetimes in UTC, stored as SQLAlchemy's SQLite DateTime stores them."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(sep=" ")


sqlite3.register_adapter(Decimal, str)
sqlite3.register_adapter(date, date.isoformat)
sqlite3.register_adapter(datetime, _sqlite_datetime)


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in one executemany."""
    if not rows:
        return
    if connection.dialect.name != "sqlite":
        connection.execute(insert(table), list(rows))
        return
    columns = list(rows[0])
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)})"
    )
    connection.exec_driver_sql(sql, list(map(itemgetter(*columns), rows)))


def insert_returning_ids(
    connection: Connection, table: Table, rows: Sequence[dict[str, Any]]
) -> list[int]:
    """Insert ``rows`` and return their new ids in the same order.

    SQLAlchemy can only do ordered ``RETURNING`` on SQLite one row per statement.  SQLite gives
    a new row of a table with an integer primary key ``max(id) + 1``, and a transaction that
    has written holds the database's only write lock, so rows inserted in one ``executemany``
    get consecutive ids ending at ``max(id)``.
    """
    if not rows:
        return []
    if connection.dialect.name != "sqlite":
        result = connection.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), list(rows)
        )
        return [row[0] for row in result]
    insert_rows(connection, table, rows)
    last = connection.exec_driver_sql(f"SELECT max(id) FROM {table.name}").scalar_one()
    return list(range(last - len(rows) + 1, last + 1))
