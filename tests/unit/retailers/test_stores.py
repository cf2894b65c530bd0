"""Tests for grocer.retailers.store_records: canonical ids, classification, the store master import."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from grocer.constants import NOT_CRAWLABLE_FUEL, NOT_CRAWLABLE_LIQUOR, NOT_CRAWLABLE_NO_SHOP
from grocer.items import StoreItem
from grocer.retailers.store_records import (
    canonical_store_id,
    classify_store,
    coles_cookie_store_id,
    parse_store_master,
)


@pytest.mark.parametrize(
    ("company", "raw", "expected"),
    [
        ("coles", "col:0401", "COL:401"),
        ("coles", "COL:401", "COL:401"),
        ("coles", "0401", "COL:401"),
        ("coles", "lqr:02475", "LQR:2475"),
        ("coles", " VIN:2437 ", "VIN:2437"),
        ("aldi", "g102", "G102"),
        ("aldi", "G001", "G001"),
        ("aldi", "g1", "G001"),
        ("aldi", "G0102", "G102"),
        ("woolworths", "01147", "1147"),
        ("woolworths", 1147, "1147"),
        ("iga", " 14573 ", "14573"),
    ],
)
def test_canonical_store_id(company: str, raw: Any, expected: str) -> None:
    assert canonical_store_id(company, raw) == expected


@pytest.mark.parametrize(
    ("company", "raw"),
    [
        ("coles", "abc"),
        ("coles", "COL:"),
        ("aldi", "102"),
        ("aldi", "X102"),
        ("woolworths", "G102"),
        ("iga", ""),
        ("iga", None),
        ("costco", "1"),
    ],
)
def test_canonical_store_id_rejects_junk(company: str, raw: Any) -> None:
    with pytest.raises(ValueError):
        canonical_store_id(company, raw)


@pytest.mark.parametrize(
    ("raw", "cookie"), [("COL:401", "401"), ("col:0314", "314"), ("0432", "432")]
)
def test_coles_cookie_store_id(raw: str, cookie: str) -> None:
    assert coles_cookie_store_id(raw) == cookie


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (StoreItem("coles", "COL:401"), ("Coles", True, None)),
        (StoreItem("coles", "LQR:2426"), ("Liquorland", False, NOT_CRAWLABLE_LIQUOR)),
        (StoreItem("coles", "VIN:2437"), ("Vintage Cellars", False, NOT_CRAWLABLE_LIQUOR)),
        (StoreItem("woolworths", "1550", banner="Woolworths"), ("Woolworths", True, None)),
        (
            StoreItem("woolworths", "22447", banner="Ampol Foodary"),
            ("Ampol Foodary", False, NOT_CRAWLABLE_FUEL),
        ),
        (StoreItem("woolworths", "91834", banner="EG"), ("EG", False, NOT_CRAWLABLE_FUEL)),
        (StoreItem("iga", "14573", aux_id="53188"), ("IGA", True, None)),
        (StoreItem("iga", "14796"), ("IGA", False, NOT_CRAWLABLE_NO_SHOP)),
        (StoreItem("aldi", "G102"), ("Aldi", True, None)),
        (
            StoreItem("woolworths", "1550", has_online_shop=False),
            ("Woolworths", False, NOT_CRAWLABLE_NO_SHOP),
        ),
    ],
)
def test_classify_store(item: StoreItem, expected: tuple[str, bool, str | None]) -> None:
    assert classify_store(item) == expected


def _by_id(items: list[StoreItem]) -> dict[tuple[str, str], StoreItem]:
    return {(s.company, s.store_id): s for s in items}


def test_store_master_sample(fixture_json: Callable[[str], Any]) -> None:
    items = _by_id(parse_store_master(fixture_json("stores/store_master_sample.json")))
    assert len(items) == 14  # 15 records; the bare "414" row merges into COL:414
    firle = items[("coles", "COL:401")]
    assert (firle.name, firle.banner, firle.state, firle.postcode) == (
        "Coles Firle",
        "Coles",
        "SA",
        "5070",
    )
    assert (firle.latitude, firle.longitude) == (-34.905107, 138.655247)
    assert items[("coles", "COL:414")].name == "Coles St Agnes"
    assert items[("coles", "LQR:2426")].banner == "Liquorland"
    assert items[("coles", "VIN:2437")].banner == "Vintage Cellars"
    assert items[("aldi", "G001")].banner == "Aldi"
    greenslopes = items[("iga", "14573")]
    assert (greenslopes.aux_id, greenslopes.has_online_shop) == ("53188", True)
    assert (items[("iga", "14796")].aux_id, items[("iga", "14796")].has_online_shop) == (
        None,
        False,
    )
    assert (items[("iga", "19587")].latitude, items[("iga", "19587")].longitude) == (None, None)
    assert items[("iga", "22229")].state == "ACT"
    assert items[("woolworths", "22440")].banner == "Ampol Foodary"  # U-Go site, division 5
    assert items[("woolworths", "91834")].banner == "EG"
    assert classify_store(items[("woolworths", "91834")]) == ("EG", False, NOT_CRAWLABLE_FUEL)


def test_store_master_skips_unusable_records() -> None:
    records = [
        {"model": "companies.store", "pk": 1, "fields": {"company": 9, "store_id": "1"}},
        {"model": "companies.store", "pk": 2, "fields": {"company": 1, "store_id": "nope"}},
        {"model": "companies.store", "pk": 3},
        "junk",
    ]
    assert parse_store_master(records) == []


def test_store_master_corpus_counts(corpus: Path) -> None:
    records = json.loads(gzip.decompress((corpus / "stores/companies.store.json.gz").read_bytes()))
    raw = Counter(r["fields"]["company"] for r in records)
    assert raw == {1: 495, 2: 1700, 3: 1291, 4: 2215}
    items = parse_store_master(records)
    assert Counter(s.company for s in items) == {
        "aldi": 495,
        "coles": 1698,  # 1,700 rows, two of them bare-numbered duplicates of COL:414 / COL:419
        "iga": 1291,
        "woolworths": 2215,
    }
    classes = Counter((s.company, *classify_store(s)) for s in items)
    assert classes == {
        ("aldi", "Aldi", True, None): 495,
        ("coles", "Coles", True, None): 827,
        ("coles", "Liquorland", False, NOT_CRAWLABLE_LIQUOR): 842,
        ("coles", "Vintage Cellars", False, NOT_CRAWLABLE_LIQUOR): 29,
        ("iga", "IGA", True, None): 931,
        ("iga", "IGA", False, NOT_CRAWLABLE_NO_SHOP): 360,
        ("woolworths", "Woolworths", True, None): 1131,
        ("woolworths", "Ampol Foodary", False, NOT_CRAWLABLE_FUEL): 569,
        ("woolworths", "EG", False, NOT_CRAWLABLE_FUEL): 515,
    }
