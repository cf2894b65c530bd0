"""The local launcher: a ``scrapy crawl`` subprocess per run, or a batch in this process.

A subprocess per crawl keeps the daemon free of reactor state and memory growth; the run's id
goes to the crawl as ``-a _job=<id>``.  Stopping sends one SIGINT (Scrapy's clean stop, so the
run is ``interrupted`` and its job directory resumable), then SIGKILL after a grace period.  A
process that exits without closing its run (killed hard) leaves the run ``interrupted``
(``failed`` if it never opened it), which :meth:`LocalLauncher.poll` records.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from grocer.config import Config
from grocer.constants import FAILED, INTERRUPTED, PENDING, RUNNING
from grocer.crawl.launch import PlannedRun, crawl_arguments, plan_runs
from grocer.crawl.launch.in_process import crawl_in_process
from grocer.db import runs
from grocer.db.transactions import in_transaction

logger = logging.getLogger(__name__)

KILL_AFTER_S = 60.0  # after a SIGINT, a crawl still running is killed


def child_env(config: Config) -> dict[str, str]:
    """The environment of crawl processes: this one's, with grocer's configuration
    (environment, simulator, database, data folder) passed on in ``GROCER_*`` variables."""
    env = dict(os.environ)
    env.update(
        GROCER_ENV=config.env,
        GROCER_SIM_URL=config.sim_url,
        GROCER_DATABASE_URL=config.database_url,
        GROCER_DATA_DIR=str(config.data_dir),
        SCRAPY_SETTINGS_MODULE="grocer.settings",
    )
    return env


@dataclass
class _Process:
    """A crawl process of a run: a child of this launcher, or one adopted from an earlier
    launcher (a daemon restarted while its crawls ran on)."""

    run: PlannedRun
    spider: str
    popen: subprocess.Popen[bytes] | None
    pid: int
    started: float = field(default_factory=time.monotonic)
    interrupted_at: float | None = None

    def exit_code(self) -> int | None:
        """The exit code once ended (-1 for an adopted process: not ours to wait for)."""
        if self.popen is not None:
            return self.popen.poll()
        return None if runs.process_alive(self.pid) else -1

    def signal(self, sig: signal.Signals) -> None:
        try:
            os.kill(self.pid, sig)
        except ProcessLookupError:
            pass


class LocalLauncher:
    """Runs crawls on this machine (see the module).

    Args:
        engine: the database the runs live in.
        config: grocer's configuration, passed on to the crawls.
        log_dir: where each crawl process writes its log.
        scrapy_args: extra ``scrapy crawl`` arguments (``-s NAME=VALUE`` ...).
        timeout: seconds after which a crawl process is stopped (SIGINT), None: never.
    """

    def __init__(
        self,
        engine: Engine,
        config: Config,
        *,
        log_dir: Path | None = None,
        scrapy_args: Sequence[str] = (),
        timeout: float | None = None,
    ) -> None:
        self.engine = engine
        self.config = config
        self.log_dir = log_dir or config.data_dir / "logs"
        self.scrapy_args = list(scrapy_args)
        self.timeout = timeout
        self.refused: dict[str, str] = {}  # store -> why, of the latest start()
        self.processes: dict[int, _Process] = {}

    # ------------------------------------------------------------------ starting

    def start(
        self,
        spider: str,
        stores: Sequence[str | None],
        args: Mapping[str, Any] | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> list[int]:
        """A ``pending`` run and a ``scrapy crawl`` subprocess per store; returns the ids."""
        planned, self.refused = plan_runs(self.engine, spider, stores, args or {})
        for run in planned:
            self._spawn(spider, run, args, settings)
        return [run.run_id for run in planned]

    def start_here(
        self,
        spider: str,
        stores: Sequence[str | None],
        args: Mapping[str, Any] | None = None,
        settings: Mapping[str, Any] | None = None,
        *,
        parallel: int = 4,
        on_done: Callable[[PlannedRun, str], None] | None = None,
    ) -> list[int]:
        """Like :meth:`start`, but crawl the batch in this process, ``parallel`` at a time
        (blocks until every crawl has ended)."""
        planned, self.refused = plan_runs(self.engine, spider, stores, args or {})
        os.environ.update(child_env(self.config))  # the crawls read their configuration here
        crawl_in_process(
            spider, planned, args=args, settings=settings, parallel=parallel, on_done=on_done
        )
        return [run.run_id for run in planned]

    def resume(self, run_id: int) -> None:
        """Crawl an interrupted or partial run again, under the same id."""
        with self.engine.connect() as connection:
            run = runs.get_run(connection, run_id)
        if run is None:
            raise ValueError(f"no crawl run {run_id}")
        if not in_transaction(self.engine, lambda c: runs.requeue(c, run_id)):
            raise ValueError(f"run {run_id} is {run.status}: only interrupted or partial resume")
        self._spawn(run.spider, PlannedRun(run_id, run.store_id), run.args, None)

    def launch_pending(self, run_id: int) -> None:
        """Crawl a ``pending`` run made earlier whose process never started."""
        with self.engine.connect() as connection:
            run = runs.get_run(connection, run_id)
        if run is None or run.status != PENDING:
            raise ValueError(f"run {run_id} is not pending")
        self._spawn(run.spider, PlannedRun(run_id, run.store_id), run.args, None)

    def adopt(self, run_id: int, pid: int, spider: str, store_id: str | None) -> None:
        """Watch a crawl process this launcher did not start (it outlived its launcher)."""
        process = _Process(PlannedRun(run_id, store_id), spider, None, pid)
        self.processes[run_id] = process
        logger.info("run %s: adopted %s %s (pid %s)", run_id, spider, store_id or "", pid)

    # ------------------------------------------------------------------ the daemon's surface

    def take_over(self) -> list[runs.LaunchedRun]:
        """At a daemon's start: crawls of this host that outlived the last daemon are watched,
        not started again; runs whose process is gone are interrupted (the daemon resumes
        them); pending runs whose process never started are started.  Returns the runs
        followed."""
        with self.engine.connect() as connection:
            found = runs.local_runs(connection, (RUNNING, PENDING), runs.this_host())
        followed = []
        for run in found:
            if run.status == RUNNING and run.pid and runs.process_alive(run.pid):
                self.adopt(run.id, run.pid, run.spider, run.store_id)
            elif run.status == RUNNING:
                in_transaction(
                    self.engine, lambda c, i=run.id: runs.mark_interrupted(c, i, "killed")
                )
                continue
            else:
                self.launch_pending(run.id)
            followed.append(run)
        return followed

    def tick(self) -> None:
        """Record how ended crawl processes left their runs, stop those past the timeout."""
        self.reap()

    def resumable(self) -> list[runs.LaunchedRun]:
        """Interrupted runs of this host whose process has ended."""
        with self.engine.connect() as connection:
            waiting = runs.local_runs(connection, (INTERRUPTED,), runs.this_host())
        return [run for run in waiting if run.id not in self.processes]

    def _spawn(
        self,
        spider: str,
        run: PlannedRun,
        args: Mapping[str, Any] | None,
        settings: Mapping[str, Any] | None,
    ) -> None:
        command = [sys.executable, "-m", "scrapy", "crawl", spider, *self.scrapy_args]
        for name, value in (settings or {}).items():
            command += ["-s", f"{name}={value}"]
        for name, value in crawl_arguments(run, args).items():
            command += ["-a", f"{name}={value}"]
        self.log_dir.mkdir(parents=True, exist_ok=True)
        store = (run.store_id or "all").replace(":", "_")
        with (self.log_dir / f"{spider}-{store}-{run.run_id}.log").open("ab") as log:
            popen = subprocess.Popen(command, env=child_env(self.config), stdout=log, stderr=log)
        self.processes[run.run_id] = _Process(run, spider, popen, popen.pid)
        logger.info("run %s: %s %s started (pid %s)", run.run_id, spider, store, popen.pid)

    # ------------------------------------------------------------------ watching

    def poll(self, run_ids: Iterable[int]) -> dict[int, str]:
        """Each run's status, after recording how crawl processes that ended left it."""
        self.reap()
        ids = list(run_ids)
        with self.engine.connect() as connection:
            return runs.statuses(connection, ids)

    def reap(self) -> list[int]:
        """Collect ended crawl processes (recording runs they left open), stop those past the
        timeout; returns the runs whose process ended."""
        ended = []
        now = time.monotonic()
        for run_id, process in list(self.processes.items()):
            code = process.exit_code()
            if code is None:
                self._enforce_timeout(process, now)
                continue
            del self.processes[run_id]
            ended.append(run_id)
            self._record_exit(run_id, code)
        return ended

    def _record_exit(self, run_id: int, code: int) -> None:
        with self.engine.connect() as connection:
            status = runs.statuses(connection, [run_id]).get(run_id)
        why = f"process exited with code {code}"
        if status == PENDING:  # it never opened its run
            in_transaction(
                self.engine, lambda c: runs.end_run(c, run_id, status=FAILED, reason="crashed")
            )
            logger.warning("run %s failed: %s before opening it", run_id, why)
        elif status == RUNNING:  # killed hard: resumable from its page marks
            in_transaction(self.engine, lambda c: runs.mark_interrupted(c, run_id, "killed"))
            logger.warning("run %s interrupted: %s", run_id, why)
        else:
            logger.info("run %s %s (%s)", run_id, status, why)

    def _enforce_timeout(self, process: _Process, now: float) -> None:
        if process.interrupted_at is None:
            if self.timeout is not None and now - process.started > self.timeout:
                logger.warning("run %s timed out: stopping it", process.run.run_id)
                self.interrupt(process.run.run_id)
        elif now - process.interrupted_at > KILL_AFTER_S:
            process.signal(signal.SIGKILL)

    def running(self) -> list[int]:
        """Runs whose crawl process is alive."""
        return [run_id for run_id, p in self.processes.items() if p.exit_code() is None]

    def wait(self, run_ids: Iterable[int], every: float = 0.2) -> dict[int, str]:
        """Wait until the runs' crawl processes have ended; returns their statuses."""
        ids = list(run_ids)
        while any(run_id in self.processes for run_id in ids):
            self.reap()
            time.sleep(every)
        return self.poll(ids)

    # ------------------------------------------------------------------ stopping

    def interrupt(self, run_id: int) -> None:
        """Stop a crawl cleanly (SIGINT): its run ends ``interrupted``, resumable."""
        process = self.processes.get(run_id)
        if process is not None and process.interrupted_at is None:
            process.signal(signal.SIGINT)
            process.interrupted_at = time.monotonic()

    def cancel(self, run_id: int) -> None:
        """The run ends ``failed`` (reason ``cancelled``) and its crawl is stopped."""
        in_transaction(
            self.engine,
            lambda c: runs.end_run(c, run_id, status=FAILED, reason=runs.CANCELLED),
        )
        self.interrupt(run_id)

    def stop_all(self, grace: float) -> None:
        """Let running crawls finish for ``grace`` seconds, then stop them cleanly (SIGINT),
        then kill what still runs; no process is left behind."""
        deadline = time.monotonic() + grace
        while self.processes and time.monotonic() < deadline:
            self.reap()
            time.sleep(0.2)
        for run_id in list(self.processes):
            self.interrupt(run_id)
        deadline = time.monotonic() + 30
        while self.processes and time.monotonic() < deadline:
            self.reap()
            time.sleep(0.2)
        for process in self.processes.values():
            process.signal(signal.SIGKILL)
            if process.popen is not None:
                process.popen.wait()
        deadline = time.monotonic() + 10
        while self.processes and time.monotonic() < deadline:
            self.reap()
            time.sleep(0.1)
