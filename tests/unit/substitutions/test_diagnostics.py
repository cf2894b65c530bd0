"""An unchunked cosine block over the limit is refused; a chunked one runs; a rule's log
sentence is short."""

from __future__ import annotations

import numpy as np
import pytest

from grocer.analysis.substitutions.blocking import Block
from grocer.analysis.substitutions.diagnostics import (
    BlockSize,
    BlockTooLarge,
    RuleCount,
    check_cosine_blocks,
    rule_sentence,
)


def test_unchunked_block_over_limit_is_refused() -> None:
    blocks = [Block("small", np.arange(10)), Block("7", np.arange(50), np.arange(60, 70))]
    with pytest.raises(BlockTooLarge, match="cosine block 7 has 60 products"):
        check_cosine_blocks(blocks, chunked=False, max_unchunked_block=59)
    check_cosine_blocks(blocks, chunked=False, max_unchunked_block=60)
    check_cosine_blocks(blocks, chunked=True, max_unchunked_block=1)


def test_rule_sentence_is_one_short_line() -> None:
    rule = "categories(CLOSE, DISTANT)"
    huge = RuleCount(rule, 9_876_543_210, None, None)
    block = BlockSize(rule, "belmont biscuit company of australia|biscuit", 123_456, 10**9)
    sentence = rule_sentence(huge, block)
    assert sentence == (
        "categories(CLOSE, DISTANT): 9876543210 candidate pairs (too many to count new), "
        "largest block belmont biscuit company of au… of 123456 products"
    )
    assert len(sentence) < 150
    assert rule_sentence(RuleCount(rule, 0, 0, 0), None).endswith(
        "0 candidate pairs (0 new), no block of two or more products"
    )
