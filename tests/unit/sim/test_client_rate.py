"""The simulator's per-client limit: parsing ``client_rate`` and its one-second window."""

from __future__ import annotations

import pytest

from grocer.sim.client_rate import ClientWindows
from grocer.sim.faults import FaultInjector, parse_faults


def test_client_rate_parsing() -> None:
    faults = parse_faults("aldi:client_rate=4,latency=0")
    assert faults["aldi"].client_rate == 4 and faults["coles"].client_rate == 0
    assert all(f.client_rate == 2 for f in parse_faults("client_rate=2").values())
    assert parse_faults({"aldi": {"client_rate": 3}})["aldi"].as_dict()["client_rate"] == 3
    for bad in ("aldi:client_rate=0", "aldi:client_rate=1.5", "client_rate=-1", "client_rate=x"):
        with pytest.raises(ValueError, match="client_rate"):
            parse_faults(bad)


def test_a_sliding_one_second_window_per_client_and_retailer() -> None:
    now = [100.0]
    windows = ClientWindows(lambda: now[0])
    a, b = ("127.0.0.2", "aldi"), ("127.0.0.3", "aldi")
    assert [windows.admit(a, 2) for _ in range(3)] == [True, True, False]
    assert windows.admit(b, 2) and windows.admit(("127.0.0.2", "coles"), 2)
    now[0] += 0.5
    assert not windows.admit(a, 2)  # refusals do not count, the first two still do
    now[0] += 0.5  # the first two leave the window
    assert [windows.admit(a, 2) for _ in range(3)] == [True, True, False]


def test_the_injector_admits_only_retailers_with_a_limit() -> None:
    injector = FaultInjector("aldi:client_rate=1")
    assert injector.admit("aldi", "127.0.0.2") and not injector.admit("aldi", "127.0.0.2")
    assert injector.admit("aldi", "127.0.0.3")
    assert all(injector.admit("coles", "127.0.0.2") for _ in range(5))
