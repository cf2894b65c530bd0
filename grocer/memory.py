"""Garbage collection for bulk loads: collect less often while millions of objects are made.

Ingests and crawls allocate many short-lived, acyclic objects while their identity maps and
caches grow; Python's default thresholds then run full collections that rescan everything
again and again.  Objects alive at the start are frozen out of collection, and the
young-generation threshold is raised, for the duration of the load.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

BULK_THRESHOLDS = (50_000, 50, 100)


def relax_gc() -> Callable[[], None]:
    """Switch to bulk thresholds; returns the function that restores the previous ones."""
    previous = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*BULK_THRESHOLDS)

    def restore() -> None:
        gc.set_threshold(*previous)
        gc.unfreeze()

    return restore


@contextmanager
def relaxed_gc() -> Iterator[None]:
    """:func:`relax_gc` for the duration of a ``with`` block."""
    restore = relax_gc()
    try:
        yield
    finally:
        restore()
