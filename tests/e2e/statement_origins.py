"""Where SQL statements that write ``crawl_runs`` come from: each is recorded with the grocer
module that issued it.  As a program it runs a command so watched and writes the records to
the JSON file named by ``GROCER_TEST_STATEMENTS``:

    python -m tests.e2e.statement_origins scrapy crawl aldi -a store=G102 ...
"""

from __future__ import annotations

import atexit
import json
import os
import re
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

ROOT = Path(__file__).resolve().parents[2]
WRITES = re.compile(r"^\s*(insert\s+into|update|delete\s+from)\s+crawl_runs\b", re.I)


def origin() -> str:
    """The innermost grocer module on the stack (relative path)."""
    for frame in reversed(traceback.extract_stack()):
        path = Path(frame.filename).resolve()
        if path.is_relative_to(ROOT / "grocer"):
            return path.relative_to(ROOT).as_posix()
    return "?"


def watch(target: Any, recorded: list[dict[str, str]]) -> Callable[[], None]:
    """Record writes of ``crawl_runs`` through ``target`` (an engine, or the Engine class);
    returns the function that stops recording."""

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if WRITES.match(statement):
            recorded.append({"statement": statement.split("\n")[0][:120], "origin": origin()})

    event.listen(target, "before_cursor_execute", record)
    return lambda: event.remove(target, "before_cursor_execute", record)


if __name__ == "__main__":
    from scrapy.cmdline import execute

    statements: list[dict[str, str]] = []
    watch(Engine, statements)
    out = Path(os.environ["GROCER_TEST_STATEMENTS"])
    atexit.register(lambda: out.write_text(json.dumps(statements)))
    execute(sys.argv[1:])
