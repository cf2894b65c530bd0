"""The daemon's analysis steps, through the :mod:`grocer.analysis` facade."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

AnalysisJob = Callable[[Engine, date], Any]


def analysis_jobs() -> dict[str, AnalysisJob]:
    """Zone maintenance, bargains, price watches and substitutions, each as of the daemon's
    today."""
    from grocer.analysis import detect_bargains, find_substitutions, group_price_zones
    from grocer.shopper.watches import check_watches

    return {
        "zones": lambda engine, today: group_price_zones(engine, as_of=today),
        "bargains": lambda engine, today: detect_bargains(engine, as_of=today),
        "watches": lambda engine, today: check_watches(engine, as_of=today),
        "subs": lambda engine, today: find_substitutions(engine),
    }


def write_report(engine: Engine, as_of: date, out_dir: Path) -> Path:
    """Print the report as of ``as_of`` and return the path of its HTML page."""
    from grocer.analysis.report import build_report
    from grocer.analysis.report_text import report_lines

    report = build_report(engine, as_of=as_of, out_dir=out_dir)
    for line in report_lines(report):
        print(line)  # noqa: T201  (the report is the demo's output)
    assert report.html_path is not None
    return report.html_path
