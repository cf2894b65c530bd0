"""Planted product frames for the substitution unit tests."""

from __future__ import annotations

import numpy as np

from grocer.analysis.substitutions.frame import CategoryInfo, ProductFrame


def frame(
    rows: list[tuple[str, str, str]],
    members: dict[int, list[int]] | None = None,
    categories: list[CategoryInfo] | None = None,
) -> ProductFrame:
    """A frame of ``(name, brand key, sizes)`` rows with ids 1..n."""
    out = ProductFrame(
        ids=np.arange(1, len(rows) + 1, dtype=np.int64),
        names=[r[0] for r in rows],
        brand_keys=[r[1] for r in rows],
        sizes=[r[2] for r in rows],
        barcodes=[None] * len(rows),
    )
    out.members = {c: np.array(m, dtype=np.int64) for c, m in (members or {}).items()}
    out.categories = {c.id: c for c in categories or []}
    return out
