"""Acceptance on the corpus snapshots: Aldi's state zones found, thin evidence not merged,
Coles and IGA alone, member rows retained away without losing a price, and the CLI."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from grocer.analysis.zones.maintain import maintain_zones
from grocer.cli import main
from grocer.db import queries
from grocer.ingest.runner import ingest_files
from tests.integration.test_corpus_ingest import corpus_files
from tests.integration.zones.lossless import assert_lossless, observed_prices
from tests.integration.zones.test_maintenance import zones

pytestmark = pytest.mark.slow

NSW = {"G391", "G467", "G501", "G517"}


def test_corpus_zones_and_lossless_retention(engine: Engine, corpus: Path) -> None:
    assert ingest_files(engine, corpus_files(corpus)).errors == []
    known = observed_prices(engine)
    with engine.connect() as connection:
        before = {r.store_id: r.rows for r in queries.count_prices_by_store(connection)}

    # 09-09: Carindale and the partial G700 (152 listings) are both current: too thin to merge
    summary = maintain_zones(engine, as_of=date(2025, 9, 9))
    assert summary.companies["aldi"].merges == 0
    assert summary.companies["aldi"].inconclusive == 1
    assert zones(engine)["G700"] == "G700"

    # 09-19: the four NSW stores are one zone; Nerang (QLD, same day) is not in it
    summary = maintain_zones(engine, as_of=date(2025, 9, 19))
    found = zones(engine)
    assert len({found[s] for s in NSW}) == 1
    assert found["G120"] not in {found[s] for s in NSW}
    assert summary.companies["aldi"].merges == 3
    assert_lossless(known, engine)

    # 09-23: Booval and Carindale (QLD) are one zone
    summary = maintain_zones(engine, as_of=date(2025, 9, 23))
    found = zones(engine)
    assert found["G107"] == found["G102"]
    assert found["G700"] == "G700" and found["G120"] == "G120"
    assert found["COL:401"] == "COL:401" and found["14850"] == "14850"  # Coles, IGA alone
    assert len(set(found.values())) == 6
    assert_lossless(known, engine)

    # members keep (near) zero rows: only listings their anchor lacks, or prices of their own
    with engine.connect() as connection:
        after = {r.store_id: r.rows for r in queries.count_prices_by_store(connection)}
    members = [s for s, anchor in found.items() if s != anchor]
    assert sorted(members) == ["G107", "G391", "G501", "G517"]
    for store in members:
        assert after[store] <= 0.03 * before[store], store
    for store, anchor in found.items():
        if store == anchor:
            assert after[store] == before[store]  # anchors keep every row


def test_cli_analyze_and_report(
    corpus: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GROCER_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    files = [str(p) for p in sorted((corpus / "aldi").glob("*2025-09-19.jsonl.gz"))]
    assert main(["ingest", *files]) == 0
    capsys.readouterr()
    assert main(["analyze", "zones", "--as-of", "2025-09-19", "--company", "aldi"]) == 0
    out = capsys.readouterr().out
    assert "zones as of 2025-09-19" in out
    aldi = next(line.split() for line in out.splitlines() if line.startswith("aldi"))
    assert aldi[1:5] == ["5", "2", "4", "3"]  # stores, groups, compared (1 anchor x 4), merges
    assert "merges 3, ejections 0" in out
    assert main(["zones", "report", "--out", str(tmp_path / "report")]) == 0
    out = capsys.readouterr().out
    assert "aldi: 2 zones, 5 stores" in out
    assert "members     3  states NSW" in out
    png = tmp_path / "report" / "zones.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["count-prices", "--by-store"]) == 0
    rows = {
        line.split()[1]: int(line.split()[-1])
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("aldi ")
    }
    assert sum(rows[s] for s in NSW) < 1.2 * max(rows[s] for s in NSW)
