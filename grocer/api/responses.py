"""Pieces every router of the API shares: JSON error bodies and the list envelope."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel


def error(status: int, message: str, **extra: Any) -> JSONResponse:
    """A JSON error body: ``{"detail": message, ...}``."""
    return JSONResponse({"detail": message, **extra}, status_code=status)


def not_found(what: str) -> JSONResponse:
    """404 naming what was not found."""
    return error(404, f"{what} not found")


def bad_parameter(name: str, message: str) -> JSONResponse:
    """422 naming ``name``, shaped as FastAPI's own validation errors are."""
    problem = {"type": "value_error", "loc": ["query", name], "msg": message}
    return error(422, f"bad parameter: {name}", errors=[problem])


def number(value: Decimal | float | None) -> float | None:
    """Money or a unit price as a JSON number."""
    return None if value is None else float(value)


class Page(BaseModel):
    """A list: ``items`` and the cursor of the next page (always null so far)."""

    next_cursor: str | None = None
