"""An unchunked cosine block over the limit is refused; a chunked one runs."""

from __future__ import annotations

import numpy as np
import pytest

from grocer.analysis.substitutions.blocking import Block
from grocer.analysis.substitutions.diagnostics import BlockTooLarge, check_cosine_blocks


def test_unchunked_block_over_limit_is_refused() -> None:
    blocks = [Block("small", np.arange(10)), Block("7", np.arange(50), np.arange(60, 70))]
    with pytest.raises(BlockTooLarge, match="cosine block 7 has 60 products"):
        check_cosine_blocks(blocks, chunked=False, max_unchunked_block=59)
    check_cosine_blocks(blocks, chunked=False, max_unchunked_block=60)
    check_cosine_blocks(blocks, chunked=True, max_unchunked_block=1)
