"""``substitutes_of``: within a level a shopper sees the same size first, then the nearest,
and among equally close ones the cheapest unit price first, whatever the scores say."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, insert, select

from grocer.analysis.substitutions.readers import substitutes_of
from grocer.db.models import Product, Substitution
from grocer.ingest.runner import ingest_files
from tests.integration.substitutions.conftest import write_snapshot


def milk(name: str, size: str, price: float, brand: str = "Farmdale") -> dict[str, object]:
    per_litre = round(price / float(size.removesuffix("L")), 2)
    return {
        "name": f"{brand} {name} {size}", "brand": brand, "size": size, "price_current": price,
        "per_unit_price_string": f"${per_litre:.2f} per 1 l",
    }  # fmt: skip


def test_same_size_then_nearest_then_cheapest_unit_price(engine: Engine, tmp_path: Path) -> None:
    products = [
        milk("Full Cream Milk", "2L", 4.0, brand="A2"),
        milk("Full Cream Milk", "1L", 1.6),  # 1.60/l, half the size
        milk("Full Cream Milk", "2L", 3.0),  # 1.50/l, the same size
        milk("Full Cream Milk", "3L", 4.2),  # 1.40/l, half as big again
        milk("Full Cream Milk", "2L", 3.4, brand="Devondale"),  # 1.70/l, the same size
        milk("Lactose Free Milk", "2L", 3.9),
    ]
    snapshot = write_snapshot(tmp_path / "aldi.jsonl.gz", "aldi", products)
    assert ingest_files(engine, [snapshot]).rejected_total == 0
    with engine.begin() as connection:
        ids = dict(connection.execute(select(Product.name, Product.id)).all())
        a2 = ids["A2 Full Cream Milk 2L"]
        scores = {  # the closest in size scored lowest
            "Farmdale Full Cream Milk 1L": (3, 0.97),
            "Farmdale Full Cream Milk 2L": (3, 0.80),
            "Farmdale Full Cream Milk 3L": (3, 0.90),
            "Devondale Full Cream Milk 2L": (3, 0.99),
            "Farmdale Lactose Free Milk 2L": (4, 0.99),
        }
        connection.execute(
            insert(Substitution),
            [
                {"product_a": min(a2, ids[n]), "product_b": max(a2, ids[n]), "level": level,
                 "score": score}
                for n, (level, score) in scores.items()
            ],
        )  # fmt: skip
        found = substitutes_of(connection, a2)
        first_two = substitutes_of(connection, a2, limit=2)
    assert [(row.level, row.label) for row in found] == [
        (3, "Farmdale Full Cream Milk 2L"),  # same size, cheaper per litre
        (3, "Devondale Full Cream Milk 2L"),
        (3, "Farmdale Full Cream Milk 3L"),  # x1.5 is nearer than x0.5
        (3, "Farmdale Full Cream Milk 1L"),
        (4, "Farmdale Lactose Free Milk 2L"),
    ]
    assert first_two == found[:2]
