"""Candidate generators: which product pairs each level compares at all (splink's blocking).

A :class:`BlockingRule` groups products that agree on some columns (``block_on("brand",
"first_word")``); a :class:`CategoryRule` pairs the products of one category, or of two linked
categories.  Only pairs inside a block are ever compared, so no level is all-pairs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

from grocer.analysis.substitutions.frame import ProductFrame

Column = Literal["brand", "first_word", "last_word", "base", "sizes"]
LinkKind = Literal["SAME", "MATCH", "CLOSE", "DISTANT"]


@dataclass(frozen=True)
class Block:
    """Product indices compared with each other (``right`` None) or left against right."""

    key: str
    left: np.ndarray
    right: np.ndarray | None = None

    @property
    def size(self) -> int:
        return len(self.left) + (0 if self.right is None else len(self.right))

    @property
    def pairs(self) -> int:
        """How many product pairs the block holds."""
        m = len(self.left)
        return m * (m - 1) // 2 if self.right is None else m * len(self.right)

    def pair_indices(self) -> tuple[np.ndarray, np.ndarray]:
        """Every pair of the block as two index arrays."""
        if self.right is None:
            i, j = np.triu_indices(len(self.left), 1)
            return self.left[i], self.left[j]
        i, j = np.meshgrid(self.left, self.right, indexing="ij")
        return i.ravel(), j.ravel()


@dataclass(frozen=True)
class BlockingRule:
    """Products agreeing on every column of ``columns`` form a block (empty brands never do)."""

    columns: tuple[Column, ...]

    @property
    def name(self) -> str:
        return "block_on(" + ", ".join(self.columns) + ")"

    def keys(self, frame: ProductFrame) -> list[str | None]:
        """Each product's block key, None when it is in no block."""
        values: dict[str, list[str]] = {
            "brand": frame.brand_keys,
            "first_word": frame.first_words,
            "last_word": frame.last_words,
            "base": frame.bases,
            "sizes": frame.sizes,
        }
        columns = [values[c] for c in self.columns]
        keys: list[str | None] = []
        for i in range(len(frame)):
            if "brand" in self.columns and not frame.brand_keys[i]:
                keys.append(None)
            else:
                keys.append("|".join(col[i] for col in columns))
        return keys

    def blocks(self, frame: ProductFrame) -> list[Block]:
        """The blocks of two or more products, largest first."""
        groups: dict[str, list[int]] = defaultdict(list)
        for i, key in enumerate(self.keys(frame)):
            if key is not None:
                groups[key].append(i)
        found = [Block(k, np.array(v, dtype=np.int64)) for k, v in groups.items() if len(v) > 1]
        return sorted(found, key=lambda b: (-b.size, b.key))


@dataclass(frozen=True)
class CategoryRule:
    """Products of one category (``SAME``), or of two categories linked by one of ``kinds``."""

    kinds: tuple[LinkKind, ...]
    links: Mapping[tuple[int, int], str]

    @property
    def name(self) -> str:
        return "categories(" + ", ".join(self.kinds) + ")"

    def blocks(self, frame: ProductFrame) -> list[Block]:
        """One block per category (when ``SAME``) and one per linked pair of ``kinds``."""
        found: list[Block] = []
        if "SAME" in self.kinds:
            for category_id, members in frame.members.items():
                if len(members) > 1:
                    found.append(Block(str(category_id), members))
        for (a, b), kind in self.links.items():
            if kind in self.kinds and a in frame.members and b in frame.members:
                found.append(Block(f"{a}-{b}", frame.members[a], frame.members[b]))
        return sorted(found, key=lambda blk: (-blk.size, blk.key))


Rule = BlockingRule | CategoryRule


def block_on(*columns: Column) -> BlockingRule:
    """A blocking rule on equal values of ``columns``.

    Args:
        *columns: any of ``brand`` (the brand key; products without a brand are never
            blocked), ``first_word`` / ``last_word`` (of the name without sizes and brand
            words), ``base`` (that whole name) and ``sizes`` (the canonical sizes).

    Returns:
        The rule; ``rule.blocks(frame)`` lists its blocks.

    Examples:
        >>> block_on("brand", "first_word").name
        'block_on(brand, first_word)'
    """
    return BlockingRule(tuple(columns))


def category_links_rule(links: Mapping[tuple[int, int], str], *kinds: LinkKind) -> CategoryRule:
    """A category rule over ``links`` (``{(category_a, category_b): kind}``) of ``kinds``."""
    return CategoryRule(tuple(kinds), dict(links))


def pair_codes(blocks: Iterable[Block], n: int) -> np.ndarray:
    """The unique pairs of ``blocks`` as sorted codes ``min * n + max`` (for counting)."""
    parts = []
    for block in blocks:
        i, j = block.pair_indices()
        keep = i != j
        i, j = i[keep], j[keep]
        parts.append(np.minimum(i, j) * n + np.maximum(i, j))
    if not parts:
        return np.empty(0, dtype=np.int64)
    return np.unique(np.concatenate(parts))
