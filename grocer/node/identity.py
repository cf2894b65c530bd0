"""What code a node runs: the checkout's git SHA, marked dirty by a hash of its changes.

Two nodes dispatch each other's work only when they run the same code (and the database has
their schema), so a modified tree gets ``<sha>-dirty-<hash of git diff HEAD>``: two different
modifications of one commit differ.  No Scrapy or Scrapyd here: the dispatcher imports it.
"""

from __future__ import annotations

import hashlib
import subprocess
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout holding the grocer package


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, check=True, text=True
    ).stdout


@cache
def code_version() -> str:
    """The checkout's commit SHA, plus ``-dirty-<12 hex digits>`` when it has changes;
    ``unknown`` outside a git checkout."""
    try:
        sha = _git("rev-parse", "HEAD").strip()
        diff = _git("diff", "HEAD", "--binary")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    if not diff:
        return sha
    return f"{sha}-dirty-{hashlib.sha256(diff.encode()).hexdigest()[:12]}"
