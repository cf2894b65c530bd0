"""The checks judging a crawl run, as pure functions of its crawler stats.

Each check reads the stats of the whole run (the run lifecycle adds the counters of earlier
attempts, and what history expects of the run, at open) and returns a :class:`CheckResult`
whose ``reason`` is one line with the figure.  Which checks apply depends on what was crawled
(:func:`checks_for`); the thresholds come from ``GROCER_CHECK_THRESHOLDS``
(:mod:`grocer.health.thresholds`).  The Spidermon suite in :mod:`grocer.crawl.monitors` runs
them when a crawl closes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from grocer.constants import BARCODE_RUN, LOCATOR_RUN, SAMPLE_RUN
from grocer.db.run_checks import CheckResult

Stats = Mapping[str, Any]

# What the run lifecycle puts into the stats at open (not added up over attempts).
EXPECTED_ITEMS = "grocer/checks/expected_items"  # median of recent runs, or the sample size
EXPECTED_STORES = "grocer/checks/expected_stores"  # the previous complete locator run's count
# What the validation pipeline counts.
PRODUCTS = "grocer/products"
VALID = "grocer/validate/ok"
REJECTED = "grocer/validate/rejected"
COVERAGE = "grocer/coverage"
STORES_SEEN = "grocer/stores/seen"
BLOCK_PAGES = "grocer/coles_session/block_pages"
HTTP_ERROR_CODES = ("403", "429", "500", "502", "503", "504", "520", "522", "524")

PRODUCT_COVERAGE = ("price", "unit_price", "size", "category")
COMMON = ("finish_reason", "error_logs", "http_errors", "validation")


def checks_for(kind: str, company: str) -> tuple[str, ...]:
    """The names of the checks that judge a run of ``kind`` (full, sample, barcodes,
    locator) for ``company``.

    Field coverage judges full runs only: a sample is a few categories' pages, whose mix is
    not the catalogue's (fresh food sold by weight has no size), so a healthy sample of 50
    can have half its unit prices missing.
    """
    challenges = ("coles_challenges",) if company == "coles" else ()
    if kind == LOCATOR_RUN:
        return (*COMMON, "store_count")
    if kind == BARCODE_RUN:
        return (*COMMON, *challenges, "coverage:barcode")
    if kind == SAMPLE_RUN:
        return (*COMMON, *challenges, "item_count")
    coverage = tuple(f"coverage:{field}" for field in PRODUCT_COVERAGE)
    return (*COMMON, *challenges, *coverage, "item_count")


def judge(name: str, stats: Stats, threshold: float) -> CheckResult:
    """The verdict of check ``name`` on ``stats`` with its ``threshold`` (a share, a count or
    the share of an expected count, as the check reads it)."""
    if name.startswith("coverage:"):
        return coverage(name.partition(":")[2], stats, threshold)
    return CHECKS[name](stats, threshold)


def finish_reason(stats: Stats, threshold: float) -> CheckResult:
    """The crawl finished by itself (not stopped, blocked or closed early)."""
    reason = stats.get("finish_reason")
    return CheckResult(
        "finish_reason", reason == "finished", reason, "finished",
        f"finish reason {reason or 'unknown'} (expected finished)",
    )  # fmt: skip


def error_logs(stats: Stats, threshold: float) -> CheckResult:
    """At most ``threshold`` ERROR or CRITICAL log lines."""
    count = int(stats.get("log_count/ERROR", 0)) + int(stats.get("log_count/CRITICAL", 0))
    return CheckResult(
        "error_logs", count <= threshold, count, threshold,
        f"{count} error log lines (at most {threshold:g})",
    )  # fmt: skip


def http_errors(stats: Stats, threshold: float) -> CheckResult:
    """At most ``threshold`` of the responses are 403, 429 or 5xx."""
    responses = int(stats.get("downloader/response_count", 0))
    bad = sum(
        int(stats.get(f"downloader/response_status_count/{code}", 0)) for code in HTTP_ERROR_CODES
    )
    return _share("http_errors", bad, responses, threshold, "responses were 403/429/5xx")


def coles_challenges(stats: Stats, threshold: float) -> CheckResult:
    """At most ``threshold`` block (challenge) pages per request."""
    requests = int(stats.get("downloader/request_count", 0))
    blocks = int(stats.get(BLOCK_PAGES, 0))
    return _share("coles_challenges", blocks, requests, threshold, "requests met a block page")


def validation(stats: Stats, threshold: float) -> CheckResult:
    """At most ``threshold`` of the records were rejected."""
    rejected = int(stats.get(REJECTED, 0))
    records = int(stats.get(VALID, 0)) + rejected
    return _share("validation", rejected, records, threshold, "records rejected")


def coverage(field: str, stats: Stats, threshold: float) -> CheckResult:
    """At least ``threshold`` of the accepted records have ``field``."""
    name = f"coverage:{field}"
    records = int(stats.get(VALID, 0))
    having = int(stats.get(f"{COVERAGE}/{field}", 0))
    if not records:
        return CheckResult(name, True, None, threshold, f"no records to judge {field} coverage")
    share = round(having / records, 4)
    return CheckResult(
        name, share >= threshold, share, threshold,
        f"{having}/{records} records with {field} ({share:.1%}, at least {threshold:.0%})",
    )  # fmt: skip


def item_count(stats: Stats, threshold: float) -> CheckResult:
    """At least ``threshold`` of the products expected (recent runs' median, or the sample
    size); no history: passes."""
    return _count("item_count", int(stats.get(PRODUCTS, 0)), stats.get(EXPECTED_ITEMS),
                  threshold, "products")  # fmt: skip


def store_count(stats: Stats, threshold: float) -> CheckResult:
    """At least ``threshold`` of the stores the previous complete locator run found."""
    return _count("store_count", int(stats.get(STORES_SEEN, 0)), stats.get(EXPECTED_STORES),
                  threshold, "stores")  # fmt: skip


def _share(name: str, part: int, whole: int, threshold: float, what: str) -> CheckResult:
    if not whole:
        return CheckResult(name, True, None, threshold, f"nothing to judge ({what}: 0 of 0)")
    share = round(part / whole, 4)
    return CheckResult(
        name, share <= threshold, share, threshold,
        f"{part}/{whole} {what} ({share:.1%}, at most {threshold:.0%})",
    )  # fmt: skip


def _count(name: str, value: int, expected: Any, share: float, what: str) -> CheckResult:
    if not expected:
        return CheckResult(name, True, value, None, f"{value} {what}; no history to judge by")
    least = round(share * float(expected))
    return CheckResult(
        name, value >= least, value, least,
        f"{value} {what}, expected at least {least} ({share:.0%} of {float(expected):g})",
    )  # fmt: skip


CHECKS: dict[str, Callable[[Stats, float], CheckResult]] = {
    "finish_reason": finish_reason,
    "error_logs": error_logs,
    "http_errors": http_errors,
    "coles_challenges": coles_challenges,
    "validation": validation,
    "item_count": item_count,
    "store_count": store_count,
}
