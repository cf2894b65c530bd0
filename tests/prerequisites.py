"""What some tests need beyond the package: the corpus, Chromium, PostgreSQL.

Where one is missing the test is skipped on a developer's machine; with ``CI`` set (``.ci/run``
exports ``CI=true``) it fails instead, so a missing install cannot hide behind a skip.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.getenv("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing(what: str) -> NoReturn:
    """Skip the test for want of ``what``; fail it when ``CI`` is set."""
    if IN_CI:
        pytest.fail(f"{what} (CI is set: a missing prerequisite fails the test)", pytrace=False)
    pytest.skip(what)


def require_corpus() -> Path:
    """``../shared/corpus``."""
    if not CORPUS.is_dir():
        missing("../shared/corpus is not present")
    return CORPUS


def require_chromium() -> Path:
    """Debian's Chromium (the Coles browser session, browser tests)."""
    if not CHROMIUM.exists():
        missing(f"no Chromium at {CHROMIUM}")
    return CHROMIUM


def require_postgres() -> str:
    """The URL of a PostgreSQL server that answers (``GROCER_TEST_POSTGRES_URL``)."""
    url = os.getenv("GROCER_TEST_POSTGRES_URL")
    if not url:
        missing("GROCER_TEST_POSTGRES_URL is not set")
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    try:
        psycopg.connect(
            host=parsed.host, port=parsed.port, user=parsed.username,
            password=parsed.password, dbname=parsed.database, connect_timeout=5,
        ).close()  # fmt: skip
    except psycopg.OperationalError as error:
        missing(f"PostgreSQL at GROCER_TEST_POSTGRES_URL does not answer: {error}")
    return url
