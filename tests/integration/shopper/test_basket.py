"""``grocer basket`` on a small priced catalogue (SQLite and PostgreSQL through the library,
SQLite through the CLI): amounts served by whole packs, the split against one store."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from grocer.cli import main
from grocer.db.models import Store
from grocer.shopper.basket import plan_basket
from grocer.shopper.shopping_list import parse_list
from tests.integration.bargains.factories import DAY0, daily, ingest, store_pk

POINT = (-34.93, 138.60)
AS_OF = DAY0 + timedelta(days=2)


def shop(engine: Engine, tmp_path: Path) -> None:
    """Coles (1 km away) sells 2 L milk and bread at 2.00; Aldi (2 km) 1 L milk and the same
    bread at 2.50."""
    ingest(engine, tmp_path, [
        *daily("coles", "COL:401", "c1", [("3.10", 3)], name="Acme Milk 2L", size="2L"),
        *daily("coles", "COL:401", "c2", [("2.00", 3)], name="Acme Bread", size="700g"),
        *daily("aldi", "G102", "a1", [("1.70", 3)], name="Farm Milk 1L", brand="Farm",
               size="1L"),
        *daily("aldi", "G102", "a2", [("2.50", 3)], name="Acme Bread", size="700g"),
    ])  # fmt: skip
    with engine.begin() as connection:
        for company, store, lat in (("coles", "COL:401", -34.939), ("aldi", "G102", -34.948)):
            connection.execute(
                update(Store)
                .where(Store.id == store_pk(engine, company, store))
                .values(latitude=lat, longitude=POINT[1])
            )


def test_milk_by_the_litre_and_the_cheapest_split(engine: Engine, tmp_path: Path) -> None:
    shop(engine, tmp_path)
    lines = parse_list("acme milk 3L\nacme bread\nfarm milk 3L\n# done\nunicorn steak\n")
    with engine.connect() as connection:
        answer = plan_basket(connection, lines, lat=POINT[0], lon=POINT[1], radius_km=5,
                             max_stores=2, as_of=AS_OF)  # fmt: skip
    by_text = {line["text"]: line for line in answer["lines"]}
    assert (by_text["acme milk 3L"]["packs"], by_text["acme milk 3L"]["cost"]) == (2, 6.2)
    assert (by_text["farm milk 3L"]["packs"], by_text["farm milk 3L"]["cost"]) == (3, 5.1)
    assert by_text["acme bread"]["cost"] == 2.0  # at Coles
    assert answer["unavailable"] == ["unicorn steak"]
    assert answer["total"] == pytest.approx(13.3)
    single = answer["single_store"]  # each store sells two lines: Aldi's two cost less
    assert single["uncovered"] == ["acme milk 3L", "unicorn steak"]
    assert single["total"] == pytest.approx(7.6)
    assert answer["saving"] == pytest.approx(0.5)  # the bread, over the lines both cover
    assert answer["solver"] == {"status": "optimal", "gap": 0.0}


def test_the_cli_prints_the_same_object(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from grocer.db.engine import make_engine
    from grocer.db.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'basket.sqlite3'}"
    upgrade(url).dispose()
    engine = make_engine(url)
    shop(engine, tmp_path)
    engine.dispose()
    monkeypatch.setenv("GROCER_DATABASE_URL", url)
    listing = tmp_path / "list.txt"
    listing.write_text("acme milk 3L\nacme bread\n")
    argv = ["basket", str(listing), "--lat", str(POINT[0]), "--lon", str(POINT[1]),
            "--as-of", AS_OF.isoformat(), "--max-stores", "1", "--json"]  # fmt: skip
    assert main(argv) == 0
    answer = json.loads(capsys.readouterr().out)
    assert [s["company"] for s in answer["stores"]] == ["coles"]
    assert answer["total"] == pytest.approx(8.2)
    listing.write_text("acme milk 3L x2\n")
    assert main(argv) == 2
    assert "line 1" in capsys.readouterr().err
