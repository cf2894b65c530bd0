"""Crawl-node rows: every write of ``crawl_nodes`` is here.

A row is a Scrapyd node as the dispatcher last saw it (``grocer node serve`` answers
``/grocer.json``), keyed by its URL without credentials.  ``state``: ``active`` (gets jobs),
``draining`` (drained by an operator: no new job, its running ones finish), ``mismatch`` (it
runs other code, or the database has another schema), ``lost`` (silent for
``GROCER_NODE_TIMEOUT`` seconds); lost wins over mismatch, mismatch over draining.  A node's
running and pending runs are counted from ``crawl_runs`` (``crawl_runs.node`` = its URL),
never asked of the node.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import Connection, func, insert, or_, select, update

from grocer.constants import PENDING, RUNNING
from grocer.db.models import CrawlNode, CrawlRun

ACTIVE, DRAINING, LOST, MISMATCH = "active", "draining", "lost", "mismatch"
NODE_STATES = (ACTIVE, DRAINING, LOST, MISMATCH)
CREDENTIALS = re.compile(r"://[^/\s]*@")  # the user:password@ of a URL


def node_url_without_credentials(url: str) -> str:
    """``http://user:pass@host:6800/`` -> ``http://host:6800``: the URL a node is stored,
    printed and logged as.

    Raises:
        ValueError: not an http(s) URL with a host.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not a node URL (http://[user:password@]host:port): {mask(url)!r}")
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def mask(text: str) -> str:
    """``text`` with the credentials of any URL in it left out (for messages and logs)."""
    return CREDENTIALS.sub("://", text)


@dataclass(frozen=True)
class NodeRow:
    """A node as ``crawl_nodes`` has it, with its runs counted from ``crawl_runs``."""

    url: str
    state: str
    git_sha: str | None
    schema_revision: str | None
    slots: int
    source_address: str | None
    last_seen_at: datetime | None
    drained: bool
    running: int = 0
    pending: int = 0

    @property
    def free(self) -> int:
        """Slots not taken by the node's pending and running runs."""
        return max(0, self.slots - self.running - self.pending)

    def as_dict(self) -> dict[str, object]:
        """The ``grocer status --json`` entry."""
        seen = self.last_seen_at
        return {
            "url": self.url,
            "state": self.state,
            "slots": self.slots,
            "running": self.running,
            "pending": self.pending,
            "last_seen_at": None if seen is None else seen.isoformat(),
        }


def _aware(moment: datetime | None) -> datetime | None:
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def state_of(*, matches: bool, drained: bool) -> str:
    """The state of a node that answered: ``mismatch``, else ``draining`` or ``active``."""
    if not matches:
        return MISMATCH
    return DRAINING if drained else ACTIVE


def seen(
    connection: Connection,
    url: str,
    *,
    git_sha: str,
    schema_revision: str | None,
    slots: int,
    source_address: str | None,
    matches: bool,
    now: datetime,
) -> str:
    """Record a node that answered (inserted on first sight); returns its state.  ``matches``:
    it runs the dispatcher's code on the database's schema."""
    url = node_url_without_credentials(url)
    values = {
        "git_sha": git_sha, "schema_revision": schema_revision, "slots": slots,
        "source_address": source_address, "last_seen_at": now,
    }  # fmt: skip
    drained = connection.execute(select(CrawlNode.drained).where(CrawlNode.url == url)).scalar()
    state = state_of(matches=matches, drained=bool(drained))
    if drained is None:
        connection.execute(insert(CrawlNode).values(url=url, state=state, drained=False, **values))
    else:
        connection.execute(
            update(CrawlNode).where(CrawlNode.url == url).values(state=state, **values)
        )
    return state


def unreachable(connection: Connection, url: str) -> None:
    """A node that did not answer and was never seen: recorded ``lost`` (shown by status)."""
    url = node_url_without_credentials(url)
    if connection.execute(select(CrawlNode.id).where(CrawlNode.url == url)).scalar() is None:
        connection.execute(insert(CrawlNode).values(url=url, state=LOST, slots=0, drained=False))


def mark_lost(connection: Connection, cutoff: datetime) -> list[str]:
    """Nodes silent since before ``cutoff`` (or never seen) become ``lost``; returns the URLs
    of every lost node."""
    silent = or_(CrawlNode.last_seen_at.is_(None), CrawlNode.last_seen_at < cutoff)
    connection.execute(update(CrawlNode).where(silent, CrawlNode.state != LOST).values(state=LOST))
    return list(
        connection.execute(
            select(CrawlNode.url).where(CrawlNode.state == LOST).order_by(CrawlNode.url)
        ).scalars()
    )


def set_drained(connection: Connection, url: str, drained: bool) -> str:
    """Drain a node (no new job; its running ones finish) or undrain it; a node not seen
    yet is recorded (``lost`` until it answers).  Returns its state."""
    url = node_url_without_credentials(url)
    state = connection.execute(select(CrawlNode.state).where(CrawlNode.url == url)).scalar()
    if state is None:
        connection.execute(insert(CrawlNode).values(url=url, state=LOST, slots=0, drained=drained))
        return LOST
    if state in (ACTIVE, DRAINING):
        state = DRAINING if drained else ACTIVE
    connection.execute(
        update(CrawlNode).where(CrawlNode.url == url).values(drained=drained, state=state)
    )
    return state


def list_nodes(connection: Connection, urls: Iterable[str] | None = None) -> list[NodeRow]:
    """Every node (only ``urls``, in that order, if given; else by URL), with its pending and
    running runs counted from ``crawl_runs``."""
    counts: dict[tuple[str, str], int] = {
        (node, status): count
        for node, status, count in connection.execute(
            select(CrawlRun.node, CrawlRun.status, func.count())
            .where(CrawlRun.status.in_((PENDING, RUNNING)), CrawlRun.node.is_not(None))
            .group_by(CrawlRun.node, CrawlRun.status)
        )
    }
    rows = connection.execute(
        select(
            CrawlNode.url, CrawlNode.state, CrawlNode.git_sha, CrawlNode.schema_revision,
            CrawlNode.slots, CrawlNode.source_address, CrawlNode.last_seen_at, CrawlNode.drained,
        ).order_by(CrawlNode.url)
    ).all()  # fmt: skip
    found = {
        row.url: NodeRow(
            row.url,
            row.state,
            row.git_sha,
            row.schema_revision,
            row.slots,
            row.source_address,
            _aware(row.last_seen_at),
            row.drained,
            counts.get((row.url, RUNNING), 0),
            counts.get((row.url, PENDING), 0),
        )  # fmt: skip
        for row in rows
    }
    if urls is None:
        return list(found.values())
    wanted = [node_url_without_credentials(url) for url in urls]
    return [found[url] for url in wanted if url in found]
