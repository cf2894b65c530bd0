"""Level 3 across unlinked categories: a product filed in a retailer's grab-bag category
still gets the near-identical products of other retailers, and nothing merely alike."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select

from grocer.analysis.substitutions import find_substitutions
from grocer.analysis.substitutions.embeddings import Encoder
from grocer.db.models import Product, Substitution
from grocer.ingest.runner import ingest_files
from tests.integration.substitutions.conftest import write_snapshot

HEALTH_FOODS = [
    "Pantry",
    "Health Foods",
]  # Aldi files its organic beans here (brand as Aldi lists it)
BEANS = ["Pantry", "Canned Food", "Baked Beans & Spaghetti"]
SAUCES = ["Pantry", "Sauces", "Tomato Sauce"]


def test_a_grab_bag_category_does_not_leave_a_product_alone(
    engine: Engine, tmp_path: Path, encoder: Encoder
) -> None:
    aldi = [
        {"name": "Organic Baked Beans in Tomato Sauce 420g", "brand": "Oh So Natural Organic",
         "size": "420g", "category_path": HEALTH_FOODS},
        {"name": "Organic Rice Cakes Lightly Salted 150g", "brand": "Oh So Natural Organic",
         "size": "150g", "category_path": HEALTH_FOODS},
    ]  # fmt: skip
    coles = [
        {"name": "Baked Beans in Tomato Sauce", "brand": "Black & Gold", "size": "420g",
         "category_path": BEANS},
        {"name": "Tomato Sauce", "brand": "MasterFoods", "size": "500ml",
         "category_path": SAUCES},
    ]  # fmt: skip
    files = [
        write_snapshot(tmp_path / "aldi.jsonl.gz", "aldi", aldi),
        write_snapshot(tmp_path / "coles.jsonl.gz", "coles", coles),
    ]
    assert ingest_files(engine, files).rejected_total == 0
    find_substitutions(engine, encoder=encoder)
    with engine.connect() as connection:
        names = dict(connection.execute(select(Product.id, Product.name)).all())
        pairs = {
            frozenset((names[a], names[b])): level
            for a, b, level in connection.execute(
                select(Substitution.product_a, Substitution.product_b, Substitution.level)
            )
        }
    beans = "Organic Baked Beans in Tomato Sauce 420g"
    assert pairs[frozenset((beans, "Baked Beans in Tomato Sauce"))] == 3
    assert frozenset((beans, "Tomato Sauce")) not in pairs  # the same last word, not the same
