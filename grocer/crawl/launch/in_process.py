"""Many stores' crawls in this process: Scrapy's ``CrawlerProcess``, one crawler per run.

A sampled crawl is a dozen requests; a ``scrapy crawl`` process per store would spend more on
starting Python and Scrapy than on crawling.  Each run still gets its own crawler, spider,
pipelines and run lifecycle, exactly as ``scrapy crawl -a _job=<run id>`` would give it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from grocer.crawl.launch import PlannedRun, crawl_arguments


def crawl_in_process(
    spider: str,
    planned: Sequence[PlannedRun],
    *,
    args: Mapping[str, Any] | None = None,
    settings: Mapping[str, Any] | None = None,
    parallel: int = 4,
    on_done: Callable[[PlannedRun, str], None] | None = None,
) -> None:
    """Crawl each planned run with ``spider`` here, ``parallel`` at a time; blocks until all
    are done.  ``on_done(run, finish_reason)`` is called as each one ends."""
    project = Settings()
    project.setmodule("grocer.settings", priority="project")
    # The caller's logging stays as it is (``grocer`` configures the root logger itself), and
    # so does its progress line: one for the batch, none per crawl.
    project.setdict(
        {"LOG_INSTALL_ROOT_HANDLER": False, "GROCER_PROGRESS": False, **(settings or {})},
        priority="cmdline",
    )
    process = CrawlerProcess(project)
    queue: Iterator[PlannedRun] = iter(planned)

    def start_next() -> None:
        run = next(queue, None)
        if run is None:
            return
        crawler: Crawler = process.create_crawler(spider)
        deferred = process.crawl(crawler, **crawl_arguments(run, args))

        def finished(outcome: Any) -> Any:
            stats = crawler.stats.get_stats() if crawler.stats else {}
            if on_done is not None:
                on_done(run, str(stats.get("finish_reason") or "error"))
            start_next()
            return None  # a failed crawl is recorded on its run; the batch goes on

        deferred.addBoth(finished)

    for _ in range(max(1, parallel)):
        start_next()
    process.start()
