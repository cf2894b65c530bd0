"""Blocking diagnostics: candidate pairs per rule and the largest blocks, before any scoring.

Splink's ``count_comparisons_from_blocking_rules`` and ``n_largest_blocks``: an O(n²) block
shows up here as a number, and a cosine block over the configured limit is refused unless the
similarity is chunked.  :func:`rule_sentence` says a rule's figures in one short line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from grocer.analysis.substitutions.blocking import Block, Rule, pair_codes
from grocer.analysis.substitutions.frame import ProductFrame
from grocer.analysis.substitutions.settings import ENUMERATE_LIMIT


class BlockTooLarge(RuntimeError):
    """A cosine block is larger than the unchunked limit and chunking is off."""


@dataclass(frozen=True)
class RuleCount:
    """Candidate pairs of one rule: its own, those no earlier rule made, and the total so far.

    ``marginal`` and ``cumulative`` are None when a rule makes too many pairs to enumerate.
    """

    rule: str
    pairs: int
    marginal: int | None
    cumulative: int | None


@dataclass(frozen=True)
class BlockSize:
    """One block of a rule: its key, product count and pairs."""

    rule: str
    key: str
    size: int
    pairs: int


def count_candidate_pairs(
    products: ProductFrame, rules: Sequence[Rule], *, enumerate_limit: int = ENUMERATE_LIMIT
) -> list[RuleCount]:
    """Count the candidate pairs each blocking rule generates, without comparing any.

    Args:
        products: the product frame (``load_frame``).
        rules: blocking rules in order (``block_on(...)``, category rules).
        enumerate_limit: rules with more pairs than this get no marginal count.

    Returns:
        One :class:`RuleCount` per rule, in order.

    Examples:
        >>> from grocer.analysis.substitutions.blocking import block_on
        >>> frame = ProductFrame(np.array([1, 2, 3]), ["Milk 1L", "Milk 2L", "Tea"],
        ...                      ["a", "a", "a"], ["1000ml", "2000ml", ""], [None] * 3)
        >>> [c.pairs for c in count_candidate_pairs(frame, [block_on("brand", "first_word")])]
        [1]
    """
    counts: list[RuleCount] = []
    seen = np.empty(0, dtype=np.int64)
    cumulative: int | None = 0
    n = max(len(products), 1)
    for rule in rules:
        blocks = rule.blocks(products)
        pairs = sum(b.pairs for b in blocks)
        marginal: int | None = None
        if cumulative is not None and pairs <= enumerate_limit:
            codes = pair_codes(blocks, n)
            new = np.setdiff1d(codes, seen, assume_unique=True)
            marginal = len(new)
            seen = np.union1d(seen, new)
            cumulative = len(seen)
        else:
            cumulative = None
        counts.append(RuleCount(rule.name, pairs, marginal, cumulative))
    return counts


def largest_blocks(products: ProductFrame, rules: Sequence[Rule], n: int = 5) -> list[BlockSize]:
    """The ``n`` largest blocks (by pairs) of every rule, largest first.

    Args:
        products: the product frame.
        rules: the blocking rules.
        n: blocks reported per rule.

    Returns:
        :class:`BlockSize` rows, rule by rule.
    """
    out = []
    for rule in rules:
        blocks = sorted(rule.blocks(products), key=lambda b: (-b.pairs, b.key))[:n]
        out += [BlockSize(rule.name, b.key, b.size, b.pairs) for b in blocks]
    return out


def check_cosine_blocks(
    blocks: Sequence[Block], *, chunked: bool, max_unchunked_block: int
) -> None:
    """Refuse an unchunked cosine block of more than ``max_unchunked_block`` products.

    Raises:
        BlockTooLarge: naming the block.
    """
    if chunked:
        return
    for block in blocks:
        if block.size > max_unchunked_block:
            raise BlockTooLarge(
                f"cosine block {block.key} has {block.size} products, over the unchunked "
                f"limit of {max_unchunked_block}; enable chunking or raise the limit"
            )


def rule_sentence(count: RuleCount, largest: BlockSize | None, *, key_width: int = 30) -> str:
    """One short sentence of a rule: its candidate pairs, the new ones, and its largest block.

    The block key is cut to ``key_width`` characters, so the sentence stays short.

    >>> rule_sentence(RuleCount("block_on(brand)", 10, 4, 10), BlockSize("block_on(brand)",
    ...               "cadbury", 5, 10))
    'block_on(brand): 10 candidate pairs (4 new), largest block cadbury of 5 products'
    """
    new = "too many to count new" if count.marginal is None else f"{count.marginal} new"
    if largest is None:
        block = "no block of two or more products"
    else:
        key = largest.key if len(largest.key) <= key_width else largest.key[: key_width - 1] + "…"
        block = f"largest block {key} of {largest.size} products"
    return f"{count.rule}: {count.pairs} candidate pairs ({new}), {block}"
