"""Many stores' crawls in one process: Scrapy's ``CrawlerProcess`` running one spider per store,
a few at a time.

A sampled crawl is a dozen requests; a ``scrapy crawl`` process per store would spend more on
starting Python and Scrapy than on crawling.  Each store still gets its own crawler, spider,
pipelines and ``crawl_runs`` row, exactly as ``scrapy crawl`` would give it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings


@dataclass
class BatchResult:
    """How the crawls of a batch ended: finish reason -> stores."""

    finished: dict[str, list[str]] = field(default_factory=dict)

    def add(self, reason: str, store_id: str) -> None:
        self.finished.setdefault(reason, []).append(store_id)


def crawl_stores(
    spider: str,
    store_ids: Sequence[str],
    *,
    spider_args: dict[str, Any] | None = None,
    parallel: int = 4,
    settings: dict[str, Any] | None = None,
    on_done: Callable[[str, str], None] | None = None,
) -> BatchResult:
    """Crawl each store with ``spider`` in this process, ``parallel`` at a time; blocks until
    all are done.  ``on_done(store_id, finish_reason)`` is called as each one ends."""
    project = Settings()
    project.setmodule("grocer.settings", priority="project")
    # The caller's logging stays as it is (``grocer`` configures the root logger itself), and
    # so does its progress line: one for the batch, none per crawl.
    project.setdict(
        {"LOG_INSTALL_ROOT_HANDLER": False, "GROCER_PROGRESS": False, **(settings or {})},
        priority="cmdline",
    )
    process = CrawlerProcess(project)
    result = BatchResult()
    queue: Iterator[str] = iter(store_ids)

    def start_next() -> None:
        store_id = next(queue, None)
        if store_id is None:
            return
        crawler: Crawler = process.create_crawler(spider)
        deferred = process.crawl(crawler, store=store_id, **(spider_args or {}))

        def finished(outcome: Any) -> Any:
            stats = crawler.stats.get_stats() if crawler.stats else {}
            reason = str(stats.get("finish_reason") or "error")
            result.add(reason, store_id)
            if on_done is not None:
                on_done(store_id, reason)
            start_next()
            return None  # a failed crawl is counted, the batch goes on

        deferred.addBoth(finished)

    for _ in range(max(1, parallel)):
        start_next()
    process.start()
    return result
