"""Thin task functions the scheduler runs; each delegates to the running daemon."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grocer.scheduler.daemon import Daemon

_daemon: Daemon | None = None


def bind(daemon: Daemon | None) -> None:
    """Make ``daemon`` the one the tasks act for (the scheduler persists only task names)."""
    global _daemon
    _daemon = daemon


def crawl_tick() -> None:
    if _daemon is not None:
        _daemon.crawl_tick()


def maintenance() -> None:
    if _daemon is not None:
        _daemon.maintenance()


def substitutions() -> None:
    if _daemon is not None:
        _daemon.substitutions()
