"""The zones report: text per company and a PNG map, from the current memberships."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from grocer.analysis.zones.maintain import maintain_zones
from grocer.analysis.zones.report import render_map, render_text, zones_report
from tests.unit.zones.factories import catalogue, ingest_snapshots

DAY = date(2025, 9, 18)


def test_report_lists_zones_and_draws_them(engine: Engine, tmp_path: Path) -> None:
    zone = catalogue(300)
    qld = {i: p * 2 for i, p in zone.items()}  # another zone's price list
    ingest_snapshots(engine, tmp_path, [("G001", DAY, zone), ("G002", DAY, zone)])
    ingest_snapshots(engine, tmp_path, [("G003", DAY, qld)], state="qld")
    ingest_snapshots(engine, tmp_path, [("999", DAY, zone)], company="iga", state="sa")
    maintain_zones(engine, as_of=DAY)
    with engine.connect() as connection:
        report = zones_report(connection)
        assert [len(z.stores) for z in report.companies["aldi"]] == [2, 1]  # largest first
        assert zones_report(connection, companies=["iga"]).companies.keys() == {"iga"}
    text = render_text(report)
    assert "aldi: 2 zones, 3 stores" in text
    assert "anchor G001" in text and "members     1  states NSW" in text
    assert "iga: 1 zones, 1 stores" in text
    png = render_map(report, tmp_path / "out" / "zones.png")
    assert png.read_bytes()[:4] == b"\x89PNG"
