"""What levels 1 and 2 compare: name forms, pack counts, one-word names and unified brands.

Each table row is a case from the Coles Firle / IGA Wattle Park barcode pairs (or its
negative control), with the expected outcome beside it.
"""

from __future__ import annotations

import numpy as np
import pytest

from grocer.analysis.substitutions.blocking import block_on
from grocer.analysis.substitutions.comparisons import (
    Codes,
    compare_level_1,
    compare_level_2,
    sizes_agree,
)
from grocer.analysis.substitutions.frame import (
    base_name,
    compact_brand,
    name_form,
    s_stem,
    same_brands,
)
from tests.unit.substitutions.helpers import frame


@pytest.mark.parametrize(
    ("a", "b", "agree"),
    [
        ("360g", "360g", True),  # equal
        ("ea", "1000ml", True),  # sold each: unknown quantity
        ("", "250g", True),  # no size at all
        ("ea 750ml", "750ml", True),  # "ea" beside a quantity adds nothing
        ("360g", "360g 5pk", True),  # Maggi 5 pack at Coles, "360g" at IGA
        ("250g", "125g 250g 2pk", True),  # 2x125g cups: per-item measure x count = total
        ("14g 56g 4pk", "56g", True),
        ("360g", "720g 5pk", False),  # the quantities disagree
        ("125g", "125g 250g 2pk", False),  # 125g is one cup, not the pack
        ("250g", "100g 250g 2pk", False),  # 100g x 2 is not 250g
        ("6pk", "12pk", False),  # counts only, and different
        ("6pk", "375ml 6pk", False),  # a count alone says no quantity to agree on
        ("500g", "1000g", False),
    ],
)
def test_sizes_agree(a: str, b: str, agree: bool) -> None:
    assert sizes_agree(a, b) is agree
    assert sizes_agree(b, a) is agree


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("bars", "bar"),
        ("cups", "cup"),
        ("berries", "berry"),  # ies -> y
        ("noodles", "noodle"),  # es -> e
        ("glass", "glass"),  # ss kept
        ("hummus", "hummus"),  # us kept
        ("oats", "oat"),
        ("bus", "bus"),  # three letters or fewer kept
    ],
)
def test_s_stem(word: str, stem: str) -> None:
    assert s_stem(word) == stem


@pytest.mark.parametrize(
    ("base", "form"),
    [
        ("mac and cheese original pasta", "mac cheese original pasta"),  # "&" vs "And"
        ("nut bars trail mix snacks", "nut bar trail mix snack"),
        ("basmati rice cups", "basmati rice cup"),
        ("and", "and"),  # never empty
    ],
)
def test_name_form(base: str, form: str) -> None:
    assert name_form(base) == form


def test_base_name_drops_packaging_words_with_sizes_and_brand() -> None:
    assert base_name("Nut Bars Trail Mix Multipack Snacks 6 Pack", "natural nice") == (
        "nut bars trail mix snacks"
    )
    assert base_name("Nice & Natural Nut Bar Trail Mix", "natural nice") == "nut bar trail mix"
    assert base_name("Multipack", "x") == "multipack"  # never empty


def test_same_brands_unify_spacing_only() -> None:
    brands = {
        "life savers": "Life Savers",
        "lifesavers": "Lifesavers",
        "grain kelloggs nutri": "Kellogg's Nutri Grain",
        "kelloggs nutrigrain": "Kellogg's Nutri-Grain",
        "kelloggs": "Kellogg's",  # a brand extended by words stays itself
        "b s": "S & B",
        "sb": "S&B",
    }
    assert compact_brand("Kellogg's Nutri-Grain") == "kelloggsnutrigrain"
    assert same_brands(brands) == {
        "life savers": "life savers",
        "lifesavers": "life savers",
        "grain kelloggs nutri": "grain kelloggs nutri",
        "kelloggs nutrigrain": "grain kelloggs nutri",
        "kelloggs": "kelloggs",
        "b s": "b s",
        "sb": "b s",
    }


def _level_pairs(rows: list[tuple[str, str, str]], level: int) -> set[tuple[int, int]]:
    planted = frame(rows)
    codes = Codes(planted)
    compare = compare_level_1 if level == 1 else compare_level_2
    found: set[tuple[int, int]] = set()
    for rule in (block_on("brand", "first_word"), block_on("brand", "last_word")):
        for block in rule.blocks(planted):
            found |= {(a, b) for a, b, *_ in compare(planted, codes, block).tolist()}
    return found


def test_level_2_pack_counts_and_plurals() -> None:
    rows = [
        ("Nut Bars Trail Mix Multipack Snacks 6 Pack", "natural nice", "192g 6pk"),  # 1
        ("Nice & Natural Nut Bar Trail Mix", "natural nice", "ea"),  # 2 -- level 2 with 1
        ("Microwave Basmati Rice Cup 2x120g", "sunrice", "120g 240g 2pk"),  # 3
        ("SunRice Basmati Rice Cups", "sunrice", "240g"),  # 4 -- level 2 with 3
        ("Basmati Rice Cups Family", "sunrice", "480g"),  # 5 -- other quantity
    ]
    assert _level_pairs(rows, 2) == {(1, 2), (3, 4)}


def test_level_1_forms_equal_sizes_differ() -> None:
    rows = [
        ("Mac And Cheese Original Pasta", "kraft", "205g"),  # 1
        ("Kraft Mac & Cheese Original Pasta", "kraft", "410g"),  # 2 -- level 1 with 1
        ("Tuna In Olive Oil Blend", "john west", "95g"),  # 3
        ("Tuna In Olive Oil Blend Multipack", "john west", "ea"),  # 4 -- level 1 with 3
    ]
    assert _level_pairs(rows, 1) == {(1, 2), (3, 4)}


def test_one_word_name_needs_known_sizes() -> None:
    rows = [
        ("Lemons", "coles", "ea"),  # 1 -- "lemon" inside 2 and 3, size unknown: nothing
        ("Lemon Juice", "coles", "250ml"),  # 2
        ("Lemon Cheesecake Slices", "coles", "220g 2pk"),  # 3
        ("Tronky Biscuit Bars Multipack 5 Pack", "kinder", "90g 5pk"),  # 4
        ("Kinder Tronky", "kinder", "90g"),  # 5 -- one word, sizes known and agree: 4
    ]
    assert _level_pairs(rows, 2) == {(4, 5)}


def test_codes_one_word_uses_forms() -> None:
    planted = frame([("Lemons", "coles", "ea"), ("Lemon Juice", "coles", "250ml")])
    assert Codes(planted).one_word().tolist() == [True, False]
    assert np.array_equal(Codes(planted).unknown_sizes(), np.array([True, False]))
