"""One updating ``x/y`` progress line on a terminal, and silence when output is not a TTY."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from tqdm import tqdm


def progress(total: int | None, desc: str, unit: str = "it", **kwargs: Any) -> tqdm[Any]:
    """A tqdm bar writing to stderr, disabled unless stderr is a terminal."""
    return tqdm(
        total=total,
        desc=desc,
        unit=unit,
        disable=not sys.stderr.isatty(),
        dynamic_ncols=True,
        leave=False,
        **kwargs,
    )


class _AboveBars:
    """A console stream whose lines are written above any progress line, not through it."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        tqdm.write(text, file=self.stream, end="")
        return len(text)

    def flush(self) -> None:
        self.stream.flush()


@contextmanager
def logs_above_bars() -> Iterator[None]:
    """While active, the root logger's console handlers write above progress lines (their
    levels, filters and formats unchanged)."""
    handlers = [
        h
        for h in logging.getLogger().handlers
        if type(h) is logging.StreamHandler and h.stream in (sys.stdout, sys.stderr)
    ]
    streams = [h.stream for h in handlers]
    for handler, stream in zip(handlers, streams, strict=True):
        handler.setStream(_AboveBars(stream))  # type: ignore[arg-type]
    try:
        yield
    finally:
        for handler, stream in zip(handlers, streams, strict=True):
            handler.setStream(stream)
