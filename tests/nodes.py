"""Real crawl nodes for tests and benchmarks: ``grocer node serve`` in a process group of its
own (Scrapyd and its crawls join it), spoken to over HTTP."""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

START_S = 30.0  # Scrapyd answers 2-3 s after launch


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Node:
    """A ``grocer node serve`` process group and where it answers."""

    process: subprocess.Popen[bytes]
    url: str
    folder: Path  # $GROCER_DATA_DIR/nodes/<port>
    log: Path  # its output (Scrapyd's log)
    auth: str | None = None  # "user:password" when it requires basic auth

    @classmethod
    def start(
        cls, port: int, env: dict[str, str], cwd: Path, *, slots: int = 2, source: str | None = None
    ) -> Node:
        """Launch ``grocer node serve`` (output to ``cwd/node-<port>.log``); with
        ``SCRAPYD_USERNAME``/``SCRAPYD_PASSWORD`` in ``env`` it is spoken to with them."""
        command = [sys.executable, "-m", "grocer.cli", "node", "serve", "--port", str(port),
                   "--slots", str(slots)]  # fmt: skip
        if source:
            command += ["--source-address", source]
        log = cwd / f"node-{port}.log"
        with log.open("ab") as out:  # appended: a node restarted on its folder logs on
            process = subprocess.Popen(
                command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        folder = Path(env["GROCER_DATA_DIR"]) / "nodes" / str(port)
        auth = None
        if env.get("SCRAPYD_USERNAME") and env.get("SCRAPYD_PASSWORD"):
            auth = f"{env['SCRAPYD_USERNAME']}:{env['SCRAPYD_PASSWORD']}"
        return cls(process, f"http://127.0.0.1:{port}", folder, log, auth)

    def _request(self, path: str, body: bytes | None = None) -> urllib.request.Request:
        request = urllib.request.Request(f"{self.url}/{path}", data=body)
        if self.auth:
            token = base64.b64encode(self.auth.encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        return request

    def get(self, path: str) -> tuple[int, Any]:
        try:
            with urllib.request.urlopen(self._request(path), timeout=10) as answer:
                return answer.status, json.load(answer)
        except urllib.error.HTTPError as error:
            with error:
                return error.code, None

    def post(self, path: str, fields: list[tuple[str, str]]) -> Any:
        body = urllib.parse.urlencode(fields).encode()
        with urllib.request.urlopen(self._request(path, body), timeout=30) as answer:
            return json.load(answer)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def wait_until_ready(self) -> None:
        """Poll ``daemonstatus.json`` until Scrapyd answers.

        Raises:
            RuntimeError: the node exited or stayed silent (its output in the message).
        """
        deadline = time.monotonic() + START_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"grocer node serve exited {self.process.returncode}:\n{self.output()}"
                )
            try:
                status, answer = self.get("daemonstatus.json")
            except OSError:
                time.sleep(0.2)
                continue
            if status == 200 and answer["status"] == "ok":
                return
        raise RuntimeError(f"Scrapyd did not answer within {START_S:.0f} s:\n{self.output()}")

    def kill_group(self) -> None:
        """SIGKILL the node's process group until none of it is left."""
        for _ in range(100):
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                self.process.poll()
                return
            self.process.poll()
            time.sleep(0.1)
        raise RuntimeError(f"node {self.url}: its process group outlived 100 SIGKILLs")
