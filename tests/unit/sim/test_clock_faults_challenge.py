"""The simulated clock, fault decisions and the Coles challenge arithmetic."""

from __future__ import annotations

from datetime import date
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

import pytest

from grocer.constants import STATE_TIMEZONES
from grocer.sim.challenge import SessionGuard, fnv1a
from grocer.sim.clock import SimClock, price_week
from grocer.sim.faults import MAX_CONSECUTIVE, FaultInjector, parse_faults


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_clock_frozen_and_advancing() -> None:
    fake = FakeTime()
    frozen = SimClock(date(2025, 9, 17), None, monotonic=fake)
    fake.now += 10**6
    assert frozen.today() == date(2025, 9, 17)
    moving = SimClock(date(2025, 9, 17), 2.0, monotonic=fake)
    fake.now += 5.0
    assert moving.today() == date(2025, 9, 19)
    moving.set(date(2025, 10, 1), day_seconds=None)
    fake.now += 100
    assert moving.today() == date(2025, 10, 1)
    assert moving.advance(3) == date(2025, 10, 4)


def test_date_header_is_the_simulated_date_in_every_australian_zone() -> None:
    header = SimClock(date(2025, 12, 31)).http_date()
    assert header == "Wed, 31 Dec 2025 02:00:00 GMT"
    moment = parsedate_to_datetime(header)
    for zone in set(STATE_TIMEZONES.values()):
        assert moment.astimezone(ZoneInfo(zone)).date() == date(2025, 12, 31)


def test_price_week_starts_on_wednesday() -> None:
    assert price_week(date(2025, 9, 23)) == date(2025, 9, 17)  # a Tuesday
    assert price_week(date(2025, 9, 24)) == date(2025, 9, 24)


def test_fault_spec_parsing() -> None:
    faults = parse_faults(
        "aldi:429=0.05,woolworths:truncated=0.02,coles:wrong_store=0.01,latency=20ms"
    )
    assert faults["aldi"].rates == {"429": 0.05}
    assert faults["woolworths"].rates == {"truncated": 0.02}
    assert faults["coles"].rates == {"wrong_store": 0.01}
    assert all(f.latency == 0.02 for f in faults.values())
    as_dict = parse_faults({"iga": {"503": 0.5}, "aldi:drop": 0.1})
    assert as_dict["iga"].rates == {"503": 0.5} and as_dict["aldi"].rates == {"drop": 0.1}
    for bad in ("aldi:teapot=0.1", "lidl:429=0.1", "aldi:429=2", "aldi:429"):
        with pytest.raises(ValueError):
            parse_faults(bad)


def test_faults_are_deterministic_and_retries_succeed() -> None:
    def run(seed: int) -> list[str | None]:
        injector = FaultInjector("aldi:429=0.6,aldi:503=0.3", seed=seed)
        return [injector.decide("aldi", f"GET /page/{i % 7}") for i in range(200)]

    assert run(1) == run(1)
    assert run(1) != run(2)
    injector = FaultInjector("aldi:503=1.0", seed=3)
    outcomes = [injector.decide("aldi", "GET /same") for _ in range(MAX_CONSECUTIVE + 1)]
    assert outcomes[-1] is None and all(outcomes[:-1])
    assert FaultInjector(None).decide("aldi", "GET /x") is None


def test_challenge_answer_and_session_budget() -> None:
    assert fnv1a("") == 2166136261 and fnv1a("a") == 0xE40C292C  # FNV-1a test vectors
    guard = SessionGuard(seed=0, requests_per_session=3)
    page = guard.challenge_page()
    nonce = page.split('var n = "')[1].split('"')[0]
    assert guard.solved(f"{nonce}.{fnv1a(nonce):x}")
    assert not guard.solved(f"{nonce}.{fnv1a(nonce) ^ 1:x}")
    assert not guard.solved(f"1-forgedsig.{fnv1a('1-forgedsig'):x}")
    token = guard.open_session()
    assert [guard.spend(token) for _ in range(4)] == [True, True, True, False]
    assert not guard.spend("made-up")
