"""The daemon's analysis steps, through the :mod:`grocer.analysis` facade."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Engine

AnalysisJob = Callable[[Engine, date], Any]


def analysis_jobs() -> dict[str, AnalysisJob]:
    """Zone maintenance, bargains and substitutions, each as of the daemon's today."""
    from grocer.analysis import detect_bargains, find_substitutions, group_price_zones

    return {
        "zones": lambda engine, today: group_price_zones(engine, as_of=today),
        "bargains": lambda engine, today: detect_bargains(engine, as_of=today),
        "subs": lambda engine, today: find_substitutions(engine),
    }
