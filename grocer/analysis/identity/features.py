"""What identity knows of a candidate pair: one number per feature, each in 0-1.

``brand_agree`` (identity brands agree, or one's brand starts the other's name),
``brand_conflict`` (both brands known and neither agrees), ``name_set`` and ``name_sort``
(rapidfuzz token set and token sort ratios of the name forms), ``cover_low`` and
``cover_high`` (of each name's words weighted by rarity, the share the other name has: the
lower and the higher; "Super Crunchy" is not "Crunchy"), ``number_conflict`` (both names
hold numbers that are not sizes, and differ: 70% and 85% cocoa), ``variant_words`` (words
of one name the other lacks though its retailer uses them for that brand, its category's
common words aside: IGA names a "Super Crunchy" Bega peanut butter, so its plain "Crunchy" is
another; 0, 0.5 for one, 1 for more), ``distinct_words`` (words of one name the other lacks,
not even as two words written as one ("teevee" / "tee vee"), that are neither common in its
category nor stop or brand words: Coles' "Breakfast Cereal" after a cereal's name says
nothing, "Crunchie" against "Picnic" says two sharepacks; 0, 0.5 for one, 1 for more),
``cosine`` (of the embedded base names), ``size_equal`` (a g or ml amount in common),
``size_unknown`` (one names no amount), ``price_gap`` and ``price_unknown`` (:mod:`.prices`:
a 12-pack costs twice a 6-pack), ``count_agree`` and ``count_conflict`` (both packs' item
counts known, from a size's "6pk" or a price per each, and equal or not: IGA's "Each"
Crunchie Sharepack at $0.58 each holds 12), ``content_agree`` and ``content_conflict`` (both
packs' g or ml read from a price per kg or l, and within 5% or beyond 15%: three 95 g tins
are not one) and ``category`` (1 the same or MATCH-linked categories, 0.5 CLOSE, 0.25
DISTANT, else 0).
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
from grocer.analysis.identity.prices import (
    PriceEvidence,
    content_agreement,
    count_agreement,
    price_gaps,
    size_counts,
)
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
    "variant_words",
    "distinct_words",
    "cosine",
    "size_equal",
    "size_unknown",
    "price_gap",
    "price_unknown",
    "count_agree",
    "count_conflict",
    "content_agree",
    "content_conflict",
    "category",
)
KIND_CLOSENESS = {"MATCH": 1.0, "CLOSE": 0.5, "DISTANT": 0.25}
# A word in this share of a category's names (of 5 at least) is one of its common words.
COMMON_SHARE = 0.2
COMMON_MIN_PRODUCTS = 5
STOP_WORDS = frozenset({"a", "and", "for", "in", "n", "of", "on", "the", "with"})


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
    pack_counts: np.ndarray  # the pack count each size text states (NaN: none)
    companies: Sequence[frozenset[int]]
    common_words: Sequence[frozenset[str]]  # words common in each product's categories
    # (company id, identity brand) -> the words of that retailer's names of the brand
    vocabulary: Mapping[tuple[int, str], frozenset[str]]

    @classmethod
    def of(
        cls, frame: ProductFrame, brands: Sequence[str], kinds: Mapping[tuple[int, int], str]
    ) -> PairContext:
        """The context of ``frame`` with identity ``brands`` (one per product)."""
        categories: dict[int, list[int]] = defaultdict(list)
        common: dict[int, set[str]] = defaultdict(set)
        for category, members in frame.members.items():
            indices = members.tolist()
            in_category = Counter(w for k in indices for w in set(frame.forms[k].split()))
            usual = {w for w, n in in_category.items() if n >= COMMON_SHARE * len(indices)}
            for index in indices:
                categories[index].append(category)
                if len(indices) >= COMMON_MIN_PRODUCTS:
                    common[index] |= usual
        documents = Counter(word for form in frame.forms for word in set(form.split()))
        total = max(len(frame.forms), 1)
        vocabulary: dict[tuple[int, str], set[str]] = defaultdict(set)
        for form, brand, companies in zip(frame.forms, brands, frame.companies, strict=True):
            if brand:
                for company in companies:
                    vocabulary[(company, brand)].update(form.split())
        return cls(
            brands=brands,
            name_words=[words(n) for n in frame.names],
            forms=frame.forms,
            rarity={word: math.log(total / count) for word, count in documents.items()},
            amounts=[amounts(s) for s in frame.sizes],
            pack_counts=size_counts(list(frame.sizes)),
            categories=[tuple(categories.get(i, ())) for i in range(len(frame))],
            common_words=[frozenset(common.get(i, ())) for i in range(len(frame))],
            kinds=kinds,
            companies=frame.companies,
            vocabulary={key: frozenset(found) for key, found in vocabulary.items()},
        )

    def coverage(self, a: int, b: int) -> tuple[float, float]:
        """Of each form's rarity mass, the share the other form holds (a word held when the
        other has it, or one is the start of the other, 4 letters at least: "choc")."""
        first, second = set(self.forms[a].split()), set(self.forms[b].split())
        return _covered(first, second, self.rarity), _covered(second, first, self.rarity)

    def variant_words(self, a: int, b: int) -> int:
        """How many words of either form the other lacks while the other's retailers use
        them in names of the other's brand."""
        first, second = set(self.forms[a].split()), set(self.forms[b].split())
        count = 0
        for mine, theirs, own, other in ((first, second, a, b), (second, first, b, a)):
            brand = self.brands[other]
            if not brand:
                continue
            used: set[str] = set()
            for company in self.companies[other]:
                used |= self.vocabulary.get((company, brand), frozenset())
            common = self.common_words[own]
            count += sum(1 for w in mine if w in used and w not in common and not _held(w, theirs))
        return count

    def distinct_words(self, a: int, b: int) -> int:
        """How many words of either form the other lacks (see the module) that are not
        common words of the first's categories."""
        first, second = _joined(self.forms[a]), _joined(self.forms[b])
        said = _brand_words(self.brands[a]) | _brand_words(self.brands[b])
        return sum(
            1
            for own, theirs in ((a, second), (b, first))
            for w in set(self.forms[own].split()) - STOP_WORDS - said
            if w not in self.common_words[own] and not _held(w, theirs)
        )

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
    context: PairContext,
    vectors: np.ndarray,
    prices: PriceEvidence,
    i: np.ndarray,
    j: np.ndarray,
) -> np.ndarray:
    """The features (columns in :data:`FEATURES` order) of index pairs ``(i[k], j[k])``;
    ``prices``: each product's regular price and count read from its prices."""
    out = np.zeros((len(i), len(FEATURES)), dtype=np.float64)
    out[:, FEATURES.index("cosine")] = np.einsum("ij,ij->i", vectors[i], vectors[j])
    gap, unknown = price_gaps(prices.regular, i, j)
    out[:, FEATURES.index("price_gap")] = gap
    out[:, FEATURES.index("price_unknown")] = unknown
    stated = ~np.isnan(context.pack_counts)
    low = np.where(stated, context.pack_counts, prices.count_low)
    high = np.where(stated, context.pack_counts, prices.count_high)
    together, apart = count_agreement(low, high, i, j)
    out[:, FEATURES.index("count_agree")] = together
    out[:, FEATURES.index("count_conflict")] = apart
    together, apart = content_agreement(prices, i, j)
    out[:, FEATURES.index("content_agree")] = together
    out[:, FEATURES.index("content_conflict")] = apart
    brands, names, forms, sized = context.brands, context.name_words, context.forms, context.amounts
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
        out[row, 7] = min(context.variant_words(a, b), 2) / 2
        out[row, FEATURES.index("distinct_words")] = min(context.distinct_words(a, b), 2) / 2
        out[row, FEATURES.index("size_equal")] = bool(sized[a] & sized[b])
        out[row, FEATURES.index("size_unknown")] = not sized[a] or not sized[b]
        out[row, FEATURES.index("category")] = context.category_closeness(a, b)
    return out


def _covered(words_of: set[str], other: set[str], rarity: Mapping[str, float]) -> float:
    mass = kept = 0.0
    for word in words_of:
        weight = rarity.get(word, 1.0)
        mass += weight
        if _held(word, other):
            kept += weight
    return kept / mass if mass else 1.0


def _joined(form: str) -> set[str]:
    """A form's words and each two neighbours written as one ("tee vee": "teevee")."""
    found = form.split()
    return set(found) | {x + y for x, y in zip(found, found[1:], strict=False)}


def _brand_words(brand: str) -> set[str]:
    """A brand's words and the brand written as one word."""
    return set(brand.split()) | {brand.replace(" ", "")} if brand else set()


def _held(word: str, other: set[str]) -> bool:
    """``word`` is in ``other``, or starts or is started by one of its words (4 letters at
    least: "choc" and "chocolate")."""
    return word in other or any(
        min(len(word), len(o)) >= 4 and (o.startswith(word) or word.startswith(o)) for o in other
    )


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
