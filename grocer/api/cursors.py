"""As-of cursors: the snapshot a list's first page fixes, carried to its later pages.

A cursor holds the snapshot (``as_of`` and the highest ``products.id``, ``listings.id`` and
``prices.id`` the first page could see), a digest of the query it belongs to and the sort
position of the last item served, signed with HMAC-SHA256 so that an altered cursor is
refused.  The key is ``GROCER_API_SECRET`` when set (cursors then outlive a restart and work
across processes); otherwise a random key of the process.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
from sqlalchemy import Connection, func, select

from grocer.db.models import Listing, Price, Product

SECRET_ENV = "GROCER_API_SECRET"
_SIGNATURE_BYTES = 16


class CursorError(ValueError):
    """A cursor that is malformed, altered, or belongs to another query."""


def position_of(key: Sequence[Any]) -> list[Any]:
    """A list's sort key as its cursor carries it: Decimals as text (exact; JSON has no
    decimal), the rest as they are."""
    return [str(value) if isinstance(value, Decimal) else value for value in key]


def read_position(after: Sequence[Any], types: Sequence[type]) -> tuple[Any, ...]:
    """A cursor's position read back as a sort key of ``types`` (Decimal from its text).

    Raises:
        CursorError: ``after`` is not a position of these types.
    """
    try:
        if len(after) != len(types):
            raise ValueError("wrong length")
        values = []
        for value, kind in zip(after, types, strict=True):
            if kind is Decimal:
                values.append(Decimal(str(value)))
            elif not isinstance(value, kind):
                raise TypeError(f"expected {kind.__name__}")
            else:
                values.append(value)
        return tuple(values)
    except (TypeError, ValueError, InvalidOperation) as problem:
        raise CursorError("malformed cursor position") from problem


@dataclass(frozen=True)
class Snapshot:
    """What a list's pages read: prices as of ``as_of``, rows up to these ids."""

    as_of: date | None  # None: the database has no complete price run, so no current price
    products: int
    listings: int
    prices: int


def current_snapshot(connection: Connection, as_of: date | None) -> Snapshot:
    """The snapshot of the database as ``connection`` sees it now."""
    row = connection.execute(
        select(
            select(func.coalesce(func.max(Product.id), 0)).scalar_subquery(),
            select(func.coalesce(func.max(Listing.id), 0)).scalar_subquery(),
            select(func.coalesce(func.max(Price.id), 0)).scalar_subquery(),
        )
    ).one()
    return Snapshot(as_of, int(row[0]), int(row[1]), int(row[2]))


class CursorCodec:
    """Signs and reads cursors with one key."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        secret = (os.environ if environ is None else environ).get(SECRET_ENV, "")
        self._key = secret.encode() if secret else secrets.token_bytes(32)

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:_SIGNATURE_BYTES]

    def encode(self, snapshot: Snapshot, query: str, position: list[Any]) -> str:
        """A cursor for the page after ``position`` of ``query`` read at ``snapshot``."""
        payload = orjson.dumps(
            [
                None if snapshot.as_of is None else snapshot.as_of.isoformat(),
                snapshot.products,
                snapshot.listings,
                snapshot.prices,
                _digest(query),
                position,
            ]
        )
        token = self._sign(payload) + payload
        return base64.urlsafe_b64encode(token).rstrip(b"=").decode()

    def decode(self, cursor: str, query: str) -> tuple[Snapshot, list[Any]]:
        """The snapshot and position ``cursor`` carries.

        Raises:
            CursorError: not a cursor of this server, altered, or of another query.
        """
        try:
            token = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (ValueError, TypeError) as problem:
            raise CursorError("not a cursor") from problem
        signature, payload = token[:_SIGNATURE_BYTES], token[_SIGNATURE_BYTES:]
        if not hmac.compare_digest(signature, self._sign(payload)):
            raise CursorError("not a cursor of this server, or altered")
        try:
            as_of, products, listings, prices, digest, position = orjson.loads(payload)
            day = None if as_of is None else date.fromisoformat(as_of)
            if not all(isinstance(cap, int) for cap in (products, listings, prices)):
                raise TypeError("caps must be ids")
            snapshot = Snapshot(day, products, listings, prices)
        except (ValueError, TypeError) as problem:
            raise CursorError("malformed cursor") from problem
        if digest != _digest(query) or not isinstance(position, list):
            raise CursorError("the cursor belongs to another query: keep its parameters")
        return snapshot, position


def _digest(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()[:16]
