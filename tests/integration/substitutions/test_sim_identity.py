"""grocer's identity against the simulator's own truth (``GET /_sim/identity``; the truth comes
from barcodes and a planted table, never from grocer's rules): what ``grocer.demo.STORES``
served on ``grocer.demo.START``, ingested, then ``grocer analyze subs``.  Every planted
equivalent is one product or joined through ``product_links``; no decoy is; every planted
substitute is at its level or closer and not joined; the demo's substitute examples show
their closest sizes first."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from grocer.analysis.identity.evaluate import Groups
from grocer.analysis.substitutions import find_substitutions
from grocer.analysis.substitutions.closeness import size_distance
from grocer.analysis.substitutions.embeddings import Encoder
from grocer.analysis.substitutions.readers import find_products, substitutes_of
from grocer.db.engine import make_engine
from grocer.db.models import Company, Listing, Product, ProductLink, Substitution
from grocer.demo import START, STORES, SUBSTITUTE_EXAMPLES
from grocer.ingest.runner import ingest_files
from grocer.sim.server import SimulatorServer
from tests.integration.bargains.simdata import write_truth

SIM = Path(__file__).resolve().parents[3] / "grocer" / "sim"


@dataclass
class Linked:
    """The fixture's listings (company, sku) -> product, products joined by links, levels."""

    product: dict[tuple[str, str], int]
    root: dict[object, object]  # product -> a product standing for its joined group
    levels: dict[tuple[int, int], int]
    truth: dict[str, Any]
    engine: Engine

    def of(self, ref: dict[str, str]) -> int:
        return self.product[(ref["company"], ref["sku"])]

    def joined(self, a: dict[str, str], b: dict[str, str]) -> bool:
        pa, pb = self.of(a), self.of(b)
        return self.root.get(pa, pa) == self.root.get(pb, pb)

    def level(self, a: dict[str, str], b: dict[str, str]) -> int | None:
        pa, pb = sorted((self.of(a), self.of(b)))
        return self.levels.get((pa, pb))


@pytest.fixture(scope="module")
def linked(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory, encoder: Encoder
) -> Iterator[Linked]:
    folder = tmp_path_factory.mktemp("sim-identity")
    path = folder / "grocer.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    sim = SimulatorServer(date=START.isoformat(), seed=0)  # its truth needs no server running
    feed = write_truth(sim, list(STORES), [START], folder / "served.jsonl", categories=True)
    engine = make_engine(f"sqlite:///{path}")
    report = ingest_files(engine, [feed])
    assert report.rejected_total == 0, report.rejected
    find_substitutions(engine, encoder=encoder)
    yield _read(engine, sim.identity())
    engine.dispose()


SHOWCASE = {  # grocer.demo.SUBSTITUTE_EXAMPLES -> the product the demo shows
    "a2 full cream milk 2l": "A2 Full Cream Milk 2L",
    "tim tam original": "Tim Tam Original Chocolate Biscuits 200g",
    "organic baked beans": "Organic Baked Beans in Tomato Sauce 420g",
}
BEANS_420G = ("CORALE", "Black & Gold", "Woolworths", "Watties")


def _read(engine: Engine, truth: dict[str, Any]) -> Linked:
    with engine.connect() as connection:
        rows = connection.execute(
            select(Company.slug, Listing.sku, Listing.product_id).join(
                Company, Company.id == Listing.company_id
            )
        ).all()
        links = connection.execute(select(ProductLink.product_a, ProductLink.product_b)).all()
        levels = connection.execute(
            select(Substitution.product_a, Substitution.product_b, Substitution.level)
        ).all()
    groups = Groups()
    for a, b in links:
        groups.join(a, b)
    root = {node: groups.find(node) for node in list(groups.parent)}
    return Linked(
        {(slug, sku): product for slug, sku, product in rows},
        root,
        {(a, b): level for a, b, level in levels},
        truth,
        engine,
    )


def test_every_planted_equivalent_is_one_product_or_joined(linked: Linked) -> None:
    checked, missed = 0, []
    for group in linked.truth["equivalents"]:
        present = [ref for ref in group if (ref["company"], ref["sku"]) in linked.product]
        if len(present) < 2:
            continue  # served only by stores outside the demo's
        checked += 1
        if not all(linked.joined(present[0], other) for other in present[1:]):
            missed.append(present)
    assert checked > 2500
    assert missed == []


def test_no_decoy_is_joined_and_substitutes_keep_their_level(linked: Linked) -> None:
    decoys = linked.truth["decoys"]
    assert len(decoys) >= 6 and {d["kind"] for d in decoys} == {
        "same_name_other_size", "same_size_other_variety",
    }  # fmt: skip
    for decoy in decoys:
        assert not linked.joined(decoy["a"], decoy["b"]), decoy
    substitutes = linked.truth["substitutes"]
    assert len(substitutes) >= 5
    for pair in substitutes:
        assert not linked.joined(pair["a"], pair["b"]), pair
        found = linked.level(pair["a"], pair["b"])
        assert found is not None and found <= pair["level"], (pair, found)


def test_the_simulator_does_not_use_grocers_identity() -> None:
    """Nothing in grocer/sim imports grocer.normalize.product (the matching key)."""
    for path in sorted(SIM.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert node.module != "grocer.normalize.product", path
                names = {f"{node.module}.{alias.name}" for alias in node.names}
                assert "grocer.normalize.product" not in names, path
            elif isinstance(node, ast.Import):
                assert all(a.name != "grocer.normalize.product" for a in node.names), path


def test_the_demo_shows_its_examples_closest_size_first(linked: Linked) -> None:
    assert set(SHOWCASE) == set(SUBSTITUTE_EXAMPLES)
    with linked.engine.connect() as connection:
        for query, name in SHOWCASE.items():
            (found,) = find_products(connection, query, limit=1)
            assert name in found.label, (query, found.label)
            own = connection.execute(
                select(Product.sizes).where(Product.id == found.id)
            ).scalar_one()
            rows = substitutes_of(connection, found.id)
            assert rows, query
            sizes = dict(
                connection.execute(
                    select(Product.id, Product.sizes).where(
                        Product.id.in_([r.product_id for r in rows])
                    )
                ).all()
            )
            for before, after in zip(rows, rows[1:], strict=False):
                if before.level == after.level:  # never a farther size before a closer one
                    assert size_distance(own, sizes[before.product_id]) <= size_distance(
                        own, sizes[after.product_id]
                    ), (query, before.label, after.label)
            if query == "organic baked beans":
                beans = [r for r in rows if r.level <= 3 and "420g" in r.label.replace(" ", "")]
                assert sum(any(b in r.label for r in beans) for b in BEANS_420G) >= 3, rows
            if query == "a2 full cream milk 2l":
                farmdale = [r.label for r in rows if r.label.startswith("FARMDALE Full Cream")]
                assert farmdale and "2L" in farmdale[0], farmdale
