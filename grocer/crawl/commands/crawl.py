"""``scrapy crawl``, exiting with how the crawl's run ended.

0 ``complete``; 3 ``partial``; 1 ``failed`` or ``skipped`` (a store not crawlable, busy, or a
run that was not open to crawl); 130 ``interrupted`` (Ctrl-C, SIGTERM, a crawl that lost its
run or its database).  Scripts and the launcher need not read the database to know.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from grocer.constants import COMPLETE, FAILED, INTERRUPTED, PARTIAL, SKIPPED
from grocer.crawl.run import RunLifecycle

if TYPE_CHECKING:
    import argparse

EXIT_CODES = {COMPLETE: 0, PARTIAL: 3, FAILED: 1, SKIPPED: 1, INTERRUPTED: 130}


class Command(ScrapyCrawl):
    def short_desc(self) -> str:
        return "Crawl with a spider of the project; the exit code says how its run ended"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("name one spider: scrapy crawl <spider> -a store=<store id>")
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        lifecycle = crawler.get_extension(RunLifecycle) if crawler.crawling is not None else None
        self.exitcode = EXIT_CODES.get(lifecycle.outcome if lifecycle else FAILED, 1)
