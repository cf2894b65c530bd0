"""Watches over simulated days: the Coles store's served listings written through the writer
day by day from the simulator's start into the planted special week, ``grocer watch check``
after each.  A specials-only watch on the genuine half-price product alerts once, on its
special week; the same watch on the illusory special never alerts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from grocer.cli import main
from grocer.sim.server import SimulatorServer
from tests.integration.bargains.simdata import days, planted, write_truth
from tests.receiver import Receiver

STORE = ("coles", "COL:401")


def test_a_genuine_special_alerts_once_and_an_illusory_one_never(
    tmp_path: Path,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sim = SimulatorServer(date="2025-09-17", seed=0)  # its truth needs no server running
    genuine = planted(sim, "genuine_half_price")
    illusory = planted(sim, "illusory_special")
    skus = {genuine["listings"][0]["sku"], illusory["listings"][0]["sku"]}
    special_week = date.fromisoformat(genuine["dates"]["special_week"])
    operator = Receiver()
    monkeypatch.setenv("GROCER_DATABASE_URL", f"sqlite:///{tmp_path / 'watch.sqlite3'}")
    monkeypatch.setenv("GROCER_WATCH_ALERT_URLS", receiver.url)
    monkeypatch.setenv("GROCER_ALERT_URLS", operator.url)
    heard: dict[date, list[str]] = {}
    try:
        for n, day in enumerate(days("2025-09-17", "2025-10-04")):
            feed = write_truth(sim, [STORE], [day], tmp_path / f"{day}.jsonl", skus)
            assert main(["ingest", str(feed)]) == 0
            if n == 0:
                for case in (genuine, illusory):
                    barcode = case["listings"][0]["barcode"]
                    assert main(["watch", "add", barcode, "--specials-only"]) == 0
            assert main(["watch", "check", "--as-of", day.isoformat()]) == 0
            heard[day] = receiver.take()
        capsys.readouterr()
        assert operator.take() == []
    finally:
        operator.close()
    alerts = {day: messages for day, messages in heard.items() if messages}
    assert list(alerts) == [special_week]
    [message] = alerts[special_week]
    assert message.startswith(f"{genuine['listings'][0]['name']}: $7.50 (was $15.00)")
    assert main(["watch", "list", "--json"]) == 0
    listed = capsys.readouterr().out
    assert '"alert_open": true' in listed and '"alert_open": false' in listed
