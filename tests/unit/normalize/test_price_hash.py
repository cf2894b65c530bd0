from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from grocer.normalize.price_state import price_hash
from grocer.normalize.product import normalize_observation

D = Decimal


def observe(**overrides: object):  # type: ignore[no-untyped-def]
    values: dict[str, object] = dict(
        company="aldi", store_id="G102", sku="1", observed_on=date(2025, 9, 9), name="Milk 2L",
        brand="Farmdale", size="2 l", barcode=None, url=None, category_path=("Dairy",),
        price=D("3.10"), was_price=None, unit_price_value=D("1.55"), unit_price_measure=None,
        unit_price_text="$1.55 per 1 l", is_available=True, promo_text=None,
    )  # fmt: skip
    values.update(overrides)
    return normalize_observation(**values)  # type: ignore[arg-type]


def test_price_hash_ignores_date_store_and_product() -> None:
    base = observe()
    assert observe(observed_on=date(2025, 9, 23)).price_hash == base.price_hash
    assert observe(store_id="G467", sku="2", name="Other").price_hash == base.price_hash


def test_price_hash_changes_with_the_price_state() -> None:
    base = observe().price_hash
    assert observe(price=D("3.20")).price_hash != base
    assert observe(was_price=D("3.50")).price_hash != base
    assert observe(unit_price_text="$1.60 per 1 l", unit_price_value=D("1.60")).price_hash != base
    assert observe(promo_text="SPECIAL").price_hash != base


def test_equal_amounts_in_different_forms_hash_alike() -> None:
    assert price_hash(D("3.1"), None, None, None, False, None) == price_hash(
        D("3.10"), None, None, None, False, None
    )


def test_was_price_not_above_price_is_no_special() -> None:
    regular = observe(was_price=D("3.10"))  # Woolworths repeats the price as WasPrice
    assert regular.was_price is None and not regular.is_special
    special = observe(was_price=D("4.00"))
    assert special.is_special and special.was_price == D("4.00")


def test_the_hash_of_a_state_never_changes() -> None:
    """Stored intervals compare hashes computed by earlier versions: the text is fixed."""
    assert price_hash(D("3.1"), D("4"), D("1.55"), "l", True, "SPECIAL") == (
        "f725a5fbfe0c2dad92644fd04c7ff74d"
    )
    assert price_hash(D("3.1"), None, None, None, False, None) == "fe6024313e8ef8a7aebd867411983b6a"


def test_the_hash_takes_exactly_the_hashed_fields() -> None:
    with pytest.raises(TypeError, match="price, was_price, unit_price, unit, is_special"):
        price_hash(D("3.1"), None)
