"""One updating ``x/y`` progress line on a terminal, and silence when output is not a TTY."""

from __future__ import annotations

import sys
from typing import Any

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
