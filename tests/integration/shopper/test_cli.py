"""``grocer watch``: add by id or barcode, list, remove; bad input gets a clear error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grocer.cli import main
from grocer.db.engine import make_engine
from grocer.db.migrate import upgrade
from tests.integration.bargains.factories import BARCODES, daily, ingest


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    upgrade(url).dispose()
    engine = make_engine(url)
    ingest(engine, tmp_path / "feed", daily("coles", "COL:401", "c1", [("4.00", 3)],
                                             barcode=BARCODES[0]))  # fmt: skip
    engine.dispose()
    monkeypatch.setenv("GROCER_DATABASE_URL", url)
    return tmp_path


def test_add_list_remove(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["watch", "add", BARCODES[0], "--below", "$3.50", "--lat", "-34.9",
                 "--lon", "138.6"]) == 0  # fmt: skip
    assert "watch 1: product 1" in capsys.readouterr().out
    assert main(["watch", "list", "--json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["below"] == 3.5 and listed["radius_km"] == 10.0  # the default radius
    assert listed["alert_open"] is False and listed["active"] is True
    assert main(["watch", "list"]) == 0
    assert "<= $3.50 within 10 km of -34.9,138.6  waiting" in capsys.readouterr().out
    assert main(["watch", "remove", "1"]) == 0
    assert main(["watch", "remove", "1"]) == 1
    assert "no watch 1" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "code", "error"),
    [
        (["watch", "add", "424242"], 1, "no product has id or barcode"),
        (["watch", "add", "1", "--lat", "-34.9"], 2, "give --lat and --lon together"),
        (["watch", "add", "1", "--radius-km", "5"], 2, "--radius-km needs --lat and --lon"),
    ],
)
def test_bad_watches_get_a_clear_error(
    database: Path, capsys: pytest.CaptureFixture[str], argv: list[str], code: int, error: str
) -> None:
    assert main(argv) == code
    assert error in capsys.readouterr().err


def test_a_price_that_is_not_one_is_refused(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["watch", "add", "1", "--below", "cheap"])
    assert exit_.value.code == 2
    assert "not a price: 'cheap'" in capsys.readouterr().err
