"""Comparison levels on planted pairs, with the expected outcome beside each row."""

from __future__ import annotations

import numpy as np
import pytest

from grocer.analysis.substitutions.blocking import Block, block_on
from grocer.analysis.substitutions.comparisons import (
    Codes,
    CosineLevel,
    TokenSetRatioLevel,
    compare_level_1,
    compare_level_2,
)
from tests.unit.substitutions.helpers import frame


def _pairs(records: np.ndarray) -> set[tuple[int, int]]:
    return {(a, b) for a, b, *_ in records.tolist()}


def test_level_1_same_base_name_different_sizes() -> None:
    planted = frame(
        [
            ("Full Cream Milk 1L", "farmdale", "1000ml"),  # id 1 -- level 1 with 2 and 4
            ("Full Cream Milk 2L", "farmdale", "2000ml"),  # id 2 -- level 1 with 1 and 4
            ("Full Cream Milk 2L Carton", "farmdale", "2000ml"),  # id 3 -- other name
            ("Farmdale Full Cream Milk", "farmdale", "3000ml"),  # id 4 -- brand word dropped
            ("Full Cream Milk 1L", "farmdale", "1000ml"),  # id 5 -- same size as 1: not level 1
        ]
    )
    codes = Codes(planted)
    found = set()
    for block in block_on("brand", "first_word").blocks(planted):
        records = compare_level_1(planted, codes, block)
        assert set(records["level"].tolist()) <= {1} and set(records["score"].tolist()) <= {1.0}
        found |= _pairs(records)
    assert found == {(1, 2), (1, 4), (2, 4), (2, 5), (4, 5)}


def test_level_2_token_set_ratio_and_sizes() -> None:
    planted = frame(
        [
            ("Wild Alaskan Pink Salmon", "john west", "105g"),  # 1 -- subset of names: 2
            ("Pink Salmon", "john west", "105g"),  # 2
            ("Pink Salmon", "john west", "210g"),  # 3 -- other size: not level 2 with 1 or 2
            ("Pink Salmon in Oil", "john west", "ea"),  # 4 -- unknown size agrees; with 2 and 3
            ("Red Salmon Steaks", "john west", "105g"),  # 5 -- too different
        ]
    )
    codes = Codes(planted)
    found = set()
    for rule in (block_on("brand", "first_word"), block_on("brand", "last_word")):
        for block in rule.blocks(planted):
            records = compare_level_2(planted, codes, block)
            assert set(records["score"].round(2).tolist()) <= {0.95}
            found |= _pairs(records)
    assert found == {(1, 2), (2, 4), (3, 4)}  # 1 vs 4: "wild alaskan" vs "in oil" differ


def test_token_set_ratio_keeps_equal_names_out() -> None:
    planted = frame([("Pink Salmon", "jw", "1g"), ("Pink Salmon", "jw", "1g")])
    block = Block("k", np.array([0, 1]))
    assert TokenSetRatioLevel().pairs(planted, block)[0].tolist() == []
    strict = TokenSetRatioLevel(subset_as_high=False)
    planted = frame([("Pink Salmon", "jw", "1g"), ("Wild Pink Salmon", "jw", "1g")])
    assert strict.pairs(planted, block)[0].tolist() == []


@pytest.mark.parametrize("right", [False, True])
def test_cosine_level_chunked_equals_whole(right: bool) -> None:
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(60, 8)).astype(np.float32)
    vectors[30:] = vectors[:30] + 0.3 * rng.normal(size=(30, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    block = Block("x", np.arange(30), np.arange(30, 60)) if right else Block("x", np.arange(60))
    level = CosineLevel(0.5)
    whole = level.pairs(vectors, block, top_n=3, chunk_elements=None)
    chunked = level.pairs(vectors, block, top_n=3, chunk_elements=100)  # 3 rows per chunk

    def as_set(p: tuple[np.ndarray, ...]) -> set[tuple[int, int]]:
        return {(min(i, j), max(i, j)) for i, j in zip(p[0].tolist(), p[1].tolist(), strict=True)}

    # A chunk keeps each column's top 3 within the chunk: a superset of the whole's.
    assert as_set(whole) <= as_set(chunked)
    assert all(s > 0.5 for s in chunked[2].tolist())
    assert all(i != j for i, j in zip(chunked[0].tolist(), chunked[1].tolist(), strict=True))
    if not right:  # a symmetric block keeps each row's best 3 only
        rows: dict[int, int] = {}
        for i in whole[0].tolist():
            rows[i] = rows.get(i, 0) + 1
        assert max(rows.values()) <= 3
