"""One Scrapy job directory per run (``jobs/<run id>``): resumable after Ctrl-C, discarded
after a hard kill.

Scrapy writes a job directory's queue state and ``spider.state`` only on a clean close, while
its ``requests.seen`` file already lists requests whose results were lost.  A directory
without ``spider.state`` is therefore the leftover of a hard kill (kill -9, power loss) and is
discarded: the run then resumes from the pages the database marked done.  A completed run
removes its directory, so the next crawl of the store starts fresh.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Self

from scrapy import signals

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

STATE_FILE = "spider.state"


@dataclass(frozen=True)
class JobDir:
    path: Path
    resumed: bool  # a previous attempt of this run left the directory
    discarded: bool  # ... and it was left by a hard kill, so Scrapy's state was dropped


def job_path(data_dir: Path, run_id: int) -> Path:
    """The job directory of a crawl run: one per run, wherever it was started from."""
    return data_dir / "jobs" / str(run_id)


def prepare(path: Path) -> JobDir:
    """Inspect a run's job directory before Scrapy opens it; discard a hard kill's leftover."""
    if not path.is_dir():
        return JobDir(path, resumed=False, discarded=False)
    if (path / STATE_FILE).is_file():
        return JobDir(path, resumed=True, discarded=False)
    logger.warning(
        "discarding %s: left by a crawl that was killed; resuming from the database", path
    )
    shutil.rmtree(path)
    return JobDir(path, resumed=True, discarded=True)


class JobDirCleanup:
    """Removes the job directory once the engine has stopped after a finished run."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_stopped(self) -> None:
        jobdir = self.crawler.settings.get("JOBDIR")
        stats = self.crawler.stats
        reason = stats.get_value("finish_reason") if stats is not None else None
        if jobdir and reason == "finished" and Path(jobdir).is_dir():
            shutil.rmtree(jobdir)
            logger.info("run complete: removed %s", jobdir)
