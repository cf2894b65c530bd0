"""The one way crawls are started: a launcher makes each crawl's run row, then runs it.

Planning (the daemon, ``grocer crawl``, the demo) and running meet here.  A launcher's
:meth:`~Launcher.start` takes a spider and a batch of stores, creates a ``pending``
``crawl_runs`` row per store (a store the database knows as not crawlable is refused before
any row is made) and has each crawled with the run's id as the ``_job`` spider argument, the
name Scrapyd gives it; the crawl's run lifecycle (:mod:`grocer.crawl.run`) opens that row.
Outcomes are read from the database (:meth:`~Launcher.poll`), never from a process.

Implementations: :class:`~grocer.crawl.launch.local.LocalLauncher` (a ``scrapy crawl``
subprocess per store, or a batch in this process) and
:class:`~grocer.crawl.launch.scrapyd.ScrapydLauncher` (Scrapyd nodes).  The daemon drives
either through :class:`DaemonLauncher`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings
from sqlalchemy import Connection, Engine

from grocer.constants import FULL_RUN, SAMPLE_RUN
from grocer.db import runs
from grocer.db.store_rows import COMPANY_IDS, StoreRow, ensure_store, store_info
from grocer.db.transactions import in_transaction
from grocer.retailers.store_records import canonical_store_id

logger = logging.getLogger(__name__)


class Launcher(Protocol):
    """Starts crawls as runs and reports their statuses from the database."""

    def start(
        self,
        spider: str,
        stores: Sequence[str | None],
        args: Mapping[str, Any] | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> list[int]:
        """Create a ``pending`` run per store (None: a store locator's sweep) and crawl it;
        returns the run ids (refused stores get none)."""
        ...

    def resume(self, run_id: int) -> None:
        """Crawl an interrupted (or partial) run again under the same id."""
        ...

    def poll(self, run_ids: Iterable[int]) -> dict[int, str]:
        """Each run's status."""
        ...

    def cancel(self, run_id: int) -> None:
        """Stop a run for good: it ends ``failed`` (reason ``cancelled``), never resumed."""
        ...


class DaemonLauncher(Launcher, Protocol):
    """What the daemon needs of a launcher beyond :class:`Launcher`."""

    refused: dict[str, str]  # store -> why it was refused, of the latest start()

    def take_over(self) -> list[runs.LaunchedRun]:
        """At the daemon's start: the runs that outlived the last daemon, which the daemon
        follows (waiting ones are started)."""
        ...

    def tick(self) -> None:
        """The watch's work: ended crawls recorded, waiting runs started."""
        ...

    def resumable(self) -> list[runs.LaunchedRun]:
        """The interrupted runs the daemon resumes through this launcher."""
        ...

    def stop_all(self, grace: float) -> None:
        """The daemon stops: what the launcher must stop, stopped."""
        ...


@dataclass(frozen=True)
class PlannedRun:
    """A run made for a crawl: its id and the store it crawls (None for a locator)."""

    run_id: int
    store_id: str | None


def spider_class(name: str) -> type[Any]:
    """The spider class called ``name`` in grocer's spider modules."""
    return SpiderLoader.from_settings(get_project_settings()).load(name)


def run_kind(spider_cls: type[Any], args: Mapping[str, Any]) -> str:
    """The kind of run a crawl with these arguments makes."""
    kind = getattr(spider_cls, "run_kind", None)
    if isinstance(kind, str):
        return kind
    return SAMPLE_RUN if args.get("sample") else FULL_RUN


def plan_runs(
    engine: Engine,
    spider: str,
    stores: Sequence[str | None],
    args: Mapping[str, Any],
    node: str | None = runs.LOCAL,
) -> tuple[list[PlannedRun], dict[str, str]]:
    """Create a ``pending`` run per crawlable store (on ``node``; None: to be dispatched);
    returns the runs and, per refused store, why.

    Raises:
        ValueError: a store id the retailer cannot have (nothing is created then).
    """
    cls = spider_class(spider)
    company = cls.company
    kind = run_kind(cls, args)
    wanted = [canonical_store_id(company, s) if s is not None else None for s in stores]

    def make(connection: Connection) -> tuple[list[PlannedRun], dict[str, str]]:
        planned, refused = [], {}
        for store_id in wanted:
            store_pk = None
            if store_id is not None:
                info = store_info(connection, company, store_id)
                if info is not None and not info.crawlable:
                    refused[store_id] = f"not crawlable: {info.not_crawlable_reason}"
                    continue
                store_pk = ensure_store(connection, StoreRow(company, store_id))
            run_id = runs.create_run(
                connection, spider=spider, company_id=COMPANY_IDS[company], store_pk=store_pk,
                kind=kind, node=node, args=spider_arguments(args),
            )  # fmt: skip
            planned.append(PlannedRun(run_id, store_id))
        return planned, refused

    planned, refused = in_transaction(engine, make)
    for store_id, why in refused.items():
        logger.warning("%s %s refused: %s", spider, store_id, why)
    return planned, refused


def spider_arguments(args: Mapping[str, Any] | None) -> dict[str, str]:
    """Spider arguments as the texts ``-a NAME=VALUE`` passes (None values left out)."""
    return {k: str(v) for k, v in (args or {}).items() if v is not None}


def crawl_arguments(run: PlannedRun, args: Mapping[str, Any] | None) -> dict[str, str]:
    """The spider arguments of a run's crawl: its id as ``_job``, its store, the rest."""
    arguments = {"_job": str(run.run_id)}
    if run.store_id is not None:
        arguments["store"] = run.store_id
    arguments.update(spider_arguments(args))
    return arguments
