"""The crawl-health checks judge a run's stats (pure functions, no crawl)."""

from __future__ import annotations

import pytest

from grocer.health.checks import checks_for, judge
from grocer.health.thresholds import ThresholdError, parse_thresholds, threshold_for

HEALTHY = {
    "finish_reason": "finished",
    "downloader/request_count": 200,
    "downloader/response_count": 200,
    "downloader/response_status_count/200": 196,
    "downloader/response_status_count/429": 4,
    "grocer/products": 1000,
    "grocer/validate/ok": 990,
    "grocer/validate/rejected": 10,
    "grocer/coverage/price": 990,
    "grocer/coverage/unit_price": 950,
    "grocer/coverage/size": 980,
    "grocer/coverage/category": 990,
    "grocer/checks/expected_items": 1100,
}


def test_a_healthy_run_passes_every_check_of_its_kind() -> None:
    thresholds = parse_thresholds(None)
    for name in checks_for("full", "aldi"):
        result = judge(name, HEALTHY, threshold_for(thresholds, name, "aldi"))
        assert result.passed, result.reason


def test_checks_depend_on_what_was_crawled() -> None:
    assert "coles_challenges" in checks_for("full", "coles")
    assert "coles_challenges" not in checks_for("full", "aldi")
    assert "store_count" in checks_for("locator", "aldi")
    assert "item_count" not in checks_for("locator", "aldi")
    assert checks_for("barcodes", "coles")[-1] == "coverage:barcode"
    assert "coverage:price" not in checks_for("barcodes", "coles")
    assert "coverage:size" not in checks_for("sample", "aldi")  # a sample's mix is no catalogue's
    assert "item_count" in checks_for("sample", "aldi")


def test_a_thin_run_fails_item_count_with_the_figure() -> None:
    thin = {**HEALTHY, "grocer/products": 500}
    result = judge("item_count", thin, 0.75)
    assert not result.passed
    assert (result.value, result.threshold) == (500, 825)
    assert "500 products" in result.reason and "825" in result.reason


def test_item_count_without_history_passes_with_no_threshold() -> None:
    first = {k: v for k, v in HEALTHY.items() if k != "grocer/checks/expected_items"}
    result = judge("item_count", first, 0.75)
    assert result.passed and result.threshold is None


def test_shares_of_errors_rejections_and_challenges() -> None:
    storm = {**HEALTHY, "downloader/response_status_count/429": 150}
    result = judge("http_errors", storm, 0.2)
    assert not result.passed and result.value == 0.75
    assert "150/200" in result.reason
    rejected = {**HEALTHY, "grocer/validate/ok": 500, "grocer/validate/rejected": 500}
    assert judge("validation", rejected, 0.02).value == 0.5
    blocked = {**HEALTHY, "grocer/coles_session/block_pages": 80}
    assert not judge("coles_challenges", blocked, 0.2).passed


def test_coverage_is_the_share_of_accepted_records_with_the_field() -> None:
    lost = {**HEALTHY, "grocer/coverage/unit_price": 0}
    result = judge("coverage:unit_price", lost, 0.8)
    assert not result.passed and result.value == 0.0
    assert judge("coverage:barcode", {"grocer/validate/ok": 0}, 0.1).value is None


def test_finish_reason_and_error_logs() -> None:
    closed = {**HEALTHY, "finish_reason": "store_mismatch", "log_count/ERROR": 2}
    assert not judge("finish_reason", closed, 0).passed
    result = judge("error_logs", closed, 0)
    assert not result.passed and result.value == 2


def test_thresholds_are_given_per_check_and_per_company() -> None:
    thresholds = parse_thresholds('{"item_count": 0.5, "coverage:size": {"aldi": 0.99}}')
    assert threshold_for(thresholds, "item_count", "coles") == 0.5
    assert threshold_for(thresholds, "coverage:size", "aldi") == 0.99
    assert threshold_for(thresholds, "coverage:size", "coles") == 0.8  # the default stays
    assert threshold_for(thresholds, "validation", "iga") == 0.02


@pytest.mark.parametrize(
    "given, message",
    [
        ('{"item_cuont": 0.5}', "no check named"),
        ('{"validation": 2}', "is a share"),
        ('{"error_logs": "none"}', "must be a number"),
        ("{not json", "not JSON"),
    ],
)
def test_bad_thresholds_say_what_is_wrong(given: str, message: str) -> None:
    with pytest.raises(ThresholdError, match=message):
        parse_thresholds(given)
