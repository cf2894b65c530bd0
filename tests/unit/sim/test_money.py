"""The simulator's money helpers: integer fast paths agree with exact Decimal arithmetic."""

from __future__ import annotations

import json
import random
from decimal import ROUND_HALF_UP, Decimal

from grocer.sim.catalogue import load_catalogue
from grocer.sim.money import display, dollars, json_number, scale_cents, scale_ratio

CENTS = [*range(0, 2_000), 9_999, 10_000, 10_001, 123_456, 99_999_999]


def test_json_number_prints_the_decimal_digits() -> None:
    for cents in CENTS:
        text = str(dollars(cents)).rstrip("0").rstrip(".")
        assert json.dumps(json_number(cents)) == text, cents
    assert isinstance(json_number(1200), int) and json_number(1410) == 14.1


def test_display_matches_decimal_formatting() -> None:
    for cents in CENTS:
        assert display(cents) == f"${dollars(cents):,.2f}", cents
    assert display(123_456) == "$1,234.56"


def test_scale_ratio_equals_decimal_half_up_for_every_catalogue_factor() -> None:
    factors = {p.unit[2] for ps in load_catalogue().products.values() for p in ps if p.unit}
    assert len(factors) > 1000
    rng = random.Random(7)
    for factor in factors:
        ratio = factor.as_integer_ratio()
        for cents in [0, 1, 5, 99, 469, 1000, *(rng.randrange(1, 10**6) for _ in range(20))]:
            exact = int((Decimal(cents) * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP))
            assert scale_ratio(cents, ratio) == exact == scale_cents(cents, factor)
    assert scale_ratio(5, Decimal("0.1").as_integer_ratio()) == 1  # 0.5 rounds up
