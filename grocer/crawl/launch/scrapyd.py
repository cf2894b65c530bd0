"""The Scrapyd launcher: crawls on Scrapyd nodes (``grocer node serve``), one database.

``GROCER_SCRAPYD_NODES`` names the nodes (``http://user:pass@host:6800``, comma separated).
:meth:`ScrapydLauncher.start` makes ``pending`` runs (no node yet) and dispatches each to the
matching, active node with the most free slots: ``schedule.json`` with ``jobid`` = the run
id (Scrapyd hands the spider ``_job``), the store and the spider arguments; the run's
``node`` is the node's URL without credentials.  A run no node has room for waits, no node,
for a later :meth:`~ScrapydLauncher.dispatch_pending`.

Nodes are refreshed from their ``/grocer.json`` into ``crawl_nodes``: a node running other
code (``git_sha``) or expecting another schema than the database's is ``mismatch``; a node
silent for ``GROCER_NODE_TIMEOUT`` seconds is ``lost``, and its pending runs go back to
dispatch (its running ones go stale and the daemon's sweep interrupts them; they are resumed
under the same id, on any node).  Free slots are counted from ``crawl_runs``, outcomes read
from the database; ``listjobs.json`` only tells whether a node still holds a job: a run
pending on a node that lists it neither pending nor running for ``GROCER_NODE_TIMEOUT``
seconds (the node restarted and forgot it) goes back to dispatch.

No secret goes to a node: Scrapyd shows arguments and settings in ``listjobs.json`` and its
log.  The database URL comes from the node's environment.
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Connection, Engine

from grocer.constants import FAILED, INTERRUPTED, PENDING, RUNNING
from grocer.crawl.launch import PlannedRun, crawl_arguments, plan_runs, spider_arguments
from grocer.crawl.launch.scrapyd_client import NodeClient, NodeError
from grocer.db import nodes, runs
from grocer.db.engine import display_url, is_sqlite
from grocer.db.leases import node_timeout
from grocer.db.migrate import current_revision
from grocer.db.nodes import ACTIVE, NodeRow, node_url_without_credentials
from grocer.db.transactions import in_transaction
from grocer.node.identity import code_version

logger = logging.getLogger(__name__)

NODES_ENV = "GROCER_SCRAPYD_NODES"
CANCEL_GRACE_ENV = "GROCER_CANCEL_GRACE"
DEFAULT_CANCEL_GRACE_S = 60.0
REFRESH_EVERY_S = 5.0  # nodes are asked again before a dispatch when older than this
MAX_FORGOTTEN = 3  # a run forgotten by its node this often without opening ends failed
NOT_STARTED = "not_started"  # its finish reason then
SECRET_NAMES = ("PASSWORD", "SECRET", "TOKEN", "DATABASE_URL", "CREDENTIAL", "_KEY")


def scrapyd_nodes(environ: Mapping[str, str] | None = None) -> list[str]:
    """The node URLs of ``GROCER_SCRAPYD_NODES`` (credentials kept: they authenticate).

    Raises:
        ValueError: an entry that is no node URL.
    """
    text = (os.environ if environ is None else environ).get(NODES_ENV, "")
    urls = [part.strip() for part in text.split(",") if part.strip()]
    for url in urls:
        node_url_without_credentials(url)  # raises on a bad one
    return urls


def cancel_grace(environ: Mapping[str, str] | None = None) -> float:
    """``GROCER_CANCEL_GRACE``: seconds between a cancel's SIGINT and its KILL."""
    text = (os.environ if environ is None else environ).get(CANCEL_GRACE_ENV, "").strip()
    return float(text) if text else DEFAULT_CANCEL_GRACE_S


def choose_node(
    candidates: Sequence[NodeRow], *, git_sha: str, schema_revision: str | None
) -> NodeRow | None:
    """The node a run goes to: among the active nodes running ``git_sha`` on
    ``schema_revision`` with a free slot, the one with the most; the first of equals."""
    best = None
    for node in candidates:
        if node.state != ACTIVE or node.drained or node.free <= 0:
            continue
        if node.git_sha != git_sha or node.schema_revision != schema_revision:
            continue
        if best is None or node.free > best.free:
            best = node
    return best


