"""Same-product links: made by ``grocer analyze subs`` without barcodes, settled by barcodes
learned later (equal: one product; different: the link goes and never comes back)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from grocer.analysis.identity.features import FEATURES
from grocer.analysis.substitutions import SubstitutionSettings, find_substitutions
from grocer.analysis.substitutions.embeddings import Encoder
from grocer.db.models import Listing, Product, ProductLink, Substitution
from grocer.ingest.runner import ingest_files
from tests.integration.substitutions.conftest import gtin, write_snapshot

CEREAL = ["Pantry", "Breakfast", "Cereal"]
COLES = [
    {"name": "Special K Original Breakfast Cereal", "brand": "Kellogg (Aust) Pty Ltd",
     "description": "KELLOGG'S SPECIAL K ORIGINAL BREAKFAST CEREAL 500G", "size": "500g",
     "category_path": CEREAL},
]  # fmt: skip
IGA = [
    {"name": "Kellogg's Special K Original", "brand": "Kellogg's", "size": "500g",
     "category_path": CEREAL},
    {"name": "Kellogg's Special K Red Berries", "brand": "Kellogg's", "size": "500g",
     "category_path": CEREAL},
]  # fmt: skip


def ingest(engine: Engine, folder: Path, coles: list[dict], iga: list[dict]) -> None:
    folder.mkdir(exist_ok=True)
    files = [
        write_snapshot(folder / "coles.jsonl.gz", "coles", coles),
        write_snapshot(folder / "iga.jsonl.gz", "iga", iga),
    ]
    assert ingest_files(engine, files).rejected_total == 0


def linked_names(engine: Engine) -> set[frozenset[str]]:
    with engine.connect() as connection:
        names = dict(connection.execute(select(Product.id, Product.name)).all())
        return {
            frozenset((names[a], names[b]))
            for a, b in connection.execute(select(ProductLink.product_a, ProductLink.product_b))
        }


# Low enough that both IGA cereals score above it: the assignment, not the threshold, picks.
LOW = SubstitutionSettings(link_threshold=0.1)
ORIGINALS = frozenset(("Special K Original Breakfast Cereal", "Kellogg's Special K Original"))


def test_a_coles_product_and_its_iga_twin_are_linked_one_to_one(
    engine: Engine, tmp_path: Path, encoder: Encoder
) -> None:
    ingest(engine, tmp_path / "a", COLES, IGA)
    summary = find_substitutions(engine, encoder=encoder, settings=LOW)
    assert linked_names(engine) == {ORIGINALS}  # not also the Red Berries: one per retailer
    assert summary.product_links == 1
    with engine.connect() as connection:
        score, evidence = connection.execute(select(ProductLink.score, ProductLink.evidence)).one()
    explained = json.loads(evidence)
    assert set(explained) == set(FEATURES)
    assert explained["brand_agree"]["value"] == 1.0 and explained["brand_agree"]["weight"] > 0
    assert 0.0 <= score <= 1.0


def priced(name: str, brand: str, size: str, price: float, per_unit: str, path: list[str]):
    """A listing priced ``price`` with the retailer's unit price text ``per_unit``."""
    return {"name": name, "brand": brand, "size": size, "price_current": price,
            "per_unit_price_string": per_unit, "category_path": path}  # fmt: skip


SWEETS = ["Pantry", "Confectionery", "Chocolate"]
SHAREPACK = [
    priced("Crunchie Chocolate Sharepack 12 Pack", "Cadbury", "180g", 7.0, "$3.89 per 100g",
           SWEETS),
]  # fmt: skip
SOLD_EACH = [
    priced("Cadbury Crunchie Chocolate Sharepack", "Cadbury", "Each", 7.0, "$1.75 each", SWEETS),
    priced("Cadbury Crunchie Sharepack", "Cadbury", "Each", 7.0, "$0.58 each", SWEETS),
]


