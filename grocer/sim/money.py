"""Money helpers: prices are integer cents inside the simulator, rendered as retailers do."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

_CENT = Decimal("0.01")


def to_cents(value: object) -> int:
    """Dollars (int, float or text from a corpus record) to integer cents, exactly."""
    return int((Decimal(str(value)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def dollars(cents: int) -> Decimal:
    """Integer cents as a two-place Decimal of dollars."""
    return (Decimal(cents) / 100).quantize(_CENT)


def json_number(cents: int) -> int | float:
    """Cents as the JSON number a retailer API sends (``12`` for $12.00, ``14.1`` for $14.10).

    The float is produced from the exact decimal text, so it prints back as the same digits.
    """
    if cents % 100 == 0:
        return cents // 100
    # Both operands are exact and IEEE division rounds correctly, so this is the float
    # nearest to the decimal value: the same number float("14.1") gives.
    return cents / 100


def display(cents: int) -> str:
    """``$4.69`` style text, with a thousands separator like the retailers use."""
    whole, part = divmod(abs(cents), 100)
    return f"${'-' if cents < 0 else ''}{whole:,}.{part:02d}"


def scale_cents(cents: int, factor: Decimal) -> int:
    """``cents * factor`` rounded half-up to a whole cent (Decimal arithmetic, no floats)."""
    return int((Decimal(cents) * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def scale_ratio(cents: int, ratio: tuple[int, int]) -> int:
    """``scale_cents(cents, factor)`` for ``ratio = factor.as_integer_ratio()``, in integer
    arithmetic (the same answer for ``cents >= 0``: half-up is floor(x + 1/2) there)."""
    numerator, denominator = ratio
    return (2 * cents * numerator + denominator) // (2 * denominator)


def shelf_round(cents: int) -> int:
    """Round a computed price to a shelf-looking price (ending in 0, 5 or 9 cents), >= 10c."""
    if cents < 10:
        return 10
    base = cents - cents % 10
    last = cents % 10
    if last <= 2:
        return base
    if last <= 6:
        return base + 5
    return base + 9


def shelf_floor(cents: int) -> int:
    """The dearest shelf-looking price (ending in 0, 5 or 9 cents) at or below ``cents``.

    >>> [shelf_floor(c) for c in (400, 404, 405, 408, 409)]
    [400, 400, 405, 405, 409]
    """
    last = cents % 10
    return cents - last + (9 if last == 9 else 5 if last >= 5 else 0)


def shelf_ceil(cents: int) -> int:
    """The cheapest shelf-looking price (ending in 0, 5 or 9 cents) at or above ``cents``.

    >>> [shelf_ceil(c) for c in (400, 401, 405, 406, 409)]
    [400, 405, 405, 409, 409]
    """
    last = cents % 10
    return cents - last + (0 if last == 0 else 5 if last <= 5 else 9)