def check_public(values: Mapping[str, Any], what: str) -> None:
    """Refuse a secret among spider arguments or settings sent to a node.

    Raises:
        ValueError: a name that says secret, or a value that is a URL with credentials.
    """
    for name, value in values.items():
        if any(word in name.upper() for word in SECRET_NAMES) or nodes.CREDENTIALS.search(
            str(value)
        ):
            raise ValueError(
                f"{what} {name}: no secret goes to a Scrapyd node (listjobs.json and its log "
                "show arguments and settings); the node's environment has them"
            )


class ScrapydLauncher:
    """Runs crawls on Scrapyd nodes (see the module).

    Args:
        engine: the database the runs live in; PostgreSQL when there is more than one node.
        node_urls: the nodes, credentials included.
        settings: Scrapy settings sent with every crawl (``setting=``); no secrets.
        git_sha: the code the nodes must run (default: this checkout's, :func:`code_version`).
        timeout: seconds an HTTP call to a node may take.

    Raises:
        ValueError: no node, a bad node URL, several nodes on a SQLite database, a secret
            among the settings.
    """

    def __init__(
        self,
        engine: Engine,
        node_urls: Iterable[str],
        *,
        settings: Mapping[str, str] | None = None,
        git_sha: str | None = None,
        timeout: float = 5.0,
    ) -> None:
        self.engine = engine
        self.clients: dict[str, NodeClient] = {}
        for url in node_urls:
            client = NodeClient(url, timeout)
            self.clients.setdefault(client.url, client)
        if not self.clients:
            raise ValueError(f"no Scrapyd node ({NODES_ENV} is empty)")
        if len(self.clients) > 1 and is_sqlite(engine):
            raise ValueError(
                f"{len(self.clients)} Scrapyd nodes ({NODES_ENV}) need one PostgreSQL database "
                f"every node reaches; {display_url(str(engine.url))} is a SQLite file of this "
                "machine: set GROCER_DATABASE_URL=postgresql://... here and on the nodes"
            )
        self.settings = dict(settings or {})
        check_public(self.settings, "setting")
        self.git_sha = git_sha or code_version()
        self.refused: dict[str, str] = {}  # store -> why, of the latest start()
        self.revision: str | None = None  # the database's schema, at the latest refresh
        self._refreshed: float | None = None
        self._run_settings: dict[int, dict[str, str]] = {}  # settings given to start()
        self._cancelled: dict[int, tuple[str, float]] = {}  # run -> node, when cancelled
        self._unlisted: dict[int, float] = {}  # run -> since when its node does not list it
        self._forgotten: Counter[int] = Counter()
        self._silent: set[str] = set()  # nodes whose silence was logged
        self._mismatch: dict[str, tuple[str, str | None]] = {}  # node -> mismatch logged

    # ------------------------------------------------------------------ the launcher

    def start(
        self,
        spider: str,
        stores: Sequence[str | None],
        args: Mapping[str, Any] | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> list[int]:
        """A ``pending`` run per store, each dispatched to a node with room (or left for a
        later :meth:`dispatch_pending`); returns the ids."""
        check_public(spider_arguments(args), "argument")
        check_public(settings or {}, "setting")
        planned, self.refused = plan_runs(self.engine, spider, stores, args or {}, node=None)
        for run in planned:
            if settings:
                self._run_settings[run.run_id] = {k: str(v) for k, v in settings.items()}
        self.dispatch_pending()
        return [run.run_id for run in planned]

    def resume(self, run_id: int) -> None:
        """An interrupted or partial run back to ``pending`` under the same id (Scrapyd job
        id = run id again), dispatched to any node.

        Raises:
            ValueError: no such run, or one in another state.
        """
        with self.engine.connect() as connection:
            run = runs.get_run(connection, run_id)
        if run is None:
            raise ValueError(f"no crawl run {run_id}")

        def requeue(connection: Connection) -> bool:
            if not runs.requeue(connection, run_id):
                return False
            runs.undispatch(connection, [run.node], [run_id])
            return True

        if not in_transaction(self.engine, requeue):
            raise ValueError(f"run {run_id} is {run.status}: only interrupted or partial resume")
        self.dispatch_pending()

    def poll(self, run_ids: Iterable[int]) -> dict[int, str]:
        """Each run's status, from the database."""
        with self.engine.connect() as connection:
            return runs.statuses(connection, list(run_ids))

    def cancel(self, run_id: int) -> None:
        """The run ends ``failed`` (reason ``cancelled``, never resumed), then its node drops
        the job or stops its crawl (SIGINT; KILL after ``GROCER_CANCEL_GRACE`` s)."""
        in_transaction(
            self.engine,
            lambda c: runs.end_run(c, run_id, status=FAILED, reason=runs.CANCELLED),
        )
        with self.engine.connect() as connection:
            run = runs.get_run(connection, run_id)
        client = self.clients.get(run.node) if run is not None else None
        if client is None:
            return  # never sent to a node of ours
        self._cancelled[run_id] = (client.url, time.monotonic())
        try:
            before = client.cancel(str(run_id))
            logger.info("run %s cancelled on %s (it was %s)", run_id, client.url, before)
        except NodeError as error:
            logger.warning("run %s: cancel: %s", run_id, error)

    # ------------------------------------------------------------------ the daemon's surface

    def take_over(self) -> list[runs.LaunchedRun]:
        """At a daemon's start: the runs on (or waiting for) nodes, which the daemon follows;
        waiting ones are dispatched."""
        self.refresh()
        with self.engine.connect() as connection:
            found = runs.remote_runs(connection, (PENDING, RUNNING))
        self.dispatch_pending()
        return found

    def tick(self) -> None:
        """The watch's work: nodes refreshed (lost ones' pending runs back to dispatch), runs
        forgotten by their node sent again, cancels followed up, waiting runs dispatched."""
        self.refresh()
        self.check_pending()
        self.follow_cancels()
        self.dispatch_pending()

    def resumable(self) -> list[runs.LaunchedRun]:
        """Interrupted runs of the nodes, which the daemon resumes."""
        with self.engine.connect() as connection:
            return runs.remote_runs(connection, (INTERRUPTED,))

    def stop_all(self, grace: float) -> None:
        """Nothing to stop: crawls are the nodes' processes and go on; a daemon started
        again follows them from the database."""
        logger.info("crawls on Scrapyd nodes go on without the daemon")

    # ------------------------------------------------------------------ nodes

    def refresh(self) -> list[str]:
        """Ask every node its identity into ``crawl_nodes``; nodes silent too long become
        ``lost`` and their pending runs go back to dispatch.  Returns the lost nodes."""
        self.revision = current_revision(self.engine)
        now = datetime.now(UTC)
        for url, client in self.clients.items():
            try:
                found = client.identity()
            except NodeError as error:
                if url not in self._silent:
                    logger.warning("node %s does not answer: %s", url, error)
                    self._silent.add(url)
                in_transaction(self.engine, lambda c, u=url: nodes.unreachable(c, u))
                continue
            self._silent.discard(url)
            matches = found.git_sha == self.git_sha and found.schema_revision == self.revision
            in_transaction(
                self.engine,
                lambda c, u=url, f=found, m=matches: nodes.seen(
                    c, u, git_sha=f.git_sha, schema_revision=f.schema_revision, slots=f.slots,
                    source_address=f.source_address, matches=m, now=now,
                ),
            )  # fmt: skip
            if matches:
                self._mismatch.pop(url, None)
            elif self._mismatch.get(url) != (found.git_sha, self.revision):
                self._mismatch[url] = (found.git_sha, self.revision)  # said once
                logger.warning(
                    "node %s runs %s on schema %s, the dispatcher %s on %s: no job for it",
                    url, found.git_sha, found.schema_revision, self.git_sha, self.revision,
                )  # fmt: skip
        cutoff = now - timedelta(seconds=node_timeout())

        def lose(connection: Connection) -> tuple[list[str], list[int]]:
            lost = nodes.mark_lost(connection, cutoff)
            return lost, runs.undispatch(connection, lost) if lost else []

        lost, back = in_transaction(self.engine, lose)
        if back:
            logger.warning("runs %s: their node is lost, dispatched again", back)
        self._refreshed = time.monotonic()
        return lost

    def dispatch_pending(self) -> list[int]:
        """Send runs waiting for a node to the nodes with free slots, oldest first; returns
        the runs sent."""
        if self._refreshed is None or time.monotonic() - self._refreshed > REFRESH_EVERY_S:
            self.refresh()
        with self.engine.connect() as connection:
            waiting = [r for r in runs.remote_runs(connection, (PENDING,)) if r.node is None]
            candidates = nodes.list_nodes(connection, self.clients) if waiting else []
        sent = []
        for run in waiting:
            node = choose_node(candidates, git_sha=self.git_sha, schema_revision=self.revision)
            if node is None:
                break
            if not in_transaction(
                self.engine, partial(runs.assign_node, run_id=run.id, node=node.url)
            ):
                continue  # cancelled or sent meanwhile
            try:
                self._schedule(run, node.url)
            except NodeError as error:
                logger.warning("run %s: not sent to %s: %s", run.id, node.url, error)
                self._send_back(node.url, run.id)
                candidates = [c for c in candidates if c.url != node.url]
                continue
            sent.append(run.id)
            candidates = [replace(c, pending=c.pending + 1) if c is node else c for c in candidates]
            logger.info("run %s: %s %s sent to %s", run.id, run.spider, run.store_id, node.url)
        return sent

    def _send_back(self, url: str, run_id: int) -> bool:
        """A run pending on node ``url`` back to dispatch; False if it is no longer there."""
        return bool(
            in_transaction(self.engine, partial(runs.undispatch, nodes=[url], run_ids=[run_id]))
        )

    def _schedule(self, run: runs.LaunchedRun, url: str) -> None:
        arguments = crawl_arguments(PlannedRun(run.id, run.store_id), run.args)
        del arguments["_job"]  # Scrapyd gives the spider its job id as _job
        # A job left in a node's queue while its run was sent elsewhere exits at open.
        arguments["node"] = url
        settings = {**self.settings, **self._run_settings.get(run.id, {})}
        self.clients[url].schedule(run.spider, str(run.id), arguments, settings)

    def check_pending(self) -> list[int]:
        """Runs pending on a node that lists them neither pending nor running (it restarted
        and forgot them) for ``GROCER_NODE_TIMEOUT`` s go back to dispatch (a run forgotten
        ``MAX_FORGOTTEN`` times without opening ends ``failed``); returns those sent back."""
        with self.engine.connect() as connection:
            waiting = [r for r in runs.remote_runs(connection, (PENDING,)) if r.node]
        now, grace, back = time.monotonic(), node_timeout(), []
        self._unlisted = {k: v for k, v in self._unlisted.items() if k in {r.id for r in waiting}}
        listed: dict[str, Any] = {}
        for run in waiting:
            client = self.clients.get(run.node or "")
            if client is None:
                continue  # a node no longer configured: judged lost once silent
            if client.url not in listed:
                try:
                    listed[client.url] = client.jobs()
                except NodeError:
                    listed[client.url] = None  # a silent node is judged by refresh()
            jobs = listed[client.url]
            if jobs is None or str(run.id) in jobs:
                self._unlisted.pop(run.id, None)
                continue
            if now - self._unlisted.setdefault(run.id, now) < grace:
                continue
            del self._unlisted[run.id]
            self._forgotten[run.id] += 1
            if self._forgotten[run.id] >= MAX_FORGOTTEN:
                end = partial(runs.end_run, run_id=run.id, status=FAILED, reason=NOT_STARTED)
                in_transaction(self.engine, end)
                logger.error("run %s failed: never started on a node", run.id)
                continue
            if self._send_back(client.url, run.id):
                back.append(run.id)
                logger.warning("run %s: %s does not hold it, dispatched again", run.id, run.node)
        return back

    def follow_cancels(self) -> None:
        """Cancelled crawls still running ``GROCER_CANCEL_GRACE`` s after their SIGINT are
        killed."""
        grace = cancel_grace()
        for run_id, (url, since) in list(self._cancelled.items()):
            if time.monotonic() - since < grace:
                continue
            client = self.clients[url]
            try:
                if str(run_id) in client.jobs():
                    client.cancel(str(run_id), signal="KILL")
                    logger.warning("run %s: still running after its cancel, killed", run_id)
            except NodeError as error:
                logger.warning("run %s: cancel: %s", run_id, error)
                continue
            del self._cancelled[run_id]
