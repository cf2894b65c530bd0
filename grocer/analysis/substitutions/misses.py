"""Why known-same pairs (shared barcodes) were not linked: a diagnostic for the levels.

After a run, :func:`explain_misses` lists every pair of ``same_products`` that ended as
neither one product nor substitutes, with what each level saw: the brand keys, the name
forms and their ``token_set_ratio``, the sizes, whether levels 1/2 ever compared the pair,
the two categories and how they are linked, and the cosine of the embedded names.  Each
miss gets two reasons: why levels 1/2 missed it (``name``) and why levels 3/4 did
(``category``).  ``python scripts/subs_truth_misses.py`` prints them for the corpus.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz
from sqlalchemy import Connection, select

from grocer.analysis.substitutions.comparisons import UNKNOWN_SIZES, sizes_agree
from grocer.analysis.substitutions.embeddings import DEFAULT_MODEL_NAME
from grocer.analysis.substitutions.frame import ProductFrame, load_frame
from grocer.analysis.substitutions.settings import COSINE
from grocer.analysis.substitutions.truth import SamePair
from grocer.db.models import CategoryLink, Company, Embedding, Listing, Substitution


@dataclass(frozen=True)
class MissSide:
    """One listing of a missed pair, as the levels saw its product."""

    company: str
    brand: str
    name: str
    form: str
    sizes: str
    category: str


@dataclass(frozen=True)
class Miss:
    """A known-same pair that is neither one product nor substitutes, and why."""

    left: MissSide
    right: MissSide
    ratio: float  # token_set_ratio of the name forms
    cosine: float | None  # of the embedded names (None: not embedded)
    link: str  # SAME, MATCH, CLOSE, DISTANT or "-"
    name: str  # why levels 1 and 2 missed it
    category: str  # why levels 3 and 4 missed it


def _name_reason(frame: ProductFrame, i: int, j: int, ratio: float) -> str:
    if not frame.brand_keys[i] or not frame.brand_keys[j]:
        return "no brand"
    if frame.brand_keys[i] != frame.brand_keys[j]:
        return "brand differs"
    if ratio < 91:
        return "names differ"
    if not sizes_agree(frame.sizes[i], frame.sizes[j]):
        return "sizes differ"
    first, last = frame.first_words, frame.last_words
    if first[i] != first[j] and last[i] != last[j]:
        return "not blocked together"
    one_word = " " not in frame.forms[i] or " " not in frame.forms[j]
    if one_word and (frame.sizes[i] in UNKNOWN_SIZES or frame.sizes[j] in UNKNOWN_SIZES):
        return "one-word name, size unknown"
    return "equal names, or over the per-level cap"


def _category_reason(link: str, cosine: float | None, threshold: float) -> str:
    if cosine is None:
        return "not embedded"
    if cosine <= threshold:
        return "cosine too low"
    return "categories not linked" if link == "-" else "over the per-level cap"


def explain_misses(
    connection: Connection,
    pairs: Iterable[SamePair],
    *,
    model: str = DEFAULT_MODEL_NAME,
    threshold: float = COSINE,
) -> list[Miss]:
    """The pairs of ``pairs`` the stored substitutions miss, with their reasons.

    Reads the tables a run wrote (products, listings, category links, substitutions and
    the cached embeddings of ``model``); pairs with a listing not in the database are
    left out.
    """
    frame = load_frame(connection)
    index = frame.index_of()
    listing = {
        (slug, sku): (pid, cat)
        for slug, sku, pid, cat in connection.execute(
            select(Company.slug, Listing.sku, Listing.product_id, Listing.category_id).join(
                Company, Company.id == Listing.company_id
            )
        )
    }
    found = set(connection.execute(select(Substitution.product_a, Substitution.product_b)))
    links = {
        (a, b): kind
        for a, b, kind in connection.execute(
            select(CategoryLink.category_a, CategoryLink.category_b, CategoryLink.kind)
        )
    }
    vectors = {
        pid: np.frombuffer(vector, dtype=np.float32)
        for pid, vector in connection.execute(
            select(Embedding.product_id, Embedding.vector).where(Embedding.model == model)
        )
    }

    def side(key: tuple[str, str], i: int, category: int | None) -> MissSide:
        path = frame.categories[category].path if category in frame.categories else "-"
        return MissSide(
            key[0], frame.brand_keys[i], frame.names[i], frame.forms[i], frame.sizes[i], path
        )

    out = []
    for x, y in pairs:
        if x not in listing or y not in listing:
            continue
        (a, cat_a), (b, cat_b) = listing[x], listing[y]
        if a == b or (min(a, b), max(a, b)) in found:
            continue
        i, j = index[a], index[b]
        if cat_a is not None and cat_a == cat_b:
            link = "SAME"
        elif cat_a is not None and cat_b is not None:
            link = links.get((min(cat_a, cat_b), max(cat_a, cat_b)), "-")
        else:
            link = "-"
        ratio = fuzz.token_set_ratio(frame.forms[i], frame.forms[j])
        cosine = float(vectors[a] @ vectors[b]) if a in vectors and b in vectors else None
        out.append(
            Miss(
                left=side(x, i, cat_a),
                right=side(y, j, cat_b),
                ratio=round(ratio, 1),
                cosine=None if cosine is None else round(cosine, 3),
                link=link,
                name=_name_reason(frame, i, j, ratio),
                category=_category_reason(link, cosine, threshold),
            )
        )
    return out
