"""Deterministic, process-independent pseudo-randomness for the simulator.

Python's ``hash()`` of strings changes per process, so everything seeded here goes through
CRC32 for text and a SplitMix64 finaliser for mixing integers.
"""

from __future__ import annotations

import zlib

_MASK = (1 << 64) - 1


def text_seed(text: str) -> int:
    """A stable 32-bit seed for a text (the same in every process)."""
    return zlib.crc32(text.encode("utf-8"))


def mix(*values: int) -> int:
    """Mix integers into one well-spread 64-bit value (SplitMix64 finaliser per step)."""
    state = 0x9E3779B97F4A7C15
    for value in values:
        state = (state ^ (value & _MASK)) & _MASK
        state = (state + 0x9E3779B97F4A7C15) & _MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        state = z ^ (z >> 31)
    return state


def unit(*values: int) -> float:
    """A deterministic number in [0, 1) from the mixed values (for thresholds, not money)."""
    return (mix(*values) >> 11) / float(1 << 53)


def pick(options: list[str] | tuple[str, ...], *values: int) -> str:
    """Deterministically pick one of ``options``."""
    return options[mix(*values) % len(options)]
