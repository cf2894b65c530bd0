"""How good the links are: recall on barcode pairs, precision on joined listing pairs.

Folds group the barcode pairs by brand (5-fold cross-validation): every normalised brand key
is in one fold, keys a pair joins in the same fold (the groups dealt to folds largest first,
to balance them), other keys by a stable hash; a listing is in its product's key's fold.  A
listing pair is *joined* when its products are one or linked (through any chain of links).
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from grocer.analysis.identity.fit import ListingKey
from grocer.analysis.substitutions.truth import SamePair, joined_listing_pairs
from grocer.unionfind import Groups


def brand_folds(
    pairs: Iterable[SamePair],
    key_of: Mapping[ListingKey, str],
    keys: Iterable[str],
    folds: int = 5,
) -> dict[str, int]:
    """Brand key -> fold (see the module)."""
    groups = Groups()
    paired: set[str] = set()
    for x, y in pairs:
        if x in key_of and y in key_of:
            groups.join(key_of[x], key_of[y])
            paired.update((key_of[x], key_of[y]))
    members: dict[object, list[str]] = defaultdict(list)
    for key in paired:
        members[groups.find(key)].append(key)
    fold_of: dict[str, int] = {}
    loads = [0] * folds
    for group in sorted(members.values(), key=lambda g: (-len(g), min(g))):
        fold = loads.index(min(loads))
        loads[fold] += len(group)
        fold_of.update((key, fold) for key in group)
    for key in keys:
        fold_of.setdefault(key, zlib.crc32(key.encode()) % folds)
    return fold_of


@dataclass
class FoldScore:
    """One fold's counts."""

    eval_pairs: int = 0
    same_product: int = 0  # one product, or joined through links
    linked_somehow: int = 0  # ... or level 1-3 substitutes
    eval_links: int = 0  # joined Coles-IGA listing pairs with both hidden barcodes known
    false_links: int = 0  # ... whose barcodes differ

    def add(self, other: FoldScore) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def score_fold(
    fold_pairs: Sequence[SamePair],
    in_fold: set[ListingKey],
    product_of: Mapping[ListingKey, int],
    links: Iterable[tuple[int, int]],
    substitutes: set[tuple[int, int]],
    codes: Mapping[ListingKey, str],
    companies: tuple[str, str] = ("coles", "iga"),
) -> FoldScore:
    """Recall on ``fold_pairs`` and precision over joined listing pairs touching ``in_fold``."""
    groups = Groups()
    for a, b in links:
        groups.join(a, b)
    score = FoldScore()
    for x, y in fold_pairs:
        a, b = product_of.get(x), product_of.get(y)
        if a is None or b is None:
            continue
        score.eval_pairs += 1
        if groups.find(a) == groups.find(b):
            score.same_product += 1
            score.linked_somehow += 1
        elif (min(a, b), max(a, b)) in substitutes:
            score.linked_somehow += 1
    for x, y in joined_listing_pairs(product_of, groups, codes):
        if {x[0], y[0]} == set(companies) and (x in in_fold or y in in_fold):
            score.eval_links += 1
            score.false_links += codes[x] != codes[y]
    return score
