"""The examples in docstrings hold: each module with one runs as a doctest."""

from __future__ import annotations

import doctest
import importlib

import pytest

from tests.prerequisites import ROOT

PACKAGE = ROOT / "grocer"


def modules_with_examples() -> list[str]:
    """Dotted names of the package's modules whose source holds a ``>>>`` example."""
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts or ">>> " not in path.read_text(encoding="utf-8"):
            continue
        relative = path.relative_to(ROOT).with_suffix("")
        names.append(".".join(relative.parts).removesuffix(".__init__"))
    return names


@pytest.mark.parametrize("name", modules_with_examples())
def test_the_docstring_examples_hold(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
