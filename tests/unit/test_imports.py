"""Every module of the package imports: a syntax error or a missing import anywhere fails."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import grocer

MODULES = sorted(
    name
    for _, name, _ in pkgutil.walk_packages(grocer.__path__, prefix="grocer.")
    if ".migrations" not in name
)


def test_the_package_has_its_parts() -> None:
    for part in ("grocer.cli", "grocer.config", "grocer.items", "grocer.db.models"):
        assert part in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_module_imports(name: str) -> None:
    importlib.import_module(name)


def test_the_schema_revision_is_the_migrations_head() -> None:
    """Crawls compare the database with SCHEMA_REVISION instead of loading the scripts."""
    from grocer.db.migrate import SCHEMA_REVISION, head_revision

    assert head_revision() == SCHEMA_REVISION


def test_the_analysis_facade_exposes_its_entry_points() -> None:
    import grocer.analysis as analysis

    for name in analysis.__all__:
        assert callable(getattr(analysis, name)), name
    with pytest.raises(AttributeError):
        analysis.no_such_entry_point  # noqa: B018
