"""Analysis never imports Scrapy (DESIGN §1): checked in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys


def test_substitutions_do_not_import_scrapy() -> None:
    code = (
        "import sys, grocer.analysis.substitutions, grocer.analysis.substitutions.truth, "
        "grocer.analysis.substitutions.readers; print('scrapy' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
