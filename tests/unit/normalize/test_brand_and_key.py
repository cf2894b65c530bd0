from __future__ import annotations

import pytest

from grocer.normalize.brand import brand_key, coles_display_brand, looks_like_licensee
from grocer.normalize.product import product_identity
from grocer.normalize.text import clean_text


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("Coca-Cola", "cocacola"),
        ("Queen Victoria", "queen victoria"),
        ("Arnott's", "arnotts"),
        ("Arnott&#039;s", "arnotts"),  # HTML entity in the corpus
        ("Yumi&amp;#039;s", "yumis"),  # double-escaped
        ("BON APPETIT", "appetit bon"),
        ("Community Co", "co community"),
        ("Nice & Natural", "natural nice"),
        ("Nice And Natural", "natural nice"),  # "and" and "&" name the same brand
        ("Café Crème", "cafe creme"),
        ("舒适刀片(广州)有限公司", ""),  # IGA produce carries a wrong Chinese company name
        (None, ""),
    ],
)
def test_brand_keys(raw: str | None, key: str) -> None:
    assert brand_key(raw) == key


def test_brand_synonyms_fold_variations() -> None:
    assert brand_key("Kellogg's") == brand_key("Kelloggs") == "kelloggs"


def test_clean_text_strips_accents_entities_and_punctuation() -> None:
    assert clean_text("Café Crème &amp; Arnott&#039;s!") == "cafe creme arnotts"


@pytest.mark.parametrize(
    ("brand", "description", "name", "shown"),
    [
        ("Kellogg (Aust) Pty Ltd", "KELLOGG'S LCMS RICE BUBBLES 5 PACK 100G", "LCMs Rice Bubbles", "Kellogg's"),
        ("R. Twining and Company Limited", "TWININGS LIVE WELL DIGEST TEA BAGS", "Live Well Digest Tea Bags", "Twinings"),
        ("Licensee name withheld for privacy reasons", "LINDT LINDOR PISTACHIO CHOCOLATE BAG 123G", "Lindor Pistachio Chocolate Bag", "Lindt"),
        ("Coles", "COLES RSPCA CHICKEN WINGS", "RSPCA Approved Chicken Wings", "Coles"),
        ("Obela Fresh Dips &amp; Spreads Pty Ltd", "OBELA HIGH PROTEIN TZATZIKI DIP 100G", "High Protein Tzatziki Dip", "Obela"),
    ],
)  # fmt: skip
def test_coles_display_brand_replaces_the_gs1_licensee(
    brand: str, description: str, name: str, shown: str
) -> None:
    assert coles_display_brand(brand, description, name) == shown


def test_licensee_detection() -> None:
    assert looks_like_licensee("Bega Cheese Limited")
    assert looks_like_licensee("GENERAL MILLS IBERICA S.A.U")
    assert not looks_like_licensee("Dairy Farmers")


def test_one_matching_key_for_the_same_milk_at_three_retailers() -> None:
    coles = product_identity("coles", "Full Cream Milk", "Dairy Farmers", "2L")
    woolworths = product_identity(
        "woolworths", "Dairy Farmers Full Cream Milk", "Dairy Farmers", "2L"
    )
    iga = product_identity("iga", "Dairy Farmers Full Cream Milk", "Dairy Farmers", "2l Each")
    assert coles.matching_key == "2000ml cream dairy farmers full milk"
    assert coles.matching_key == woolworths.matching_key == iga.matching_key


def test_sell_by_word_alone_still_says_sold_each() -> None:
    banana = product_identity("iga", "Banana", None, "Each")
    assert banana.sizes_text == "ea"


def test_different_sizes_give_different_keys() -> None:
    one = product_identity("coles", "Full Cream Milk", "Dairy Farmers", "1L")
    two = product_identity("coles", "Full Cream Milk", "Dairy Farmers", "2L")
    assert one.matching_key != two.matching_key
