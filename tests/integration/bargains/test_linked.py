"""Products linked as one (``product_links``) compare as one: a bargain across them, offers of
both in ``/v1/compare`` (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, insert

from grocer.analysis.bargains import detect_bargains
from grocer.api.compare_data import compare_products
from grocer.db.models import ProductLink
from tests.integration.bargains.factories import DAY0, daily, ingest, product_pk

AS_OF = DAY0 + timedelta(days=9)


def crackers(engine: Engine, tmp_path: Path) -> tuple[int, int]:
    """The same crackers under two names (no barcode, so two products): 2.00 at Coles, 4.00
    at IGA; returns the two product ids."""
    ingest(engine, tmp_path, [
        *daily("coles", "COL:401", "c1", [("2.00", 10)], name="Acme Rice Crackers Original"),
        *daily("iga", "14850", "i1", [("4.00", 10)], name="Acme Original Rice Cracker Snack"),
    ])  # fmt: skip
    return product_pk(engine, "coles", "c1"), product_pk(engine, "iga", "i1")


def link(engine: Engine, a: int, b: int) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(ProductLink).values(
                product_a=min(a, b), product_b=max(a, b), score=0.99, evidence="{}"
            )
        )


def test_linked_products_make_one_bargain_under_the_lowest_id(
    engine: Engine, tmp_path: Path
) -> None:
    coles, iga = crackers(engine, tmp_path)
    assert coles != iga
    assert detect_bargains(engine, as_of=AS_OF).bargains == []  # one zone each: no comparison
    link(engine, coles, iga)
    [bargain] = detect_bargains(engine, as_of=AS_OF).bargains
    assert bargain.product_id == min(coles, iga)
    assert (bargain.cheap.price, bargain.dear.price) == (Decimal("2.00"), Decimal("4.00"))
    assert bargain.discount == Decimal("0.5000")


def test_compare_shows_the_offers_of_linked_products(engine: Engine, tmp_path: Path) -> None:
    coles, iga = crackers(engine, tmp_path)
    with engine.connect() as connection:
        [alone], _ = compare_products(connection, [iga], AS_OF)
    assert [o["company"] for o in alone["offers"]] == ["iga"]
    link(engine, coles, iga)
    with engine.connect() as connection:
        items, missing = compare_products(connection, [iga, coles], AS_OF)
    assert missing == [] and [item["id"] for item in items] == [iga, coles]
    for item in items:
        assert {(o["company"], o["price"]) for o in item["offers"]} == {
            ("coles", 2.0),
            ("iga", 4.0),
        }
