"""Size closeness: pack contents, their distance, and the cap keeping the closest sizes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from grocer.analysis.substitutions.closeness import pair_size_distances, size_distance
from grocer.analysis.substitutions.frame import make_records
from grocer.analysis.substitutions.scoring import score_pairs
from grocer.normalize.sizes import pack_content


@pytest.mark.parametrize(
    ("sizes", "content"),
    [("2000ml", ("ml", 2000.0)), ("375ml 6pk", ("ml", 2250.0)), ("500g 600g", ("g", 500.0)),
     ("125g 250g 2pk", ("g", 250.0)), ("ea", None), ("3pk", None), ("", None), ("perkg", None)],
)  # fmt: skip
def test_pack_content(sizes: str, content: tuple[str, float] | None) -> None:
    assert pack_content(sizes) == content


def test_the_same_size_is_closest_then_the_nearest_ratio() -> None:
    two = "2000ml"
    assert size_distance(two, two) == 0
    assert size_distance(two, "3000ml") < size_distance(two, "1000ml") < size_distance(two, "500ml")
    assert (
        size_distance(two, "1000ml") == size_distance("1000ml", two) == pytest.approx(math.log(2))
    )
    assert size_distance("360g 5pk", "1800g") == 0  # five 360 g packs hold 1.8 kg
    for other in ("500g", "ea", ""):  # grams beside millilitres, no content: not comparable
        assert size_distance(two, other) == math.inf
    assert size_distance("ea", "ea") == 0  # the same text is the same size


def test_the_vectorised_distances_are_the_scalar_ones() -> None:
    sizes = ["2000ml", "1000ml", "3000ml", "500g", "ea", "", "375ml 6pk", "ea"]
    ids = np.arange(1, len(sizes) + 1, dtype=np.int64)
    a, b = np.meshgrid(ids, ids)
    records = make_records(a.ravel(), b.ravel(), 3, 0.9)
    got = pair_size_distances(ids, sizes)(records)
    expected = [
        size_distance(sizes[x - 1], sizes[y - 1])
        for x, y in zip(records["product_a"], records["product_b"], strict=True)
    ]
    assert got.tolist() == pytest.approx(expected)


def test_the_cap_keeps_the_closest_size_before_the_best_score() -> None:
    # Product 1 (2 L) has three level-3 candidates; one place at that level.
    sizes = ["2000ml", "1000ml", "2000ml", "3000ml"]
    ids = np.array([1, 2, 3, 4], dtype=np.int64)
    found = make_records(np.array([1, 1, 1]), np.array([2, 3, 4]), 3, np.array([0.99, 0.8, 0.9]))
    kept = score_pairs([found], 1, pair_size_distances(ids, sizes))
    assert [(r["product_a"], r["product_b"]) for r in kept] == [(1, 3)]
    two = score_pairs([found], 2, pair_size_distances(ids, sizes))
    assert [int(r["product_b"]) for r in two] == [3, 4]  # 3 L (x1.5) before 1 L (x0.5)
