"""Fast multi-row INSERT for the hottest path (price rows).

On SQLite, SQLAlchemy's per-row bind processing costs as much as the insert itself.  Here rows
go straight to the driver's ``executemany``, with sqlite3 adapters storing Decimal as text
(NUMERIC affinity keeps the number) and dates as ISO text, exactly as SQLAlchemy's SQLite
types store them.  Other dialects use SQLAlchemy Core's executemany (psycopg batches it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, insert

sqlite3.register_adapter(Decimal, str)
sqlite3.register_adapter(date, date.isoformat)


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