def test_a_pack_priced_per_each_is_linked_to_the_pack_of_that_count(
    engine: Engine, tmp_path: Path, encoder: Encoder
) -> None:
    # IGA sells both "Each" at $7.00; its price per each says one holds 4, the other 12.
    ingest(engine, tmp_path / "a", SHAREPACK, SOLD_EACH)
    find_substitutions(engine, encoder=encoder, settings=LOW)
    pair = frozenset(("Crunchie Chocolate Sharepack 12 Pack", "Cadbury Crunchie Sharepack"))
    assert linked_names(engine) == {pair}
    with engine.connect() as connection:
        evidence = json.loads(connection.execute(select(ProductLink.evidence)).scalar_one())
    assert evidence["count_agree"]["value"] == 1.0
    assert evidence["count_conflict"]["value"] == 0.0


def substitute_levels(engine: Engine) -> dict[frozenset[str], tuple[int, float]]:
    with engine.connect() as connection:
        names = dict(connection.execute(select(Product.id, Product.name)).all())
        rows = connection.execute(
            select(Substitution.product_a, Substitution.product_b, Substitution.level,
                   Substitution.score)
        )  # fmt: skip
        return {frozenset((names[a], names[b])): (level, score) for a, b, level, score in rows}


TINS = ["Pantry", "Canned Food", "Spaghetti"]
SPAGHETTI = [priced("Canned Rich Tomato 4 Pack", "SPC", "880g", 6.5, "$0.74 per 100g", TINS)]
SPAGHETTI_EACH = [
    priced("SPC Spaghetti Rich Tomato Sauce", "SPC", "Each", 6.5, "$1.63 each", TINS),
]


def test_a_pair_probably_one_but_not_linked_is_a_level_2_substitute(
    engine: Engine, tmp_path: Path, encoder: Encoder
) -> None:
    # Names too far apart for level 2's rule; the same-product score (about 0.47 in a
    # catalogue of two), under a threshold nothing reaches and over the near score, makes
    # the 4 pack and IGA's "Each" four substitutes at level 2, scored as identity scored them.
    ingest(engine, tmp_path / "a", SPAGHETTI, SPAGHETTI_EACH)
    pair = frozenset(("Canned Rich Tomato 4 Pack", "SPC Spaghetti Rich Tomato Sauce"))
    near = SubstitutionSettings(link_threshold=1.0, near_score=0.4)
    find_substitutions(engine, encoder=encoder, settings=near)
    assert linked_names(engine) == set()
    level, score = substitute_levels(engine)[pair]
    assert level == 2 and 0.4 <= score < 0.95  # not level 2's own 0.95
    off = SubstitutionSettings(link_threshold=1.0, near_score=None)
    find_substitutions(engine, encoder=encoder, settings=off)
    assert substitute_levels(engine).get(pair, (3, 0.0))[0] > 2


def test_different_barcodes_break_a_link_for_good(
    engine: Engine, tmp_path: Path, encoder: Encoder
) -> None:
    ingest(engine, tmp_path / "a", COLES, IGA)
    find_substitutions(engine, encoder=encoder, settings=LOW)
    assert linked_names(engine) == {ORIGINALS}
    # The next crawls carry barcodes, and they differ: two products after all.
    ingest(
        engine,
        tmp_path / "b",
        [{**COLES[0], "barcode": gtin(1)}],
        [{**IGA[0], "barcode": gtin(2)}, IGA[1]],
    )
    assert linked_names(engine) == set()
    find_substitutions(engine, encoder=encoder, settings=LOW)
    assert ORIGINALS not in linked_names(engine)  # (the low threshold may pick Red Berries)


def test_equal_barcodes_make_one_product_and_leave_no_link(
    engine: Engine, tmp_path: Path, encoder: Encoder
) -> None:
    ingest(engine, tmp_path / "a", COLES, IGA)
    find_substitutions(engine, encoder=encoder, settings=LOW)
    ingest(
        engine,
        tmp_path / "b",
        [{**COLES[0], "barcode": gtin(1)}],
        [{**IGA[0], "barcode": gtin(1)}, IGA[1]],
    )
    with engine.connect() as connection:
        products = connection.execute(
            select(Listing.product_id).join(Product).where(Product.barcode == gtin(1))
        ).scalars()
        assert len(set(products)) == 1
        assert connection.execute(select(ProductLink.product_a)).all() == []


