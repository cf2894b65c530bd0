"""The ``alerts`` rows: one per condition key, opened when the condition appears, cleared when
it goes, opened again (and so sent again) when it returns.  ``sent_at`` stays null until a
send succeeds, so an unsent alert is sent again by the next pass."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, insert, select, update

from grocer.db.models import Alert

MAX_MESSAGE = 2_000


@dataclass(frozen=True)
class AlertRow:
    """An alert as the table keeps it."""

    id: int
    key: str
    opened_at: datetime
    sent_at: datetime | None
    cleared_at: datetime | None
    message: str

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None


@dataclass(frozen=True)
class Reconciled:
    """What one reconciliation changed: keys opened (new or returned) and cleared, and the
    open alerts not sent yet."""

    opened: tuple[str, ...]
    cleared: tuple[str, ...]
    unsent: tuple[AlertRow, ...]


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def all_alerts(connection: Connection) -> dict[str, AlertRow]:
    """Every alert, by key."""
    rows = connection.execute(
        select(
            Alert.id, Alert.key, Alert.opened_at, Alert.sent_at, Alert.cleared_at, Alert.message
        ).order_by(Alert.key)
    )
    return {
        row.key: AlertRow(
            row.id,
            row.key,
            _aware(row.opened_at) or row.opened_at,
            _aware(row.sent_at),
            _aware(row.cleared_at),
            row.message,
        )
        for row in rows
    }


def reconcile(connection: Connection, conditions: Mapping[str, str], now: datetime) -> Reconciled:
    """Make the table agree with ``conditions`` (key -> message) as of ``now``: a new key or
    one that had cleared opens (unsent), an open key whose condition is gone clears.  An open
    alert not yet sent takes the newest message."""
    known = all_alerts(connection)
    opened, cleared = [], []
    for key, message in sorted(conditions.items()):
        message = message[:MAX_MESSAGE]
        row = known.get(key)
        if row is None:
            connection.execute(insert(Alert).values(key=key, opened_at=now, message=message))
            opened.append(key)
        elif not row.is_open:
            connection.execute(
                update(Alert)
                .where(Alert.id == row.id)
                .values(opened_at=now, sent_at=None, cleared_at=None, message=message)
            )
            opened.append(key)
        elif row.sent_at is None and row.message != message:
            connection.execute(update(Alert).where(Alert.id == row.id).values(message=message))
    for key, row in known.items():
        if row.is_open and key not in conditions:
            connection.execute(update(Alert).where(Alert.id == row.id).values(cleared_at=now))
            cleared.append(key)
    unsent = tuple(
        row for row in all_alerts(connection).values() if row.is_open and row.sent_at is None
    )
    return Reconciled(tuple(opened), tuple(cleared), unsent)


def mark_sent(connection: Connection, row: AlertRow, now: datetime) -> None:
    """The alert opened at ``row.opened_at`` was sent (nothing if it has been reopened since)."""
    connection.execute(
        update(Alert)
        .where(Alert.id == row.id, Alert.opened_at == row.opened_at, Alert.sent_at.is_(None))
        .values(sent_at=now)
    )
