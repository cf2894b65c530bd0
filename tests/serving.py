"""A real ``grocer serve`` process over a SQLite file, for tests that speak HTTP to it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.prerequisites import ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(database: Path, *, timeout: float = 15) -> Iterator[str]:
    """``grocer serve`` over ``database`` (no other ``GROCER_*`` setting); yields its base URL
    once it answers, within ``timeout`` seconds."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GROCER_")}
    env["GROCER_DATABASE_URL"] = f"sqlite:///{database}"
    log = database.with_name(f"serve-{port}.log")  # a pipe nobody reads would stall it
    with log.open("w") as stderr:
        server = subprocess.Popen(
            [sys.executable, "-m", "grocer.cli", "serve", "--port", str(port)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr, text=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                httpx.get(f"{base}/v1/status", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, log.read_text()[-3000:]
                assert time.monotonic() < deadline, "grocer serve did not answer"
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
