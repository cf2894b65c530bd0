"""Crawls as subprocesses (``scrapy crawl``): launched, watched, timed out and stopped.

Running each crawl in its own process keeps the daemon free of reactor state and memory
growth.  Stopping sends one SIGINT (Scrapy's clean stop, so the job directory stays resumable),
then SIGKILL after a grace period.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from grocer.config import Config
from grocer.scheduler.planner import CrawlOrder

logger = logging.getLogger(__name__)


@dataclass
class RunningCrawl:
    spider: str
    order: CrawlOrder
    process: subprocess.Popen[bytes]
    started: float = field(default_factory=time.monotonic)
    interrupted_at: float | None = None


@dataclass(frozen=True)
class FinishedCrawl:
    spider: str
    order: CrawlOrder
    returncode: int
    seconds: float


class CrawlProcesses:
    """The crawl subprocesses of the daemon."""

    def __init__(
        self, *, env: dict[str, str], log_dir: Path, timeout: float, extra_args: list[str]
    ) -> None:
        self.env = {**env, "SCRAPY_SETTINGS_MODULE": "grocer.settings"}
        self.log_dir = log_dir
        self.timeout = timeout
        self.extra_args = extra_args
        self.running: dict[tuple[str, str], RunningCrawl] = {}

    def launch(
        self, order: CrawlOrder, spider: str | None = None, sample: int | None = None
    ) -> None:
        """Start ``scrapy crawl`` for an order (a sampled crawl with ``sample`` listings)."""
        spider = spider or order.company
        key = (spider, order.store_id)
        if key in self.running:
            return
        self.log_dir.mkdir(parents=True, exist_ok=True)
        safe = order.store_id.replace(":", "_")
        log = (self.log_dir / f"{spider}-{safe}.log").open("ab")
        command = [
            sys.executable, "-m", "scrapy", "crawl", spider, "-a", f"store={order.store_id}",
            *(["-a", f"sample={sample}"] if sample else []), *self.extra_args,
        ]  # fmt: skip
        process = subprocess.Popen(command, env=self.env, stdout=log, stderr=log)
        log.close()
        self.running[key] = RunningCrawl(spider, order, process)
        logger.info(
            "launched %s for %s %s (%s)", spider, order.company, order.store_id, order.reason
        )

    def per_company(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for crawl in self.running.values():
            counts[crawl.order.company] = counts.get(crawl.order.company, 0) + 1
        return counts

    def reap(self) -> list[FinishedCrawl]:
        """Collect finished crawls; interrupt those past the timeout."""
        finished = []
        now = time.monotonic()
        for key, crawl in list(self.running.items()):
            code = crawl.process.poll()
            if code is None:
                self._enforce_timeout(crawl, now)
                continue
            del self.running[key]
            finished.append(FinishedCrawl(crawl.spider, crawl.order, code, now - crawl.started))
            level = logging.INFO if code == 0 else logging.WARNING
            logger.log(level, "%s %s ended with code %s", crawl.spider, crawl.order.store_id, code)
        return finished

    def _enforce_timeout(self, crawl: RunningCrawl, now: float) -> None:
        if crawl.interrupted_at is None and now - crawl.started > self.timeout:
            logger.warning("%s %s timed out: stopping it", crawl.spider, crawl.order.store_id)
            crawl.process.send_signal(signal.SIGINT)
            crawl.interrupted_at = now
        elif crawl.interrupted_at is not None and now - crawl.interrupted_at > 60:
            crawl.process.kill()

    def stop_all(self, grace: float) -> None:
        """Let running crawls finish for ``grace`` seconds, then stop them cleanly (SIGINT),
        then kill what still runs; no process is left behind."""
        deadline = time.monotonic() + grace
        while self.running and time.monotonic() < deadline:
            self.reap()
            time.sleep(0.2)
        for crawl in self.running.values():
            crawl.process.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 30
        while self.running and time.monotonic() < deadline:
            self.reap()
            time.sleep(0.2)
        for crawl in self.running.values():
            crawl.process.kill()
            crawl.process.wait()
        self.running.clear()


def child_env(config: Config) -> dict[str, str]:
    """The daemon's environment for its crawls: its own, with the daemon's configuration
    (environment, database, data folder) passed on in ``GROCER_*`` variables."""
    env = dict(os.environ)
    env.update(
        GROCER_ENV=config.env,
        GROCER_DATABASE_URL=config.database_url,
        GROCER_DATA_DIR=str(config.data_dir),
    )
    return env
