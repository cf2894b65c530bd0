"""Known-same listings (e.g. two retailers' SKUs sharing a barcode) and how many were found.

A run given such pairs reports the share that ended as one product or as each other's
substitutes at any level: the recall of name-based matching where barcodes prove identity.
Given the listings' barcodes too, it reports the other side: of the listing pairs of two
retailers it joined (one product, or through any chain of same-product links) whose barcodes
are both known, the share whose barcodes agree.
"""

from __future__ import annotations

import gzip
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import orjson
from sqlalchemy import Connection, select

from grocer.db.models import Company, Listing
from grocer.normalize.gtin import clean_gtin
from grocer.unionfind import Groups

ListingKey = tuple[str, str]  # (company slug, sku)
SamePair = tuple[ListingKey, ListingKey]


@dataclass(frozen=True)
class TruthReport:
    """Of ``pairs`` known-same listing pairs (both listed), how many were linked and how."""

    pairs: int
    one_product: int
    substitutes: int
    by_level: dict[int, int]
    linked: int = 0  # two products joined by a same-product link
    joined_known: int = 0  # joined listing pairs of two retailers, both barcodes known
    joined_agree: int = 0  # ... whose barcodes are equal

    @property
    def same_product(self) -> int:
        return self.one_product + self.linked

    @property
    def found(self) -> int:
        return self.one_product + self.linked + self.substitutes

    @property
    def rate(self) -> float:
        return self.found / self.pairs if self.pairs else 0.0

    @property
    def precision(self) -> float:
        """Of the joined listing pairs with known barcodes, the share that share them."""
        return self.joined_agree / self.joined_known if self.joined_known else 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "pairs": self.pairs,
            "one_product": self.one_product,
            "linked": self.linked,
            "substitutes": self.substitutes,
            "by_level": {str(k): v for k, v in sorted(self.by_level.items())},
            "rate": round(self.rate, 4),
            "joined_known": self.joined_known,
            "joined_agree": self.joined_agree,
        }


def barcode_pairs(paths: Sequence[Path]) -> list[SamePair]:
    """Pairs of listings of different companies whose snapshots carry the same barcode.

    Only identity barcodes count (valid GTINs, not in-store variable-measure codes); each
    company's listing of a barcode is taken once.
    """
    return code_pairs(listing_barcodes(paths))


def code_pairs(codes: Mapping[ListingKey, str]) -> list[SamePair]:
    """Pairs of listings of different companies with the same barcode in ``codes``."""
    by_code: dict[str, set[ListingKey]] = defaultdict(set)
    for listing, code in codes.items():
        by_code[code].add(listing)
    pairs: set[SamePair] = set()
    for keys in by_code.values():
        for x, y in combinations(sorted(keys), 2):
            if x[0] != y[0]:
                pairs.add((x, y))
    return sorted(pairs)


def listing_barcodes(paths: Sequence[Path]) -> dict[ListingKey, str]:
    """Each listing's identity barcode in snapshot files (valid GTINs, not in-store codes);
    lines that are not JSON name none (ingest rejects and counts them)."""
    found: dict[ListingKey, str] = {}
    for path in paths:
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rb") as handle:
            for line in handle:
                try:
                    record = orjson.loads(line)
                except orjson.JSONDecodeError:
                    continue
                for company, sku, barcode in _listings(record):
                    gtin = clean_gtin(barcode)
                    if gtin.is_identity and gtin.code and sku:
                        found[(company, sku)] = gtin.code
    return found


def _listings(record: object) -> list[tuple[str, str, object]]:
    """``(company, sku, barcode)`` of a snapshot line, a feed item or a feed listing page."""
    found = []
    for product, meta in _products(record):
        company = str(meta.get("company") or "").strip().lower()
        sku = product.get("sku")
        if company and sku is not None:
            found.append((company, str(sku).strip(), product.get("barcode")))
    return found


def _products(record: object) -> Iterator[tuple[dict, dict]]:
    """Each product's fields and the fields naming its store, in a snapshot line
    (``product`` and ``metadata``), a feed item (one flat object) or a feed listing page
    (its ``products``)."""
    if not isinstance(record, dict):
        return
    if isinstance(record.get("products"), list):
        for item in record["products"]:
            yield from _products(item)
    elif isinstance(record.get("product"), dict):
        yield record["product"], record.get("metadata") or {}
    else:
        yield record, record


def truth_report(
    connection: Connection,
    pairs: Iterable[SamePair],
    substitutions: dict[tuple[int, int], int],
    links: Collection[tuple[int, int]] = frozenset(),
    codes: Mapping[ListingKey, str] | None = None,
) -> TruthReport:
    """How many of ``pairs`` are one product, joined by a same-product link (``links``,
    ``(a, b)`` with a < b), or substitutes (``{(a, b): level}``); with the listings' known
    barcodes (``codes``), how many joined listing pairs share theirs.

    Pairs with a listing not in the database are left out of the count.
    """
    product_of = {
        (slug, sku): pid
        for slug, sku, pid in connection.execute(
            select(Company.slug, Listing.sku, Listing.product_id).join(
                Company, Company.id == Listing.company_id
            )
        )
    }
    total = one = linked = subs = 0
    by_level: dict[int, int] = defaultdict(int)
    for x, y in pairs:
        a, b = product_of.get(x), product_of.get(y)
        if a is None or b is None:
            continue
        total += 1
        if a == b:
            one += 1
            continue
        if (min(a, b), max(a, b)) in links:
            linked += 1
            continue
        level = substitutions.get((min(a, b), max(a, b)))
        if level is not None:
            subs += 1
            by_level[level] += 1
    groups = Groups()
    for a, b in links:
        groups.join(a, b)
    codes = codes or {}
    joined = list(joined_listing_pairs(product_of, groups, codes))
    agree = sum(codes[x] == codes[y] for x, y in joined)
    return TruthReport(total, one, subs, dict(by_level), linked, len(joined), agree)


def joined_listing_pairs(
    product_of: Mapping[ListingKey, int], groups: Groups, codes: Mapping[ListingKey, str]
) -> Iterator[SamePair]:
    """Listing pairs of two companies whose products are one or joined in ``groups`` (of
    product ids), both with a barcode in ``codes``: what a judge of joins counts."""
    known = [listing for listing in product_of if listing in codes]
    for members in groups.members(known, key=lambda listing: product_of[listing]):
        for x, y in combinations(members, 2):
            if x[0] != y[0]:
                yield x, y


def strip_barcodes(path: Path, out: Path) -> Path:
    """A copy of a JSONL snapshot or feed export (plain or gzipped) in folder ``out`` with
    every barcode removed, for measuring how much name-based matching finds where barcodes
    would have proved identity.  A line that is not JSON is copied as it is, for ingest to
    reject and count.

    Raises:
        OSError, EOFError: the file is unreadable or its gzip stream is damaged.
    """
    target = out / path.name
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as source, opener(target, "wb") as sink:
        for line in source:
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError:
                sink.write(line)
                continue
            for product, _ in _products(record):
                if "barcode" in product:
                    product["barcode"] = None
            sink.write(orjson.dumps(record) + b"\n")
    return target
