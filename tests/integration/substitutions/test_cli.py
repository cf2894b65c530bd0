"""``grocer analyze subs`` and ``grocer subs PRODUCT`` on a temporary database."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from grocer.analysis.substitutions.misses import explain_misses
from grocer.analysis.substitutions.truth import barcode_pairs
from grocer.cli import main
from grocer.db.migrate import upgrade
from tests.integration.substitutions.conftest import gtin, write_snapshot


def test_analyze_then_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GROCER_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    milk = ["Dairy, Eggs & Fridge", "Milk"]
    path = write_snapshot(
        tmp_path / "aldi.jsonl.gz",
        "aldi",
        [
            {
                "name": "Full Cream Milk 1L",
                "brand": "FARMDALE",
                "size": "1L",
                "category_path": milk,
            },
            {
                "name": "Full Cream Milk 2L",
                "brand": "FARMDALE",
                "size": "2L",
                "category_path": milk,
            },
            {"name": "Light Milk 2L", "brand": "FARMDALE", "size": "2L", "category_path": milk},
        ],
    )
    assert main(["ingest", str(path)]) == 0
    assert main(["analyze", "subs"]) == 0
    out = capsys.readouterr().out
    assert "level 1:        1 pairs" in out
    assert main(["subs", "farmdale full cream 1l"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith(" FARMDALE Full Cream Milk 1L")  # brand and size said once
    assert lines[1].split()[0] == "L1" and "aldi" in lines[1] and "Full Cream Milk 2L" in lines[1]
    assert main(["subs", "no such thing"]) == 1


def test_analyze_reports_barcode_pairs_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--truth`` snapshots' shared barcodes give known-same pairs; the run summary reports
    how many ended as one product or as substitutes, though the ingested copies have none."""
    monkeypatch.setenv("GROCER_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    noodles = {"name": "2 Minute Noodles Chicken 5 Pack", "brand": "Maggi", "size": "360g"}
    iga_noodles = {"name": "Maggi 2 Minute Noodles Chicken", "brand": "Maggi", "size": "360g"}
    cocoa = {"name": "Cocoa Powder", "brand": "Cadbury", "size": "250g"}
    iga_cocoa = {"name": "Cadbury Bournville Cocoa", "brand": "Cadbury", "size": "Each"}
    # Unrelated category names: no MATCH link, so only levels 1 and 2 can pair them.
    listings = {
        "coles": ([noodles, cocoa], ["Pantry", "Noodles"]),
        "iga": ([iga_noodles, iga_cocoa], ["Household", "Cleaning"]),
    }
    truth, stripped = [], []
    for folder, barcodes in (("truth", True), ("stripped", False)):
        (tmp_path / folder).mkdir()
        for company, (rows, path) in listings.items():
            products = [
                {**row, "barcode": gtin(k) if barcodes else None, "category_path": path}
                for k, row in enumerate(rows)
            ]
            out = write_snapshot(tmp_path / folder / f"{company}.jsonl.gz", company, products)
            (truth if barcodes else stripped).append(str(out))
    assert main(["ingest", *stripped]) == 0
    capsys.readouterr()
    assert main(["analyze", "subs", "--truth", *truth]) == 0
    out = capsys.readouterr().out
    # The noodles are one product sold as a 5 pack (linked); the cocoa names differ.
    assert "barcode pairs found: 1/2 (50.0%; one product 0, linked 1, substitutes 0)" in out
    assert "joined listing pairs with known barcodes: 1, sharing them 1 (100.0%)" in out
    assert "same-product links: 1" in out
    engine = upgrade(f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    with engine.connect() as connection:
        misses = explain_misses(connection, barcode_pairs([Path(p) for p in truth]))
    engine.dispose()
    assert [(m.left.name, m.right.name, m.name, m.link) for m in misses] == [
        ("Cocoa Powder", "Cadbury Bournville Cocoa", "names differ", "-")
    ]


def test_analyze_reports_joined_pairs_whose_barcodes_differ(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two retailers' listings that ingest made one product (same name, brand and size) but
    whose hidden barcodes differ are a wrong join, and ``--truth`` counts it as one."""
    monkeypatch.setenv("GROCER_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    row = {"name": "Plain Naan", "brand": "Mission", "size": "210g", "category_path": ["Bakery"]}
    truth, stripped = [], []
    for folder, barcodes in (("truth", True), ("stripped", False)):
        (tmp_path / folder).mkdir()
        for k, company in enumerate(("coles", "iga")):
            product = {**row, "barcode": gtin(k + 1) if barcodes else None}
            out = write_snapshot(tmp_path / folder / f"{company}.jsonl.gz", company, [product])
            (truth if barcodes else stripped).append(str(out))
    assert main(["ingest", *stripped]) == 0
    assert main(["analyze", "subs", "--truth", *truth]) == 0
    out = capsys.readouterr().out
    assert "barcode pairs found: 0/0" in out
    assert "joined listing pairs with known barcodes: 1, sharing them 0 (0.0%)" in out


# grocer's console format (grocer.cli.main), so the lengths are of the lines a person reads.
CONSOLE = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
DUMP = re.compile(r"\{'|\[\(|\w+\(\w+=")  # a dict, a list of tuples, a dataclass repr


def test_analyze_prints_and_logs_short_lines(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every INFO line and printed line of ``grocer analyze subs`` is under 200 characters
    and no dump; each blocking rule is one sentence, its largest blocks at DEBUG only."""
    monkeypatch.setenv("GROCER_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    brand = "Grandma Extraordinarily Long Named Heritage Biscuit Bakers Of Tasmania And Victoria"
    biscuits = ["Pantry", "Biscuits & Crackers", "Sweet Biscuits"]
    products = [
        {
            "name": f"Biscuits {flavour} {size}",
            "brand": brand,
            "size": size,
            "category_path": biscuits,
        }
        for flavour in ("Chocolate Chip Shortbread Cream", "Vanilla Cream", "Lemon Cream")
        for size in ("200g", "400g")
    ]
    path = write_snapshot(tmp_path / "aldi.jsonl.gz", "aldi", products)
    assert main(["ingest", str(path)]) == 0
    capsys.readouterr()
    caplog.clear()
    caplog.set_level(logging.DEBUG)
    assert main(["analyze", "subs"]) == 0
    printed = capsys.readouterr().out.splitlines()
    info = [CONSOLE.format(r) for r in caplog.records if r.levelno >= logging.INFO]
    assert printed and info
    for line in [*printed, *info]:
        assert len(line) < 200, line
        assert not DUMP.search(line), line
    info_messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    sentences = [m for m in info_messages if " candidate pairs (" in m]
    assert len(sentences) == 5  # one per rule
    assert sentences[0].startswith("block_on(brand, first_word): 15 candidate pairs (15 new), ")
    assert sentences[0].endswith("largest block bakers biscuit extraordinaril… of 6 products")
    debug = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert any(m.startswith("largest block block_on(brand, first_word)") for m in debug)
    assert not any(m.startswith("largest block") for m in info_messages)
