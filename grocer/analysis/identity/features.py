"""What identity knows of a candidate pair: one number per feature, each in 0-1.

``brand_agree`` (identity brands agree, or one's brand starts the other's name),
``brand_conflict`` (both brands known and neither agrees), ``name_set`` and ``name_sort``
(rapidfuzz token set and token sort ratios of the name forms), ``cover_low`` and
``cover_high`` (of each name's words weighted by rarity, the share the other name has: the
lower and the higher; "Super Crunchy" is not "Crunchy"), ``number_conflict`` (both names
hold numbers that are not sizes, and differ: 70% and 85% cocoa), ``cosine`` (of the embedded
base names), ``size_equal`` (a g or ml amount in common), ``size_unknown`` (one names no
amount) and ``category`` (1 the same or MATCH-linked categories, 0.5 CLOSE, 0.25 DISTANT, else 0).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz

from grocer.analysis.identity.brands import brands_agree, name_brand
from grocer.analysis.identity.candidates import amounts
from grocer.analysis.substitutions.frame import ProductFrame
from grocer.normalize.text import words

FEATURES = (
    "brand_agree",
    "brand_conflict",
    "name_set",
    "name_sort",
    "cover_low",
    "cover_high",
    "number_conflict",
    "cosine",
    "size_equal",
    "size_unknown",
    "category",
)
KIND_CLOSENESS = {"MATCH": 1.0, "CLOSE": 0.5, "DISTANT": 0.25}


@dataclass(frozen=True)
class PairContext:
    """Per product: its identity brand, name words, name form and size amounts; its
    categories and the category links between them."""

    brands: Sequence[str]
    name_words: Sequence[list[str]]
    forms: Sequence[str]
    amounts: Sequence[frozenset[str]]
    categories: Sequence[tuple[int, ...]]
    kinds: Mapping[tuple[int, int], str]
    rarity: Mapping[str, float]  # word -> inverse document frequency over the forms

    @classmethod
    def of(
        cls, frame: ProductFrame, brands: Sequence[str], kinds: Mapping[tuple[int, int], str]
    ) -> PairContext:
        """The context of ``frame`` with identity ``brands`` (one per product)."""
        categories: dict[int, list[int]] = defaultdict(list)
        for category, members in frame.members.items():
            for index in members.tolist():
                categories[index].append(category)
        documents = Counter(word for form in frame.forms for word in set(form.split()))
        total = max(len(frame.forms), 1)
        return cls(
            brands=brands,
            name_words=[words(n) for n in frame.names],
            forms=frame.forms,
            rarity={word: math.log(total / count) for word, count in documents.items()},
            amounts=[amounts(s) for s in frame.sizes],
            categories=[tuple(categories.get(i, ())) for i in range(len(frame))],
            kinds=kinds,
        )

    def coverage(self, a: int, b: int) -> tuple[float, float]:
        """Of each form's rarity mass, the share the other form holds (a word held when the
        other has it, or one is the start of the other, 4 letters at least: "choc")."""
        first, second = set(self.forms[a].split()), set(self.forms[b].split())
        return _covered(first, second, self.rarity), _covered(second, first, self.rarity)

    def category_closeness(self, i: int, j: int) -> float:
        """How closely the two products' categories are linked (see the module)."""
        best = 0.0
        for a in self.categories[i]:
            for b in self.categories[j]:
                if a == b:
                    return 1.0
                kind = self.kinds.get((min(a, b), max(a, b)))
                best = max(best, KIND_CLOSENESS.get(kind, 0.0) if kind else 0.0)
        return best


def pair_features(
    context: PairContext, vectors: np.ndarray, i: np.ndarray, j: np.ndarray
) -> np.ndarray:
    """The features (columns in :data:`FEATURES` order) of index pairs ``(i[k], j[k])``."""
    out = np.zeros((len(i), len(FEATURES)), dtype=np.float64)
    out[:, FEATURES.index("cosine")] = np.einsum("ij,ij->i", vectors[i], vectors[j])
    brands, names, forms, held = context.brands, context.name_words, context.forms, context.amounts
    for row, (a, b) in enumerate(zip(i.tolist(), j.tolist(), strict=True)):
        agree = (
            brands_agree(brands[a], brands[b])
            or name_brand(names[b], brands[a])
            or name_brand(names[a], brands[b])
        )
        out[row, 0] = agree
        out[row, 1] = bool(brands[a] and brands[b]) and not agree
        out[row, 2] = fuzz.token_set_ratio(forms[a], forms[b]) / 100
        out[row, 3] = fuzz.token_sort_ratio(forms[a], forms[b]) / 100
        first, second = context.coverage(a, b)
        out[row, 4], out[row, 5] = min(first, second), max(first, second)
        out[row, 6] = number_conflict(names[a], names[b])
        out[row, 8] = bool(held[a] & held[b])
        out[row, 9] = not held[a] or not held[b]
        out[row, 10] = context.category_closeness(a, b)
    return out


def _covered(words_of: set[str], other: set[str], rarity: Mapping[str, float]) -> float:
    mass = held = 0.0
    for word in words_of:
        weight = rarity.get(word, 1.0)
        mass += weight
        if word in other or any(
            min(len(word), len(o)) >= 4 and (o.startswith(word) or word.startswith(o))
            for o in other
        ):
            held += weight
    return held / mass if mass else 1.0


_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
_SIZE_UNITS = frozenset({"g", "kg", "ml", "l", "pk", "pack", "x", "mg", "cm", "m", "s"})


def number_conflict(first: list[str], second: list[str]) -> bool:
    """Both names hold numbers that are not sizes, and those differ.

    >>> number_conflict(["excellence", "78", "cocoa"], ["excellence", "85", "cocoa"])
    True
    >>> number_conflict(["milk", "2", "l"], ["milk", "3", "l"]), number_conflict(["a"], ["1"])
    (False, False)
    """
    a, b = _plain_numbers(first), _plain_numbers(second)
    return bool(a and b and a != b)


def _plain_numbers(name: list[str]) -> frozenset[str]:
    found = set()
    for k, word in enumerate(name):
        following = name[k + 1] if k + 1 < len(name) else ""
        if _NUMBER.match(word) and following not in _SIZE_UNITS:
            found.add(word)
    return frozenset(found)
