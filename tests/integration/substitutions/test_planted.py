"""find_substitutions on a planted catalogue whose answer per level is known.

Expected (beside the data): Coles Full Cream Milk 2L / 1L -> level 1; Coles Full Cream Milk
2L / Coles Lactose Free Full Cream Milk 2L -> level 2; Aldi Farmdale Full Cream Milk 2L /
Coles Full Cream Milk 2L -> level 3 (Aldi "Milk" MATCHes Coles "Milk > Full Cream Milk");
Uncle Tobys / Carman's choc chip muesli bars -> level 4 (Coles "Lunch Box" and IGA "Muesli
Bars" share three barcoded products: CLOSE).  The dog food is nobody's substitute.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text, update

from grocer.analysis.substitutions import SubstitutionSettings, find_substitutions
from grocer.analysis.substitutions import run as run_module
from grocer.analysis.substitutions.closeness import size_distance
from grocer.analysis.substitutions.embeddings import Encoder
from grocer.analysis.substitutions.readers import find_products, substitutes_of
from grocer.db.models import AnalysisRun, CategoryLink, Embedding, Listing, Product, Substitution
from grocer.ingest.runner import ingest_files
from tests.integration.substitutions.conftest import gtin, write_snapshot

MILK = ["Dairy, Eggs & Fridge", "Milk", "Full Cream Milk"]
LUNCH = ["Pantry", "Snacks", "Lunch Box"]
BARS = ["Grocery", "Health", "Muesli Bars"]
SHARED = [  # listed by Coles (Lunch Box) and IGA (Muesli Bars) under one barcode each
    {"name": "Tiny Teddy Biscuits 6 Pack", "brand": "Arnott's", "size": "150g", "barcode": gtin(1)},
    {
        "name": "Le Snak Cheese Dip Crackers",
        "brand": "Arnott's",
        "size": "132g",
        "barcode": gtin(2),
    },
    {"name": "Roll-Ups Strawberry", "brand": "Uncle Tobys", "size": "94g", "barcode": gtin(3)},
]


def _ingest(engine: Engine, tmp_path: Path) -> None:
    coles = [
        {"name": "Full Cream Milk", "brand": "Coles", "size": "2L", "category_path": MILK},
        {"name": "Full Cream Milk", "brand": "Coles", "size": "1L", "category_path": MILK},
        {
            "name": "Lactose Free Full Cream Milk",
            "brand": "Coles",
            "size": "2L",
            "category_path": MILK,
        },
        {
            "name": "Choc Chip Muesli Bars",
            "brand": "Uncle Tobys",
            "size": "185g",
            "category_path": LUNCH,
        },
        *({**p, "category_path": LUNCH} for p in SHARED),
    ]
    aldi = [
        {
            "name": "Full Cream Milk 2L",
            "brand": "FARMDALE",
            "size": "2L",
            "category_path": ["Dairy, Eggs & Fridge", "Milk"],
        },
        {
            "name": "Dry Dog Food Chicken 3kg",
            "brand": "Prime Dog",
            "size": "3kg",
            "category_path": ["Pets", "Dogs & Puppy"],
        },
    ]
    iga = [
        {
            "name": "Carman's Choc Chip Muesli Bars",
            "brand": "Carman's",
            "size": "185g",
            "category_path": BARS,
        },
        *({**p, "category_path": BARS} for p in SHARED),
    ]
    ingest_files(
        engine,
        [
            write_snapshot(tmp_path / "coles.jsonl.gz", "coles", coles),
            write_snapshot(tmp_path / "aldi.jsonl.gz", "aldi", aldi),
            write_snapshot(tmp_path / "iga.jsonl.gz", "iga", iga),
        ],
    )


def _id(engine: Engine, name: str, size: str | None = None) -> int:
    with engine.connect() as connection:
        query = select(Product.id).where(Product.name == name)
        if size:
            query = query.where(Product.size_text == size)
        return int(connection.execute(query).scalar_one())


def _levels(engine: Engine) -> dict[tuple[int, int], int]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(Substitution.product_a, Substitution.product_b, Substitution.level)
        )
        return {(a, b): level for a, b, level in rows}


def _pair(x: int, y: int) -> tuple[int, int]:
    return (min(x, y), max(x, y))


def test_four_levels_on_planted_products(
    engine: Engine, tmp_path: Path, encoder: Encoder, capfd: pytest.CaptureFixture[str]
) -> None:
    _ingest(engine, tmp_path)
    summary = find_substitutions(engine, encoder=encoder)
    milk_2l = _id(engine, "Full Cream Milk", "2L")
    levels = _levels(engine)
    assert levels[_pair(milk_2l, _id(engine, "Full Cream Milk", "1L"))] == 1
    assert levels[_pair(milk_2l, _id(engine, "Lactose Free Full Cream Milk"))] == 2
    assert levels[_pair(milk_2l, _id(engine, "Full Cream Milk 2L"))] == 3
    bars = _pair(
        _id(engine, "Choc Chip Muesli Bars"), _id(engine, "Carman's Choc Chip Muesli Bars")
    )
    assert levels[bars] == 4
    dog = _id(engine, "Dry Dog Food Chicken 3kg")
    assert not [p for p in levels if dog in p]
    assert all(n > 0 for n in summary.pairs_by_level.values())
    assert {f"level_{n}" for n in (1, 2, 3, 4)} <= set(summary.seconds)
    with engine.connect() as connection:
        kinds = dict(
            connection.execute(
                select(CategoryLink.kind, func.count()).group_by(CategoryLink.kind)
            ).all()
        )
        run = connection.execute(
            select(AnalysisRun.kind, AnalysisRun.status, AnalysisRun.summary)
        ).one()
        assert connection.execute(select(func.count()).select_from(Embedding)).scalar_one() == 10
    assert kinds.get("MATCH", 0) >= 1 and kinds.get("CLOSE", 0) == 1
    assert (run.kind, run.status, run.summary["pairs"]) == ("subs", "ok", len(levels))
    assert "level 1" not in capfd.readouterr().err  # no progress line off a terminal


def test_rerun_replaces_and_encodes_only_renamed(
    engine: Engine, tmp_path: Path, encoder: Encoder
) -> None:
    _ingest(engine, tmp_path)
    first = find_substitutions(engine, encoder=encoder)
    assert 0 < first.encoded < 10  # ten products; equal names (w/o brand, size) encode once
    before = _levels(engine)
    second = find_substitutions(engine, encoder=encoder)
    assert second.encoded == 0
    assert _levels(engine) == before  # replaced, not appended
    with engine.begin() as connection:
        connection.execute(
            update(Product)
            .where(Product.name == "Roll-Ups Strawberry")
            .values(name="Roll-Ups Strawberry Twist")
        )
    third = find_substitutions(engine, encoder=encoder)
    assert third.encoded == 1
    with engine.connect() as connection:
        runs = connection.execute(select(AnalysisRun.kind, AnalysisRun.status)).all()
    assert runs == [("subs", "ok")] * 3


def test_failed_write_keeps_previous_substitutions(
    engine: Engine, tmp_path: Path, encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ingest(engine, tmp_path)
    find_substitutions(engine, encoder=encoder)
    before = _levels(engine)

    def broken(connection, table, rows):  # type: ignore[no-untyped-def]
        if table.name == "substitutions":
            raise RuntimeError("disk full")
        return original(connection, table, rows)

    original = run_module.insert_rows
    monkeypatch.setattr(run_module, "insert_rows", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        find_substitutions(engine, encoder=encoder)
    assert _levels(engine) == before
    with engine.connect() as connection:
        statuses = (
            connection.execute(select(AnalysisRun.status).order_by(AnalysisRun.id)).scalars().all()
        )
    assert statuses == ["ok", "failed"]


def test_at_most_n_per_product_per_level(engine: Engine, tmp_path: Path, encoder: Encoder) -> None:
    _ingest(engine, tmp_path)
    find_substitutions(engine, settings=SubstitutionSettings(max_per_level=1), encoder=encoder)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT p, level, count(*) FROM (SELECT product_a AS p, level FROM substitutions "
                "UNION ALL SELECT product_b, level FROM substitutions) AS s GROUP BY p, level"
            )
        ).all()
    assert rows and max(n for _, _, n in rows) == 1


def test_readers_order_by_level_then_size_closeness(
    engine: Engine, tmp_path: Path, encoder: Encoder
) -> None:
    _ingest(engine, tmp_path)
    find_substitutions(engine, encoder=encoder)
    with engine.connect() as connection:
        milk = find_products(connection, "coles full cream 2l")
        assert [p.label for p in milk] == [
            "Coles Full Cream Milk 2L",
            "Coles Lactose Free Full Cream Milk 2L",
        ]
        by_barcode = find_products(connection, gtin(1))
        assert [p.label for p in by_barcode] == ["Arnott's Tiny Teddy Biscuits 6 Pack 150g"]
        assert find_products(connection, str(milk[0].id))[0].id == milk[0].id
        subs = substitutes_of(connection, milk[0].id)
        shared = connection.execute(select(Listing.product_id)).scalars().all()
        sizes = dict(connection.execute(select(Product.id, Product.sizes)).all())
    assert shared
    assert [s.level for s in subs] == sorted(s.level for s in subs)
    assert subs[0].level == 1 and subs[0].retailers == "coles"
    own = sizes[milk[0].id]
    for a, b in zip(subs, subs[1:], strict=False):  # within a level, the closest size first
        closeness = (
            size_distance(own, sizes[a.product_id]),
            size_distance(own, sizes[b.product_id]),
        )
        assert (a.level, closeness[0]) <= (b.level, closeness[1])
