from __future__ import annotations

import pytest

from grocer.normalize.gtin import check_digit_ok, clean_gtin


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("9310631635078", "9310631635078"),
        (9310631635078, "9310631635078"),  # ints from JSON
        (" 9310631635078 ", "9310631635078"),
        ("123456789012", "0123456789012"),  # UPC-A padded to 13
        ("96385074", "0000096385074"),  # EAN-8 with a valid check digit
        ("09310631635078", "9310631635078"),  # GTIN-14 with indicator 0 is a GTIN-13
        ("19310631635075", "19310631635075"),  # GTIN-14 (case) kept at 14
        ("ABC,9310631635078", "9310631635078"),  # first valid code of a list
    ],
)
def test_valid_codes_are_kept_in_canonical_form(raw: object, code: str) -> None:
    result = clean_gtin(raw)
    assert result.code == code
    assert result.error is None


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("9310631635079", "bad check digit"),
        ("12345678", "bad check digit"),
        ("93106316350781", "bad check digit"),
        ("ABC", "not digits"),
        ("93106316A5078", "not digits"),
        ("12345", "bad length"),
        ("notfound", "placeholder"),
        ("null", "placeholder"),
    ],
)
def test_invalid_codes_are_rejected_with_a_reason(raw: str, error: str) -> None:
    result = clean_gtin(raw)
    assert result.code is None
    assert result.error == error
    assert not result.is_identity


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_absent_codes_are_not_errors(raw: object) -> None:
    assert clean_gtin(raw).code is None
    assert clean_gtin(raw).error is None


@pytest.mark.parametrize(
    "raw",
    [
        "0265178000003",  # Woolworths variable-weight produce (UPC number system 2)
        "2918940000005",  # Coles in-store weighed chicken (GS1 prefix 29)
        "2000000000008",
    ],
)
def test_variable_measure_codes_are_valid_but_not_an_identity(raw: str) -> None:
    result = clean_gtin(raw)
    assert result.code == raw
    assert result.instore
    assert not result.is_identity


def test_check_digit() -> None:
    assert check_digit_ok("9310631635078")
    assert not check_digit_ok("9310631635070")