# Coles' web name and brand field say "Milk Chocolate Pouch" by MARS (the maker); its shelf
# label says Maltesers, as IGA's name and brand do.
MAKER_NAMED = {
    **priced("Milk Chocolate Pouch", "MARS", "140g", 5.0, "$3.57 per 100g", SWEETS),
    "description": "MALTESERS MILK CHOCOLATE POUCH 140G",
}
SHELF_NAMED = [{
    **priced("Maltesers Milk Chocolate Pouch", "Maltesers", "140g", 5.2, "$3.71 per 100g",
             SWEETS),
    "description": "Maltesers are light, crispy honeycombed centres covered in chocolate.",
}]  # fmt: skip
POUCHES = frozenset(("Milk Chocolate Pouch", "Maltesers Milk Chocolate Pouch"))


def labels(engine: Engine) -> list[str | None]:
    with engine.connect() as connection:
        return connection.execute(select(Listing.label).order_by(Listing.id)).scalars().all()


def test_a_shelf_label_links_what_the_web_name_hides(
    engine: Engine, tmp_path: Path, encoder: Encoder
) -> None:
    ingest(engine, tmp_path / "a", [MAKER_NAMED], SHELF_NAMED)
    # The Coles listing keeps its description as its label; IGA's prose is no label.
    assert labels(engine) == ["MALTESERS MILK CHOCOLATE POUCH 140G", None]
    find_substitutions(engine, encoder=encoder)  # the committed model and threshold
    assert linked_names(engine) == {POUCHES}


def test_without_the_label_the_makers_name_keeps_them_apart(
    engine: Engine, tmp_path: Path, encoder: Encoder
) -> None:
    unlabelled = {k: v for k, v in MAKER_NAMED.items() if k != "description"}
    ingest(engine, tmp_path / "a", [unlabelled], SHELF_NAMED)
    find_substitutions(engine, encoder=encoder)
    assert linked_names(engine) == set()
    # A later crawl shows the label: the listing takes it, and the pair is linked.
    ingest(engine, tmp_path / "b", [MAKER_NAMED], SHELF_NAMED)
    assert labels(engine) == ["MALTESERS MILK CHOCOLATE POUCH 140G", None]
    find_substitutions(engine, encoder=encoder)
    assert linked_names(engine) == {POUCHES}


# Coles' 1.5 kg muesli and two Carman's lines IGA sells "Each", with no amount to compare.
BREAKFAST_SHELF = ["Pantry", "Breakfast", "Muesli"]
MUESLI = [priced("Muesli Classic Fruit & Nut", "CARMAN'S", "1.5kg", 16.0, "$1.07 per 100g",
                 BREAKFAST_SHELF)]  # fmt: skip
SNACK_SHELF = ["Pantry", "Snacks", "Cereal Bars & Nutritional Snacks"]
MUESLI_EACH = priced("Carman's Classic Fruit & Nut Muesli", "Carman's", "Each", 16.0,
                     "$16.00 each", BREAKFAST_SHELF)  # fmt: skip
MUESLI_BARS = priced("Carman's Classic Fruit & Nut Muesli Bars", "Carman's", "Each", 7.99,
                     "$1.33 each", SNACK_SHELF)  # fmt: skip


def link_evidence(engine: Engine) -> dict:
    with engine.connect() as connection:
        return json.loads(connection.execute(select(ProductLink.evidence)).scalar_one())


@pytest.mark.parametrize(("sold_each", "linked"), [(MUESLI_EACH, True), (MUESLI_BARS, False)])
def test_a_listing_without_an_amount_is_not_linked_across_unlinked_categories(
    engine: Engine, tmp_path: Path, encoder: Encoder, sold_each: dict, linked: bool
) -> None:
    # On IGA's muesli shelf the "Each" is Coles' bag; on its snack bar shelf, a box of bars:
    # neither an amount nor the categories vouch for it, however alike the names.
    ingest(engine, tmp_path / "a", MUESLI, [sold_each])
    find_substitutions(engine, encoder=encoder)  # the committed model and threshold
    pair = frozenset(("Muesli Classic Fruit & Nut", sold_each["name"]))
    assert linked_names(engine) == ({pair} if linked else set())
    find_substitutions(engine, encoder=encoder, settings=LOW)  # the evidence either way
    evidence = link_evidence(engine)["unsized_unlinked"]
    assert evidence["value"] == (0.0 if linked else 1.0) and evidence["weight"] < 0
