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
``short_missing`` (words of the shorter name the longer lacks, common words included: "Lindt
Excellence Milk" is not "Excellence Orange Dark Chocolate Block"; 0, 0.5, 1), ``cosine``
(of the embedded base names), ``size_equal`` (a g or ml amount in common),
``size_unknown`` (one names no amount), ``price_gap`` and ``price_unknown`` (:mod:`.prices`:
a 12-pack costs twice a 6-pack), ``count_agree`` and ``count_conflict`` (both packs' item
counts known, from a size's "6pk" or a price per each, and equal or not: IGA's "Each"
Crunchie Sharepack at $0.58 each holds 12), ``content_agree`` and ``content_conflict`` (both
packs' g or ml read from a price per kg or l, and within 5% or beyond 15%: three 95 g tins
are not one), ``category`` (1 the same or MATCH-linked categories, 0.5 CLOSE, 0.25
DISTANT, else 0), ``unsized_unlinked`` (one names no amount and their categories are not
linked: nothing vouches that a 1.5 kg muesli and an "Each" of muesli bars are one kind of
thing, while ``category`` alone weighs little, as a brand's variants share categories).  The
name features (:data:`NAME_FEATURES`) are read again with a shelf label for its product's
name (:func:`label_text`), and the pair keeps the better reading.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from grocer.analysis.identity.brands import brands_agree, name_brand
from grocer.analysis.identity.candidates import amounts
from grocer.analysis.identity.prices import (
    PriceEvidence,
    content_agreement,
    count_agreement,
    price_gaps,
    size_counts,
)
from grocer.analysis.substitutions.frame import ProductFrame, base_name, name_form
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
    "short_missing",
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
    "unsized_unlinked",
)
# The features read off names (and again off shelf labels): agreements, then conflicts.
AGREEMENT = ("brand_agree", "name_set", "name_sort", "cover_low", "cover_high")
CONFLICT = (
    "brand_conflict",
    "number_conflict",
    "variant_words",
    "distinct_words",
    "short_missing",
)
NAME_FEATURES = AGREEMENT + CONFLICT
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
    # Per product: its shelf label's name form and words (:func:`label_text`), or None.
    label_forms: Sequence[str | None] = ()
    label_words: Sequence[list[str] | None] = ()

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
        labels = [label_text(x) if x else None for x in frame.labels or [None] * len(frame)]
        label_forms = [
            None if not x or (form := name_form(base_name(x, key))) == own else form
            for x, key, own in zip(labels, frame.brand_keys, frame.forms, strict=True)
        ]
        return cls(
            brands=brands,
            label_forms=label_forms,
            label_words=[
                words(x) if x and form else None
                for x, form in zip(labels, label_forms, strict=True)
            ],
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

    def labelled(self) -> PairContext | None:
        """This context with each shelf label in place of its product's name (the words'
        rarity, categories and vocabularies still the names'); None without labels."""
        if not any(self.label_forms):
            return None
        return replace(
            self,
            forms=[x or f for x, f in zip(self.label_forms, self.forms, strict=True)],
            name_words=[x or n for x, n in zip(self.label_words, self.name_words, strict=True)],
        )

    def coverage(self, a: int, b: int) -> tuple[float, float]:
        """Of each form's rarity mass, the share the other form holds (a word held when the
        other has it, or one is the start of the other, 4 letters at least: "choc")."""
        first, second = self.word_sets[a], self.word_sets[b]
        return _covered(first, second, self.rarity), _covered(second, first, self.rarity)

    def variant_words(self, a: int, b: int) -> int:
        """How many words of either form the other lacks while the other's retailers use
        them in names of the other's brand."""
        first, second = self.word_sets[a], self.word_sets[b]
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

    def word_gaps(self, a: int, b: int) -> tuple[int, int]:
        """How many words of either form the other lacks (:meth:`unmatched`) that are not
        common words of its own categories (the distinct words); and how many words of the
        shorter form (of fewer words; on a tie, the one missing more) the longer lacks,
        common words included: "Lindt Excellence Milk" is not "Excellence Orange Dark
        Chocolate Block", though "milk" is common in chocolate."""
        first, second = self.unmatched(a, b), self.unmatched(b, a)
        distinct = sum(w not in self.common_words[a] for w in first) + sum(
            w not in self.common_words[b] for w in second
        )
        size_a, size_b = len(self.form_words[a]), len(self.form_words[b])
        if size_a != size_b:
            return distinct, len(first) if size_a < size_b else len(second)
        return distinct, max(len(first), len(second))

    def unmatched(self, own: int, other: int) -> set[str]:
        """The words of ``own``'s form that ``other``'s lacks (see :func:`_held`), not
        even as two words written as one ("tee vee" / "teevee"), stop and brand words
        aside."""
        theirs = self.joined_words[other]
        said = self.brand_words[own] | self.brand_words[other]
        mine = self.form_words[own]
        lacking = {
            w for w in mine if w not in STOP_WORDS and w not in said and not _held(w, theirs)
        }
        if lacking:  # two of them may be one word of the other's: "bi carb" / "bicarbonate"
            for x, y in zip(mine, mine[1:], strict=False):
                if (x in lacking or y in lacking) and any(o.startswith(x + y) for o in theirs):
                    lacking -= {x, y}
        return lacking

    @cached_property
    def form_words(self) -> list[list[str]]:
        """Each form's words."""
        return [form.split() for form in self.forms]

    @cached_property
    def word_sets(self) -> list[frozenset[str]]:
        """Each form's words as a set."""
        return [frozenset(words) for words in self.form_words]

    @cached_property
    def joined_words(self) -> list[frozenset[str]]:
        """Each form's words and each two neighbours written as one."""
        return [frozenset(_joined(form)) for form in self.forms]

    @cached_property
    def brand_words(self) -> list[frozenset[str]]:
        """Each identity brand's words and the brand written as one word."""
        return [frozenset(_brand_words(brand)) for brand in self.brands]

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
    ``prices``: each product's regular price and count read from its prices.  Name features
    are read off the names and again with shelf labels for names (:meth:`PairContext.labelled`):
    a pair keeps the closer agreement and the fewer conflicts of the two."""
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
    columns = [FEATURES.index(name) for name in NAME_FEATURES]
    out[:, columns] = name_features(context, i, j)
    labelled = context.labelled()
    if labelled is not None:
        has_label = np.array([label is not None for label in context.label_forms], dtype=bool)
        rows = np.nonzero(has_label[i] | has_label[j])[0]
        again = name_features(labelled, i[rows], j[rows])
        agreeing = len(AGREEMENT)
        best = out[np.ix_(rows, columns)]
        best[:, :agreeing] = np.maximum(best[:, :agreeing], again[:, :agreeing])
        best[:, agreeing:] = np.minimum(best[:, agreeing:], again[:, agreeing:])
        out[np.ix_(rows, columns)] = best
    sized = context.amounts
    for row, (a, b) in enumerate(zip(i.tolist(), j.tolist(), strict=True)):
        out[row, FEATURES.index("size_equal")] = bool(sized[a] & sized[b])
        out[row, FEATURES.index("size_unknown")] = not sized[a] or not sized[b]
        out[row, FEATURES.index("category")] = context.category_closeness(a, b)
    unsized = out[:, FEATURES.index("size_unknown")] > 0
    out[:, FEATURES.index("unsized_unlinked")] = unsized & (out[:, FEATURES.index("category")] == 0)
    return out


def name_features(context: PairContext, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """The :data:`NAME_FEATURES` (in that order) of index pairs ``(i[k], j[k])``."""
    out = np.zeros((len(i), len(NAME_FEATURES)), dtype=np.float64)
    brands, names, forms = context.brands, context.name_words, context.forms
    for row, (a, b) in enumerate(zip(i.tolist(), j.tolist(), strict=True)):
        agree = (
            brands_agree(brands[a], brands[b])
            or name_brand(names[b], brands[a])
            or name_brand(names[a], brands[b])
        )
        first, second = context.coverage(a, b)
        distinct, short = context.word_gaps(a, b)
        out[row] = (
            agree,
            fuzz.token_set_ratio(forms[a], forms[b]) / 100,
            fuzz.token_sort_ratio(forms[a], forms[b]) / 100,
            min(first, second),
            max(first, second),
            bool(brands[a] and brands[b]) and not agree,
            number_conflict(names[a], names[b]),
            min(context.variant_words(a, b), 2) / 2,
            min(distinct, 2) / 2,
            min(short, 2) / 2,
        )
    return out


def _covered(words_of: frozenset[str], other: frozenset[str], rarity: Mapping[str, float]) -> float:
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


def _held(word: str, other: frozenset[str]) -> bool:
    """``word`` is in ``other``, or starts or is started by one of its words (4 letters at
    least: "choc" and "chocolate"), or is one of them misspelt by a letter (5 letters at
    least: "cumin" and "cummin")."""
    if word in other:
        return True
    size = len(word)
    if size < 4:
        return False
    for o in other:
        length = len(o)
        if length >= 4 and (o.startswith(word) or word.startswith(o)):
            return True
        if size >= 5 and length >= 5 and abs(size - length) <= 1:
            if Levenshtein.distance(word, o) <= 1:
                return True
    return False


_GLUED_SIZE = re.compile(r"(?<=[A-Za-z])(?=\d)")
_TRAILING_NUMBER = re.compile(r"\s\d+\s*$")


def label_text(label: str) -> str:
    """A shelf label read as a name: its fields apart, a size glued to a word split off,
    a trailing bare number (a count or a size without its unit) dropped.

    >>> label_text("NICE AND NATURAL NUT BAR:MIXED BERRY:.:192 GRAM")
    'NICE AND NATURAL NUT BAR MIXED BERRY . 192 GRAM'
    >>> label_text("HARVEST SNAPS PEA SR CREAM AND CHIVES120G"), label_text("NUT BAR CARAMEL 180")
    ('HARVEST SNAPS PEA SR CREAM AND CHIVES 120G', 'NUT BAR CARAMEL')
    """
    text = _GLUED_SIZE.sub(" ", label.replace(":", " "))
    return " ".join(_TRAILING_NUMBER.sub("", text).split())


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
