"""``grocer analyze subs`` and ``grocer subs PRODUCT`` on a temporary database."""

from __future__ import annotations

from pathlib import Path

import pytest

from grocer.cli import main
from tests.integration.substitutions.conftest import write_snapshot


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
    assert lines[0].endswith("FARMDALE Full Cream Milk 1L 1L")
    assert lines[1].split()[0] == "L1" and "aldi" in lines[1] and "Full Cream Milk 2L" in lines[1]
    assert main(["subs", "no such thing"]) == 1
