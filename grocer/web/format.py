"""How the web view writes money, unit prices, discounts and a special's verdict."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from grocer.analysis.specials import MIN_HISTORY_DAYS, WINDOW_DAYS
from grocer.constants import COMPANY_NAMES

UNIT_NAMES = {"kg": "per kg", "l": "per l", "ea": "each"}
NONE = "—"


def money(value: float | None) -> str:
    """``3.5`` -> ``$3.50``; None -> a dash."""
    if value is None:
        return NONE
    return f"${value:,.2f}"


def unit_price(value: float | None, unit: str | None) -> str:
    """``(2.5, "kg")`` -> ``$2.50 per kg``; ``(0.25, "ea")`` -> ``$0.25 each``; none: a dash.

    A unit price under a dollar keeps its third decimal (``$0.065 each``)."""
    if value is None or unit is None:
        return NONE
    amount = f"${value:,.3f}" if value < 1 and round(value, 2) != value else money(value)
    return f"{amount} {UNIT_NAMES.get(unit, 'per ' + unit)}"


def percent(value: float | None) -> str:
    """``0.25`` -> ``25%`` (one decimal when not whole); None -> a dash."""
    if value is None:
        return NONE
    shown = round(value * 100, 1)
    return f"{shown:g}%"


def company_name(slug: str | None) -> str:
    """``"iga"`` -> ``IGA``."""
    if slug is None:
        return NONE
    return COMPANY_NAMES.get(slug, slug.title())


def day(value: date | str | None) -> str:
    """A day as ``17 Sep 2025``."""
    if value is None:
        return NONE
    found = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{found.day} {found:%b %Y}"


def special_reason(special: Mapping[str, Any], price: float, was_price: float | None) -> str:
    """Why a special got its verdict, from ``find_specials``'s figures (the ``special`` object
    of ``GET /v1/products/{id}``)."""
    verdict = special["verdict"]
    known = special.get("history_days") or 0
    common = special.get("most_common")
    claimed = percent(special.get("claimed_discount"))
    window = f"the last {WINDOW_DAYS} days ({known} with a known price)"
    if verdict == "unknown" or common is None:
        return (
            f"Only {known} of the last {WINDOW_DAYS} days have a known price: at least "
            f"{MIN_HISTORY_DAYS} are needed to judge the claimed {claimed} off."
        )
    real = special.get("real_discount")
    if verdict == "illusory":
        really = "dearer than usual" if real is not None and real < 0 else "off"
        shown = percent(abs(real)) if real is not None else NONE
        return (
            f"Was {money(was_price)}, but {money(common)} was charged on most of {window}: "
            f"really {shown} {really}, not the claimed {claimed}."
        )
    return (
        f"Was {money(was_price)}, and {money(common)} was charged on most of {window}: "
        f"{money(price)} is a real {percent(real)} off."
    )


FILTERS = {
    "money": money,
    "unit_price": unit_price,
    "percent": percent,
    "company_name": company_name,
    "day": day,
}
