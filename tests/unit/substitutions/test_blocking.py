"""Blocking rules, candidate-pair counts and the largest blocks on planted frames."""

from __future__ import annotations

import numpy as np

from grocer.analysis.substitutions.blocking import block_on, category_links_rule
from grocer.analysis.substitutions.diagnostics import count_candidate_pairs, largest_blocks
from tests.unit.substitutions.helpers import frame

ROWS = [
    ("Full Cream Milk 1L", "farmdale", "1000ml"),  # 0: block farmdale|full
    ("Full Cream Milk 2L", "farmdale", "2000ml"),  # 1: block farmdale|full
    ("Full Cream Milk 2L", "coles", "2000ml"),  # 2: other brand, alone
    ("Light Milk 2L", "farmdale", "2000ml"),  # 3: farmdale|light alone; last word milk
    ("Milk 2L", "", "2000ml"),  # 4: no brand: never blocked
]


def test_block_on_brand_and_first_word() -> None:
    blocks = block_on("brand", "first_word").blocks(frame(ROWS))
    assert [(b.key, b.left.tolist()) for b in blocks] == [("farmdale|full", [0, 1])]


def test_block_on_last_word_and_no_brand() -> None:
    rule = block_on("brand", "last_word")
    assert rule.keys(frame(ROWS))[4] is None
    blocks = rule.blocks(frame(ROWS))
    assert [(b.key, b.left.tolist()) for b in blocks] == [("farmdale|milk", [0, 1, 3])]


def test_count_candidate_pairs_marginal_and_cumulative() -> None:
    rules = [block_on("brand", "first_word"), block_on("brand", "last_word")]
    counts = count_candidate_pairs(frame(ROWS), rules)
    # first word: (0,1).  last word: (0,1), (0,3), (1,3); new: (0,3), (1,3).
    assert [(c.pairs, c.marginal, c.cumulative) for c in counts] == [(1, 1, 1), (3, 2, 3)]


def test_category_rule_same_and_linked_blocks() -> None:
    planted = frame(ROWS, members={10: [0, 1], 20: [2], 30: [3, 4]})
    rule = category_links_rule({(10, 20): "MATCH", (20, 30): "CLOSE"}, "SAME", "MATCH")
    blocks = {
        b.key: (b.left.tolist(), None if b.right is None else b.right.tolist())
        for b in rule.blocks(planted)
    }
    assert blocks == {"10": ([0, 1], None), "30": ([3, 4], None), "10-20": ([0, 1], [2])}
    counts = count_candidate_pairs(planted, [rule])
    assert counts[0].pairs == 1 + 1 + 2  # two same-category pairs, 2 x 1 linked


def test_largest_blocks_orders_by_pairs() -> None:
    rows = [(f"Tea {k}", "t", "") for k in range(5)] + [("Cocoa", "c", ""), ("Cocoa x", "c", "")]
    out = largest_blocks(frame(rows), [block_on("brand", "first_word")], n=1)
    assert [(b.key, b.size, b.pairs) for b in out] == [("t|tea", 5, 10)]


def test_pair_indices_of_a_linked_block() -> None:
    planted = frame(ROWS, members={10: [0, 1], 20: [2]})
    block = category_links_rule({(10, 20): "MATCH"}, "MATCH").blocks(planted)[0]
    i, j = block.pair_indices()
    assert sorted(zip(i.tolist(), j.tolist(), strict=True)) == [(0, 2), (1, 2)]
    assert np.array_equal(block.left, [0, 1])
