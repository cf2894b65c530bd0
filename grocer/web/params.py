"""The web view's query parameters: they arrive as text and are checked here, so a bad one
answers a 422 page naming it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any


class BadParameter(ValueError):
    """A query or path parameter the page cannot take."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def choice(name: str, value: str | None, allowed: Sequence[str]) -> str | None:
    """``value`` if one of ``allowed``; None if absent or empty."""
    if value is None or value == "":
        return None
    if value not in allowed:
        raise BadParameter(name, f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def number(name: str, value: str | None, low: float, high: float, *, above: bool = False) -> Any:
    """A float in ``[low, high]`` (``(low, high]`` when ``above``); None if absent or empty."""
    if value is None or value.strip() == "":
        return None
    try:
        found = float(value)
    except ValueError:
        raise BadParameter(name, f"{name} must be a number, not {value!r}") from None
    if not (low < found <= high if above else low <= found <= high):
        bound = f"above {low:g}" if above else f"at least {low:g}"
        raise BadParameter(name, f"{name} must be {bound} and at most {high:g}")
    return found


def whole(name: str, value: str | None, low: int, high: int) -> int | None:
    """A whole number in ``[low, high]``; None if absent or empty."""
    if value is None or value.strip() == "":
        return None
    if not value.strip().isdigit() or not low <= int(value) <= high:
        raise BadParameter(name, f"{name} must be a whole number from {low} to {high}")
    return int(value)


def a_day(name: str, value: str | None) -> date | None:
    """A YYYY-MM-DD day; None if absent or empty."""
    if value is None or value.strip() == "":
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadParameter(name, f"{name} must be a day as YYYY-MM-DD, not {value!r}") from None
