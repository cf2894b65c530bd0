"""A test missing a prerequisite skips on a developer's machine and fails in CI."""

from __future__ import annotations

import pytest

from tests import prerequisites


def test_a_missing_prerequisite_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prerequisites, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="no such thing"):
        prerequisites.missing("no such thing")


def test_a_missing_prerequisite_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prerequisites, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="no such thing"):
        prerequisites.missing("no such thing")


def test_postgres_must_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prerequisites, "IN_CI", True)
    monkeypatch.setenv("GROCER_TEST_POSTGRES_URL", "postgresql://nobody@127.0.0.1:9/none")
    with pytest.raises(pytest.fail.Exception, match="does not answer"):
        prerequisites.require_postgres()
