"""Fixture loaders for the retailer parser tests: trimmed payloads and the shared corpus."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.prerequisites import require_corpus

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures"
CORPUS = ROOT.parent / "shared" / "corpus"


def capture_body(text: str) -> Any:
    """The JSON body of a browser "copy request" capture (URL, method, status, headers one per
    line, then the pretty-printed body): the first line opening a JSON document that decodes."""
    lines = text.splitlines(keepends=True)
    decoder = json.JSONDecoder()
    for index, line in enumerate(lines):
        if line.startswith(("{", "[")):
            try:
                body, _ = decoder.raw_decode("".join(lines[index:]))
            except json.JSONDecodeError:
                continue
            return body
    raise ValueError("no JSON body in capture")


@pytest.fixture
def fixture_text() -> Callable[[str], str]:
    """Read ``tests/fixtures/<name>`` as text."""
    return lambda name: (FIXTURES / name).read_text(encoding="utf-8")


@pytest.fixture
def fixture_json() -> Callable[[str], Any]:
    """Read ``tests/fixtures/<name>`` as JSON (a fresh object on every call)."""
    return lambda name: json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture
def corpus() -> Path:
    """The shared corpus directory (skipped where absent, failed in CI)."""
    return require_corpus()


@pytest.fixture
def corpus_text(corpus: Path) -> Callable[[str], str]:
    """Read a gzipped corpus file as text."""
    return lambda name: gzip.decompress((corpus / name).read_bytes()).decode("utf-8")


@pytest.fixture
def capture(corpus_text: Callable[[str], str]) -> Callable[[str], Any]:
    """The JSON body of ``api_captures/<name>``."""
    return lambda name: capture_body(corpus_text(f"api_captures/{name}"))
