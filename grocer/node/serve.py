"""``grocer node serve``: Scrapyd running this checkout's crawls, from a folder of its own.

The node's folder is ``$GROCER_DATA_DIR/nodes/<port>/``.  :func:`scrapyd_conf` writes its
``scrapyd.conf`` (Scrapyd reads the file from its working directory): project ``default`` is
``grocer.settings`` (no egg), ``max_proc`` the slots, queue databases and logs in the folder,
no egg upload or deletion services, and ``grocer.json`` (:mod:`grocer.node.service`).  Scrapyd
runs as a child in this process's group, so killing the group stops the node and its crawls;
its crawls (``python -m scrapyd.runner crawl <spider> -a _job=<run id> ...``) inherit its
environment and working directory: grocer's configuration, ``SCRAPY_SETTINGS_MODULE``,
``GROCER_NODE_SLOTS`` and ``GROCER_SOURCE_ADDRESS`` (see :mod:`grocer.settings`).

Stopping: Scrapyd does not stop its crawls when it stops, so a SIGINT or SIGTERM this process
gets is passed on to Scrapyd and then to each crawl (Scrapy's clean stop: the run ends
``interrupted``), except a SIGINT typed at the terminal, which the whole foreground process
group already got (a second one would force the crawls to stop uncleanly).  Crawls still
running ``KILL_AFTER_S`` later are killed.
"""

from __future__ import annotations

import ipaddress
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from grocer.config import Config

CREDENTIALS = ("SCRAPYD_USERNAME", "SCRAPYD_PASSWORD")
# Scrapyd lets these override scrapyd.conf; the node's own file says where it listens.
SCRAPYD_OVERRIDES = ("SCRAPYD_BIND_ADDRESS", "SCRAPYD_HTTP_PORT", "SCRAPYD_UNIX_SOCKET_PATH")
KEEP = 1000  # log files per spider (jobs_to_keep) and finished jobs remembered
KILL_AFTER_S = 60.0  # after the stop signal, crawls still running are killed
EXIT_REFUSED = 2


@dataclass(frozen=True)
class NodeOptions:
    """How a node listens and crawls (``grocer node serve`` options)."""

    port: int = 6800
    slots: int = 2
    bind: str = "127.0.0.1"
    source_address: str | None = None

    @property
    def url(self) -> str:
        """The node's base URL."""
        host = f"[{self.bind}]" if ":" in self.bind else self.bind
        return f"http://{host}:{self.port}"


def node_folder(data_dir: Path, port: int) -> Path:
    """Where the node on ``port`` keeps its ``scrapyd.conf``, queue and logs."""
    return data_dir / "nodes" / str(port)


def is_loopback(address: str) -> bool:
    """Whether ``address`` is this machine only (127.x, ::1, localhost)."""
    if address.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def refusal(options: NodeOptions, environ: Mapping[str, str]) -> str | None:
    """Why the node must not start, or None: bad numbers, or a bind beyond loopback
    without both Scrapyd credentials (Scrapyd then enforces basic auth with them)."""
    if not 0 < options.port < 65536:
        return f"--port must be 1-65535, not {options.port}"
    if options.slots < 1:
        return f"--slots must be at least 1, not {options.slots}"
    if is_loopback(options.bind):
        return None
    missing = [name for name in CREDENTIALS if not environ.get(name)]
    if missing:
        return (
            f"--bind {options.bind} listens beyond this machine: set {' and '.join(missing)} "
            "in the environment (Scrapyd then requires HTTP basic auth)"
        )
    if ":" in environ["SCRAPYD_USERNAME"]:
        return "SCRAPYD_USERNAME must not contain ':' (basic auth splits on it)"
    return None


def scrapyd_conf(options: NodeOptions, folder: Path) -> str:
    """The text of the node's ``scrapyd.conf`` (no credentials: Scrapyd reads those from
    ``SCRAPYD_USERNAME``/``SCRAPYD_PASSWORD``)."""
    return f"""\
# Written by `grocer node serve` at every start; edits are lost.
[scrapyd]
bind_address = {options.bind}
http_port = {options.port}
node_name = {socket.gethostname()}:{options.port}
max_proc = {options.slots}
poll_interval = 1
dbs_dir = {folder / "dbs"}
logs_dir = {folder / "logs"}
items_dir =
jobs_dir =
jobs_to_keep = {KEEP}
finished_to_keep = {KEEP}

[services]
addversion.json =
delversion.json =
delproject.json =
grocer.json = grocer.node.service.NodeInfo

[settings]
default = grocer.settings
"""


def prepare_folder(options: NodeOptions, data_dir: Path) -> Path:
    """Create the node's folder and write its ``scrapyd.conf``; returns the folder."""
    folder = node_folder(data_dir, options.port).resolve()
    for sub in ("dbs", "logs"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    (folder / "scrapyd.conf").write_text(scrapyd_conf(options, folder))
    return folder


def node_env(config: Config, options: NodeOptions) -> dict[str, str]:
    """Scrapyd's environment, which its crawls inherit: this one's with grocer's
    configuration, the settings module, the slots and the source address."""
    from grocer.crawl.launch.local import child_env

    env = child_env(config)
    for name in SCRAPYD_OVERRIDES:
        env.pop(name, None)
    env["SCRAPY_SETTINGS_MODULE"] = "grocer.settings"
    env["GROCER_NODE_SLOTS"] = str(options.slots)
    if options.source_address:
        env["GROCER_SOURCE_ADDRESS"] = options.source_address
    return env


def scrapyd_command() -> list[str]:
    """Scrapyd in the foreground, logging to stdout, without a pid file (a stale one would
    stop a node restarted after a hard kill)."""
    return [sys.executable, "-m", "scrapyd", "--pidfile="]


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Scrapyd's crawls)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with suppress(OSError):
            stat = (entry / "stat").read_text()
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _terminal_group_signalled() -> bool:
    """Whether this process is in its terminal's foreground group: a Ctrl-C there has
    already reached Scrapyd and its crawls."""
    try:
        fd = os.open("/dev/tty", os.O_RDONLY)
    except OSError:
        return False
    try:
        return os.tcgetpgrp(fd) == os.getpgrp()
    except OSError:
        return False
    finally:
        os.close(fd)


class _Stopper:
    """Passes a stop signal on to Scrapyd and its crawls, remembering the crawls."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.crawls: set[int] = set()
        self.signalled = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        first = not self.signalled
        self.signalled = True
        crawls = _children(self.process.pid)
        self.crawls.update(crawls)
        if signum == signal.SIGINT and first and _terminal_group_signalled():
            return
        for pid in [self.process.pid, *crawls]:
            with suppress(ProcessLookupError):
                os.kill(pid, signum)

    def finish(self) -> None:
        """Wait for the crawls that were running to stop; kill them after the grace."""
        from grocer.db.runs import process_alive

        deadline = time.monotonic() + KILL_AFTER_S
        while self.crawls and time.monotonic() < deadline:
            self.crawls = {pid for pid in self.crawls if process_alive(pid)}
            time.sleep(0.2)
        for pid in self.crawls:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def run_scrapyd(folder: Path, env: Mapping[str, str]) -> int:
    """Run Scrapyd in ``folder`` until it ends or this process is told to stop; returns its
    exit code (0 after a stop signal)."""
    process = subprocess.Popen(scrapyd_command(), cwd=folder, env=dict(env))
    stopper = _Stopper(process)
    previous = {sig: signal.signal(sig, stopper) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        code = process.wait()
        stopper.finish()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0 if stopper.signalled and code in (0, -signal.SIGINT, -signal.SIGTERM) else code
