"""The HTTP calls the Scrapyd launcher makes to a node (standard library only).

A node URL may carry credentials (``http://user:pass@host:6800``): they become a basic-auth
header and are never part of a URL requested, logged or raised.  Every call answers a JSON
object whose ``status`` is ``ok``; anything else (no answer, an HTTP error, ``status`` =
``error``) raises :class:`NodeError`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.error import URLError
from urllib.parse import unquote, urlencode, urlsplit
from urllib.request import ProxyHandler, Request, build_opener

from grocer.db.nodes import mask, node_url_without_credentials

PROJECT = "default"  # grocer.settings is Scrapyd's project "default" (no egg)
REQUEST_TIMEOUT_S = 5.0
# schedule.json's own fields; ``_job`` is what Scrapyd passes the spider from ``jobid``
RESERVED = frozenset({"project", "spider", "jobid", "setting", "priority", "_version", "_job"})
Form = Mapping[str, str] | Sequence[tuple[str, str]]


class NodeError(Exception):
    """A node did not answer as expected (the message names it without credentials)."""


@dataclass(frozen=True)
class NodeIdentity:
    """What ``/grocer.json`` says of a node."""

    git_sha: str
    schema_revision: str | None
    slots: int
    source_address: str | None


@dataclass(frozen=True)
class NodeJobs:
    """The job ids ``listjobs.json`` lists as pending and running."""

    pending: frozenset[str]
    running: frozenset[str]

    def __contains__(self, job: object) -> bool:
        return job in self.pending or job in self.running


class NodeClient:
    """Calls one node's web service.

    Args:
        url: the node's URL, credentials included if it has them.
        timeout: seconds a call may take.
    """

    def __init__(self, url: str, timeout: float = REQUEST_TIMEOUT_S) -> None:
        self.url = node_url_without_credentials(url)
        self.timeout = timeout
        parts = urlsplit(url.strip())
        self._auth: str | None = None
        if parts.username is not None:
            pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            self._auth = "Basic " + base64.b64encode(pair.encode()).decode()
        self._opener = build_opener(ProxyHandler({}))  # nodes are reached directly

    def call(self, endpoint: str, form: Form | None = None) -> dict[str, Any]:
        """GET ``endpoint`` (POST ``form``, whose names may repeat, when given); the JSON
        answer."""
        if form is None:
            request = Request(f"{self.url}/{endpoint}")
        else:
            pairs = list(form.items()) if isinstance(form, Mapping) else list(form)
            request = Request(f"{self.url}/{endpoint}", data=urlencode(pairs).encode())
        if self._auth is not None:
            request.add_header("Authorization", self._auth)
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                answer = json.loads(response.read())
        except (URLError, OSError, ValueError) as error:
            raise NodeError(f"{self.url}/{endpoint}: {mask(str(error))}") from None
        if not isinstance(answer, dict) or answer.get("status") != "ok":
            message = answer.get("message") if isinstance(answer, dict) else answer
            raise NodeError(f"{self.url}/{endpoint}: {mask(str(message))[:300]}")
        return answer

    def identity(self) -> NodeIdentity:
        """``grocer.json``: the code, schema, slots and source address of the node."""
        answer = self.call("grocer.json")
        try:
            return NodeIdentity(
                git_sha=str(answer["git_sha"]),
                schema_revision=_text(answer.get("schema_revision")),
                slots=int(answer["slots"]),
                source_address=_text(answer.get("source_address")),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise NodeError(f"{self.url}/grocer.json: unexpected answer ({error})") from None

    def schedule(
        self,
        spider: str,
        job: str,
        args: Mapping[str, str],
        settings: Mapping[str, str] | None = None,
    ) -> None:
        """``schedule.json``: crawl ``spider`` as job ``job`` with spider arguments ``args``
        (and Scrapy ``settings``)."""
        form = [("project", PROJECT), ("spider", spider), ("jobid", job)]
        form += [("setting", f"{k}={v}") for k, v in (settings or {}).items()]
        form += [(k, v) for k, v in args.items() if k not in RESERVED]
        self.call("schedule.json", form)

    def jobs(self) -> NodeJobs:
        """``listjobs.json``: the node's pending and running jobs of grocer's project."""
        answer = self.call(f"listjobs.json?project={PROJECT}")
        return NodeJobs(
            frozenset(str(job.get("id")) for job in answer.get("pending", [])),
            frozenset(str(job.get("id")) for job in answer.get("running", [])),
        )

    def cancel(self, job: str, signal: str | None = None) -> str | None:
        """``cancel.json``: drop a pending job, signal a running one (Scrapyd sends SIGINT
        unless ``signal`` names another, e.g. ``KILL``); returns its state before."""
        form = {"project": PROJECT, "job": job}
        if signal is not None:
            form["signal"] = signal
        prevstate = self.call("cancel.json", form).get("prevstate")
        return None if prevstate is None else str(prevstate)


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)
