"""Pieces every router of the API shares: JSON error bodies and the list envelope."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

CompanySlug = Literal["coles", "woolworths", "aldi", "iga"]  # companies.slug
MAX_ID = 2**63 - 1  # the largest row id a BIGINT (and SQLite's INTEGER) holds


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


class Problem(BaseModel):
    """An error body: what went wrong, and for a bad parameter each problem naming it."""

    model_config = ConfigDict(extra="allow")

    detail: str
    errors: list[dict[str, Any]] | None = None


# Every router's error answers, in the OpenAPI document (replacing FastAPI's default 422).
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "a malformed or altered cursor"},
    404: {"model": Problem, "description": "not found"},
    422: {"model": Problem, "description": "a bad parameter, named in detail and errors"},
    503: {"model": Problem, "description": "a bad GROCER_* setting of the server"},
}


class Page(BaseModel):
    """A list: ``items`` and the cursor of the next page (null on the last page)."""

    next_cursor: str | None = None
