"""GROCER_FRESH_DAYS and GROCER_DAEMON_HEARTBEAT_LIMIT: what an operator may write, and the
error a bad value gets."""

from __future__ import annotations

import pytest

from grocer.health.freshness import FreshDaysError, fresh_days, parse_fresh_days
from grocer.health.status import heartbeat_limit


def test_unset_means_seven_days_for_every_company() -> None:
    assert fresh_days("coles", {}) == 7
    assert fresh_days("aldi", {"GROCER_FRESH_DAYS": "  "}) == 7


def test_a_number_applies_to_every_company() -> None:
    assert fresh_days("coles", {"GROCER_FRESH_DAYS": "3"}) == 3
    assert fresh_days("iga", {"GROCER_FRESH_DAYS": "3"}) == 3


def test_json_gives_companies_their_own_days_and_the_rest_the_default() -> None:
    environ = {"GROCER_FRESH_DAYS": '{"default": 10, "coles": 3}'}
    assert fresh_days("coles", environ) == 3
    assert fresh_days("woolworths", environ) == 10
    # no "default": the built-in 7 stands for the companies not named
    assert fresh_days("aldi", {"GROCER_FRESH_DAYS": '{"coles": 2}'}) == 7
    assert parse_fresh_days('{"coles": 2}') == {"default": 7, "coles": 2}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("soon", "whole number of days"),
        ("-1", "whole number of days"),
        ("2.5", "whole number of days"),
        ('{"default": "x"}', '"default"'),
        ('{"coles": true}', '"coles"'),
        ('{"lidl": 3}', "unknown key(s) lidl"),
        ("{not json", "not valid JSON"),
    ],
)
def test_a_bad_value_is_a_clear_error_naming_the_variable(text: str, says: str) -> None:
    with pytest.raises(FreshDaysError) as raised:
        fresh_days("coles", {"GROCER_FRESH_DAYS": text})
    assert "GROCER_FRESH_DAYS" in str(raised.value)
    assert says in str(raised.value)


def test_the_heartbeat_limit_defaults_to_five_minutes_and_refuses_nonsense() -> None:
    assert heartbeat_limit({}) == 300
    assert heartbeat_limit({"GROCER_DAEMON_HEARTBEAT_LIMIT": "45"}) == 45
    for bad in ("soon", "0", "-5"):
        with pytest.raises(ValueError, match="GROCER_DAEMON_HEARTBEAT_LIMIT"):
            heartbeat_limit({"GROCER_DAEMON_HEARTBEAT_LIMIT": bad})
