from __future__ import annotations

import pytest

from grocer.normalize.product import product_identity
from grocer.normalize.sizes import extract_sizes, parse_size, scan_sizes


def sizes(*texts: str | None) -> set[str]:
    return {str(s) for s in extract_sizes(*texts)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6 x 375mL", {"375ml", "6pk"}),
        ("Sausages 500-600g", {"500g", "600g"}),
        ("approx. 1.6kg each", {"1600g", "ea"}),
        ("Juice 1.5 L", {"1500ml"}),
        ("0.11 kg", {"110g"}),
        ("110g", {"110g"}),
        ("100 pack", {"100pk"}),
        ("Coke Can 6 x 375mL", {"375ml", "6pk"}),
        ("375mL x 24", {"375ml", "24pk"}),
        ("2X150G", {"150g", "2pk"}),  # Coles descriptions: upper case, no spaces
        ("Fava Beans Lightly Salted 6x25g", {"25g", "6pk"}),
        ("1.75LT", {"1750ml"}),
        ("400GRAM", {"400g"}),
        ("1 Each", {"ea"}),
        ("per kg", {"perkg"}),
        ("Oil 0.75L", {"750ml"}),
        ("Chocolate Chip Brioche Milk Rolls 8 Pack 280g", {"280g", "8pk"}),
        ("Tim Tam Original Family Pack", set()),  # "Family Pack" is not a size
        ("Excellence 78% Cocoa", set()),
        ("V8 Juice", set()),  # a digit inside a word is not a size
        ("", set()),
        (None, set()),
    ],
)
def test_sizes_are_extracted_in_canonical_units(text: str | None, expected: set[str]) -> None:
    assert sizes(text) == expected


def test_kilograms_and_grams_are_the_same_canonical_size() -> None:
    assert extract_sizes("0.11 kg") == extract_sizes("110g")
    assert extract_sizes("2L") == extract_sizes("2000 ml")


def test_name_and_size_texts_are_combined_without_duplicates() -> None:
    assert sizes("Goat Cheese Original 110g", "0.11 kg") == {"110g"}


@pytest.mark.parametrize(
    ("text", "remainder"),
    [
        ("Juice 1.5 L", "juice"),
        ("Coke Can 6 x 375mL", "coke can"),
        ("Sausages 500-600g", "sausages"),
        ("Lcms Rice Bubbles Kaleidos 12 Pack", "lcms rice bubbles kaleidos"),
    ],
)
def test_size_text_is_removed_from_the_name(text: str, remainder: str) -> None:
    assert scan_sizes(text).remainder == remainder


def test_juice_name_keeps_no_size_tokens_in_its_matching_key() -> None:
    identity = product_identity("coles", "Juice 1.5 L", "Berri", "1.5L")
    assert identity.matching_key == "1500ml berri juice"
    assert "15" not in identity.matching_key.split()
    assert "l" not in identity.matching_key.split()


@pytest.mark.parametrize(
    ("text", "value"), [("1500ml", "1500ml"), ("6pk", "6pk"), ("ea", "ea"), ("1kg", "1000g")]
)
def test_canonical_sizes_parse_back(text: str, value: str) -> None:
    parsed = parse_size(text)
    assert parsed is not None and str(parsed) == value


def test_unknown_size_text_does_not_parse() -> None:
    assert parse_size("500oz") is None
    assert parse_size("abc") is None
