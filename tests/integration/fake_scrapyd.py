"""A stand-in Scrapyd node on loopback: answers ``grocer.json``, ``schedule.json``,
``listjobs.json`` and ``cancel.json`` as Scrapyd 1.6 (with ``grocer node serve``'s service)
does, and records every request (path, form fields in order, basic-auth credentials)."""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from grocer.db.migrate import SCHEMA_REVISION
from grocer.node.identity import code_version


@dataclass
class Request:
    method: str
    path: str  # without the query
    fields: list[tuple[str, str]]  # the query's, then the form's, in order
    auth: str | None  # "user:password" of the basic-auth header

    @property
    def form(self) -> dict[str, str]:
        return dict(self.fields)


@dataclass
class FakeNode:
    """Run it with ``with FakeNode() as node:``; ``node.url`` has the credentials."""

    user: str = "grocer"
    password: str = "s3cret-pw"
    slots: int = 2
    git_sha: str = field(default_factory=code_version)
    schema_revision: str = SCHEMA_REVISION
    down: bool = False  # answer 503 to everything
    pending: list[str] = field(default_factory=list)
    running: list[str] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)

    def __enter__(self) -> FakeNode:
        node = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._answer("GET", b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self._answer("POST", self.rfile.read(length))

            def _answer(self, method: str, body: bytes) -> None:
                parts = urlsplit(self.path)
                fields = parse_qsl(parts.query) + parse_qsl(body.decode())
                header = self.headers.get("Authorization") or ""
                auth = (
                    base64.b64decode(header.removeprefix("Basic ")).decode()
                    if header.startswith("Basic ")
                    else None
                )
                node.requests.append(Request(method, parts.path, fields, auth))
                code, answer = node.answer(method, parts.path, dict(fields), auth)
                data = json.dumps(answer).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def address(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{host}:{port}"

    @property
    def url(self) -> str:
        return f"http://{self.user}:{self.password}@{self.address}"

    @property
    def plain_url(self) -> str:
        return f"http://{self.address}"

    def calls(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def answer(
        self, method: str, path: str, form: dict[str, str], auth: str | None
    ) -> tuple[int, dict[str, Any]]:
        if self.down:
            return 503, {"status": "error", "message": "down"}
        if auth != f"{self.user}:{self.password}":
            return 401, {"status": "error", "message": "Unauthorized"}
        if path == "/grocer.json":
            return 200, {
                "status": "ok", "git_sha": self.git_sha, "schema_revision": self.schema_revision,
                "slots": self.slots, "source_address": None,
            }  # fmt: skip
        if path == "/schedule.json" and method == "POST":
            self.pending.append(form["jobid"])
            return 200, {"status": "ok", "jobid": form["jobid"]}
        if path == "/listjobs.json":
            return 200, {
                "status": "ok",
                "pending": [{"id": job, "project": "default"} for job in self.pending],
                "running": [{"id": job, "project": "default"} for job in self.running],
                "finished": [],
            }
        if path == "/cancel.json" and method == "POST":
            job = form["job"]
            before = "pending" if job in self.pending else None
            if job in self.pending:
                self.pending.remove(job)
            if job in self.running:
                before = "running"
            return 200, {"status": "ok", "prevstate": before}
        return 404, {"status": "error", "message": "no such resource"}
