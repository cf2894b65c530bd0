"""Status, freshness and alerts run without Scrapy (the API and cron use them): building the
status object and an alert pass import none of it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.prerequisites import ROOT

CODE = """
import sys
from grocer.db.migrate import upgrade
from grocer.health.alerts import run_pass
from grocer.health.status import build_status
engine = upgrade(sys.argv[1])
with engine.connect() as connection:
    build_status(connection, environ={})
run_pass(engine, environ={})
print(sorted(m for m in sys.modules if m == "scrapy" or m.startswith("scrapy.")))
"""


def test_status_and_an_alert_pass_import_no_scrapy(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'grocer.sqlite3'}"
    done = subprocess.run(
        [sys.executable, "-c", CODE, url], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout[:300]
