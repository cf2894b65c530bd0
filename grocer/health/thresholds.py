"""The thresholds of the crawl-health checks: ``GROCER_CHECK_THRESHOLDS``.

A JSON object (a Scrapy setting, ``-s GROCER_CHECK_THRESHOLDS='{...}'``, or the environment
variable of that name) mapping a check's name to a number, or to ``{"default": x,
"<company>": y}``.  What is given replaces the defaults check by check.  Shares are 0-1:
``http_errors``, ``coles_challenges`` and ``validation`` are the most that may go wrong,
``coverage:*`` the least share of records that must have the field, ``item_count`` and
``store_count`` the share of the expected count; ``error_logs`` is a number of log lines.

The coverage defaults catch a parser that lost a field, not a thin catalogue: on the real
captures (``../shared/corpus``) price is on 97-100% of products, unit price 95-100%, size
96-100%, category 100%, and a barcode on 59% of Coles product pages (25% in the simulator).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

Thresholds = dict[str, dict[str, float]]

DEFAULTS: Mapping[str, float | Mapping[str, float]] = {
    "error_logs": 0,
    "http_errors": 0.2,
    "coles_challenges": 0.2,
    "validation": 0.02,
    "coverage:price": 0.9,
    "coverage:unit_price": 0.8,
    "coverage:size": 0.8,
    "coverage:category": 0.9,
    "coverage:barcode": 0.1,
    "item_count": 0.75,
    "store_count": 0.75,
}
SHARES = frozenset(DEFAULTS) - {"error_logs"}


class ThresholdError(ValueError):
    """``GROCER_CHECK_THRESHOLDS`` is not what it must be."""


def parse_thresholds(given: str | Mapping[str, Any] | None) -> Thresholds:
    """The thresholds: the defaults, with ``given`` (JSON text or a mapping) laid over them.

    Raises:
        ThresholdError: unknown check, a value that is no number, a share outside 0-1.
    """
    if isinstance(given, str):
        try:
            given = json.loads(given) if given.strip() else {}
        except json.JSONDecodeError as error:
            raise ThresholdError(f"GROCER_CHECK_THRESHOLDS is not JSON: {error}") from None
    if not isinstance(given, Mapping | None):
        raise ThresholdError("GROCER_CHECK_THRESHOLDS must be a JSON object")
    result: Thresholds = {}
    for name, value in {**DEFAULTS, **(given or {})}.items():
        if name not in DEFAULTS:
            raise ThresholdError(f"GROCER_CHECK_THRESHOLDS: no check named {name!r}")
        per_company = dict(value) if isinstance(value, Mapping) else {"default": value}
        if "default" not in per_company:
            default = DEFAULTS[name]
            per_company["default"] = default["default"] if isinstance(default, Mapping) else default
        result[name] = {company: _number(name, v) for company, v in per_company.items()}
    return result


def threshold_for(thresholds: Thresholds, name: str, company: str) -> float:
    """The threshold of check ``name`` for ``company`` (0 for a check that takes none, such as
    ``finish_reason``)."""
    per_company = thresholds.get(name)
    if per_company is None:
        return 0.0
    return per_company.get(company, per_company["default"])


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ThresholdError(f"GROCER_CHECK_THRESHOLDS: {name} must be a number, not {value!r}")
    if name in SHARES and not 0 <= value <= 1:
        raise ThresholdError(f"GROCER_CHECK_THRESHOLDS: {name} is a share (0-1), not {value}")
    return float(value)
