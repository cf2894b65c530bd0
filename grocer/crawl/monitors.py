"""The crawl-health checks as a Spidermon suite, run when a crawl closes.

``SPIDERMON_SPIDER_CLOSE_MONITORS`` names :class:`CrawlHealthSuite` for every spider (retailer,
locator and barcode crawls).  Each monitor runs one check of :mod:`grocer.health.checks` on the
crawler stats (the whole run's: the run lifecycle loaded earlier attempts' counters and what
history expects at open) with its threshold from ``GROCER_CHECK_THRESHOLDS``, hands the verdict
to the run lifecycle, which writes it to ``run_checks`` and lets a failed check make a finished
run ``partial``, and fails in Spidermon's own report with the verdict's one-line reason.  A
check that does not apply to the run (``coles_challenges`` off Coles, ``item_count`` for a
locator) is skipped; so is every check of a crawl whose run never opened.
"""

from __future__ import annotations

import warnings
from functools import cached_property

from scrapy.exceptions import ScrapyDeprecationWarning
from spidermon import Monitor, MonitorSuite, monitors

from grocer.crawl.run import RunLifecycle, run_lifecycle
from grocer.health.checks import checks_for, judge
from grocer.health.thresholds import threshold_for

# unittest leaves this module's frames out of a failure's report: Spidermon logs a failed
# check as its one-line reason, not a traceback.
__unittest = True
# Spidermon's report logs through Spider.log(), which Scrapy deprecates: a warning per crawl.
warnings.filterwarnings(
    "ignore", message=r"Spider\.log\(\) is deprecated", category=ScrapyDeprecationWarning,
    module=r"spidermon\.",
)  # fmt: skip


class RunCheck(Monitor):
    """Runs one named check on the crawl's stats (see the module)."""

    @cached_property
    def lifecycle(self) -> RunLifecycle:
        return run_lifecycle(self.data.crawler)

    def check(self, name: str) -> None:
        lifecycle = self.lifecycle
        if lifecycle.attempt is None or lifecycle.run_kind is None:
            self.skipTest("the crawl's run never opened")
        company = self.data.spider.company
        if name not in checks_for(lifecycle.run_kind, company):
            self.skipTest(f"not a check of a {lifecycle.run_kind} {company} crawl")
        threshold = threshold_for(lifecycle.thresholds, name, company)
        result = judge(name, self.data.stats, threshold)
        lifecycle.record_check(result)
        if not result.passed:
            self.fail(result.reason)


@monitors.name("crawl health")
class CrawlHealthMonitor(RunCheck):
    """grocer's checks of a crawl run."""

    @monitors.name("finish_reason")
    def test_finish_reason(self) -> None:
        self.check("finish_reason")

    @monitors.name("error_logs")
    def test_error_logs(self) -> None:
        self.check("error_logs")

    @monitors.name("http_errors")
    def test_http_errors(self) -> None:
        self.check("http_errors")

    @monitors.name("coles_challenges")
    def test_coles_challenges(self) -> None:
        self.check("coles_challenges")

    @monitors.name("validation")
    def test_validation(self) -> None:
        self.check("validation")

    @monitors.name("coverage:price")
    def test_coverage_price(self) -> None:
        self.check("coverage:price")

    @monitors.name("coverage:unit_price")
    def test_coverage_unit_price(self) -> None:
        self.check("coverage:unit_price")

    @monitors.name("coverage:size")
    def test_coverage_size(self) -> None:
        self.check("coverage:size")

    @monitors.name("coverage:category")
    def test_coverage_category(self) -> None:
        self.check("coverage:category")

    @monitors.name("coverage:barcode")
    def test_coverage_barcode(self) -> None:
        self.check("coverage:barcode")

    @monitors.name("item_count")
    def test_item_count(self) -> None:
        self.check("item_count")

    @monitors.name("store_count")
    def test_store_count(self) -> None:
        self.check("store_count")


class CrawlHealthSuite(MonitorSuite):
    """Every check of :mod:`grocer.health.checks` that applies to the crawl."""

    monitors = [CrawlHealthMonitor]
