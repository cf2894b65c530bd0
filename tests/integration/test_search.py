"""Product search (grocer/db/search.py) on SQLite (FTS5) and PostgreSQL (tsvector): word
prefixes, case and accents ignored alike, every word required; the index follows inserts and
merges, is rebuilt by ``grocer db rebuild-search`` and filled by migration 0008."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, select, text

from grocer.cli import main
from grocer.db.engine import make_engine
from grocer.db.merge import merge_products
from grocer.db.migrate import alembic_config, upgrade
from grocer.db.models import Brand, Product
from grocer.db.search import search_products
from grocer.ingest.runner import ingest_files
from grocer.normalize.text import ascii_fold
from tests.conftest import SAMPLES
from tests.postgres import scratch_database
from tests.prerequisites import require_postgres

QUERIES = (
    "choc", "CHOC", "Chocolate", "dairy milk", "cad choc", "nestle", "Nestlé", "lindt dark",
    "ready cook", "set…cook!", "12 pack", "arnott's", "arnotts", "kellogg", "coles", "zzz",
)  # fmt: skip

EXTRA = [
    ("1", "Crème Brûlée Dessert 2 Pack", "Nestlé"),
    ("2", "MILO Cereal 350g", "NESTLE"),
    ("3", "Coca-Cola Zero Sugar 1.25L", "Coca-Cola"),
    ("4", "Chocolate Éclair 4 Pack", "Bakers Delight"),
    ("5", "Dark Chocolate Block 200g", "Whittaker's"),
]


def found(connection: Connection, q: str | None) -> set[int]:
    """Ids of the products the search finds, used as a subquery as the API uses it."""
    statement = select(Product.id).where(Product.id.in_(search_products(connection, q)))
    return set(connection.execute(statement).scalars())


def names(connection: Connection, q: str) -> set[str]:
    statement = select(Product.name).where(Product.id.in_(search_products(connection, q)))
    return set(connection.execute(statement).scalars())


def expected(connection: Connection, q: str) -> set[int]:
    """The search's meaning computed in Python: each folded word of ``q`` starts a word of
    the folded name or brand (words split at every character that is not a letter or digit,
    or with the punctuation inside them dropped)."""

    def fold(value: str | None) -> set[str]:
        folded = ascii_fold(value or "").lower()
        return set(re.split(r"[^a-z0-9]+", folded)) | {
            re.sub(r"[^a-z0-9]", "", w) for w in folded.split()
        }

    terms = [re.sub(r"[^a-z0-9]", "", w) for w in ascii_fold(q).lower().split()]
    terms = [t for t in terms if t]
    rows = connection.execute(
        select(Product.id, Product.name, Brand.name).outerjoin(Brand, Brand.id == Product.brand_id)
    )
    return {
        pid
        for pid, name, brand in rows
        if all(any(w.startswith(t) for w in fold(name) | fold(brand)) for t in terms)
    }


def indexed_ids(connection: Connection) -> set[int]:
    """The products the index holds an entry for."""
    if connection.dialect.name == "sqlite":
        sql = "SELECT rowid FROM products_fts"
    else:
        sql = "SELECT id FROM products WHERE search IS NOT NULL"
    return set(connection.execute(text(sql)).scalars())


def product_ids(connection: Connection) -> set[int]:
    return set(connection.execute(select(Product.id)).scalars())


def records(path: Path, products: list[tuple[str, str, str]], **extra: object) -> Path:
    """A JSONL file of Aldi records at store G102 for (sku, name, brand) triples."""
    metadata = {"company": "aldi", "store_id": "G102", "state": "qld", "scraped_date": "2025-09-09"}
    lines = []
    for sku, name, brand in products:
        product = {"sku": sku, "name": name, "brand": brand, "price_current": 3.5, **extra}
        lines.append(json.dumps({"product": product, "metadata": metadata}))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_samples_match_word_prefixes_of_name_and_brand(engine: Engine) -> None:
    ingest_files(engine, sorted(SAMPLES.glob("*.jsonl.gz")))
    with engine.connect() as connection:
        assert indexed_ids(connection) == product_ids(connection)
        for q in QUERIES:
            assert found(connection, q) == expected(connection, q), q
        assert len(found(connection, "choc")) > 40
        assert found(connection, "choc") == found(connection, "CHOC")
        assert found(connection, "cad choc") < found(connection, "choc")  # every word required
        assert "Arnott's Chocolate Ripple" in names(connection, "arnott's")
        assert "Arnott's Chocolate Ripple" in names(connection, "ARNOTT")
        assert found(connection, "zzz") == set()
        # no letter or digit: no filter
        for q in ("", "  ", "!!", None):
            assert found(connection, q) == product_ids(connection)


def test_case_and_accents_are_ignored_alike(engine: Engine, tmp_path: Path) -> None:
    ingest_files(engine, [records(tmp_path / "extra.jsonl", EXTRA)])
    with engine.connect() as connection:
        assert names(connection, "nestle") == {"Crème Brûlée Dessert 2 Pack", "MILO Cereal 350g"}
        assert names(connection, "NESTLÉ") == names(connection, "nestle")
        assert names(connection, "creme brul") == {"Crème Brûlée Dessert 2 Pack"}
        assert names(connection, "CRÈME") == {"Crème Brûlée Dessert 2 Pack"}
        assert names(connection, "eclair") == {"Chocolate Éclair 4 Pack"}
        assert names(connection, "Écl") == {"Chocolate Éclair 4 Pack"}
        assert names(connection, "milo nestl") == {"MILO Cereal 350g"}
        assert names(connection, "cola") == {"Coca-Cola Zero Sugar 1.25L"}
        assert names(connection, "coca-cola zero") == {"Coca-Cola Zero Sugar 1.25L"}
        assert names(connection, "bakers choc") == {"Chocolate Éclair 4 Pack"}
        assert names(connection, "whittakers") == {"Dark Chocolate Block 200g"}
        assert names(connection, "choc") == {
            "Chocolate Éclair 4 Pack",
            "Dark Chocolate Block 200g",
        }
        assert names(connection, "bakers milo") == set()
        assert names(connection, "dessert sugar") == set()


def test_merged_products_leave_the_index(engine: Engine, tmp_path: Path) -> None:
    barcode = "9310631635078"
    # two products of the same barcode: the Aldi one learns it later and is merged away
    aldi = records(tmp_path / "aldi.jsonl", [("1", "Zanzibar Spice Mix 40g", "Spicery")])
    ingest_files(engine, [aldi])
    coles = tmp_path / "coles.jsonl"
    record = json.loads(records(coles, [("2", "Quokka Biscuits 200g", "Rottnest")]).read_text())
    record["product"]["barcode"] = barcode
    record["metadata"].update(company="coles", store_id="COL:401", state="sa")
    coles.write_text(json.dumps(record) + "\n")
    ingest_files(engine, [coles])
    with engine.connect() as connection:
        (zanzibar,) = found(connection, "zanzibar")
        (quokka,) = found(connection, "quokka")
    again = records(
        tmp_path / "aldi2.jsonl", [("1", "Zanzibar Spice Mix 40g", "Spicery")], barcode=barcode
    )
    report = ingest_files(engine, [again])
    assert report.errors == []
    with engine.connect() as connection:
        assert product_ids(connection) == {quokka}
        assert found(connection, "zanzibar") == set()
        assert found(connection, "quokka rottnest") == {quokka}
        assert indexed_ids(connection) == {quokka}
    assert zanzibar != quokka


def test_merge_products_drops_the_loser_in_its_transaction(engine: Engine) -> None:
    ingest_files(engine, [SAMPLES / "coles-firle-401-2025-09-23.jsonl.gz"])
    with engine.connect() as connection:
        lindt = sorted(found(connection, "lindt excellence"))
    survivor, loser = lindt[:2]
    with engine.begin() as connection:
        merge_products(connection, survivor, loser, reason="test")
    with engine.connect() as connection:
        assert found(connection, "lindt excellence") == set(lindt) - {loser}
        assert indexed_ids(connection) == product_ids(connection)
        for q in QUERIES:
            assert found(connection, q) == expected(connection, q), q


def test_rebuild_search_gives_the_same_results(
    engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ingest_files(engine, sorted(SAMPLES.glob("*.jsonl.gz")))
    with engine.connect() as connection:
        before = {q: found(connection, q) for q in QUERIES}
        count = len(product_ids(connection))
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.execute(text("DELETE FROM products_fts"))
        else:
            connection.execute(text("UPDATE products SET search = NULL"))
        assert found(connection, "choc") == set()
    monkeypatch.setenv("GROCER_DATABASE_URL", db_url)
    assert main(["db", "rebuild-search"]) == 0
    assert f"{count} products indexed" in capsys.readouterr().out
    with engine.connect() as connection:
        assert {q: found(connection, q) for q in QUERIES} == before
        assert indexed_ids(connection) == product_ids(connection)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def unmigrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database without a schema, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}"
        return
    with scratch_database(require_postgres(), migrate=False) as url:
        yield url


def test_migration_0008_indexes_existing_products(unmigrated_url: str) -> None:
    command.upgrade(alembic_config(unmigrated_url), "0007")
    engine = make_engine(unmigrated_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO brands (id, key, name, variations) "
                "VALUES (1, 'nestle', 'Nestlé', '[]')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO products (id, name, brand_id, sizes) VALUES "
                "(1, 'Crunch Chocolate Block', 1, ''), (2, 'Crème Fraîche 200ml', NULL, ''), "
                "(3, 'Dark Chocolate', NULL, '')"
            )
        )
    engine.dispose()
    engine = upgrade(unmigrated_url)
    try:
        with engine.connect() as connection:
            assert indexed_ids(connection) == {1, 2, 3}
            assert found(connection, "nestle choc") == {1}
            assert found(connection, "choc") == {1, 3}
            assert found(connection, "creme FRAI") == {2}
    finally:
        engine.dispose()
