"""Every listing parser survives junk tiles and raises only MalformedPayload on junk envelopes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from grocer.normalize.validate import Rejected, validate_item
from grocer.retailers import aldi, coles, iga, woolworths
from grocer.retailers.common import ListingPage, MalformedPayload

JUNK_VALUES: list[Any] = [None, 0, -1, 1.5, "", "x", [], {}, [1, 2], {"a": None}, True]


def _coles(results: Any) -> ListingPage:
    data = {"props": {"pageProps": {"initStoreId": "401", "searchResults": {"results": results}}}}
    return coles.parse_browse_data(data, store_id="COL:401", page=1, base_url="http://x")


def _woolworths(products: Any) -> ListingPage:
    return woolworths.parse_browse(
        {"Bundles": [{"Products": products}]}, store_id="1147", page=1, base_url="http://x"
    )


def _aldi(products: Any) -> ListingPage:
    return aldi.parse_search({"data": products}, store_id="G102", offset=0)


def _iga(items: Any) -> ListingPage:
    return iga.parse_search({"items": items}, store_id="1", skip=0)


PARSERS: dict[str, Callable[[Any], ListingPage]] = {
    "coles": _coles,
    "woolworths": _woolworths,
    "aldi": _aldi,
    "iga": _iga,
}
# Each retailer's tile with every field it reads set to a junk value.
JUNK_TILES: dict[str, Callable[[Any], dict[str, Any]]] = {
    "coles": lambda v: {
        "_type": "PRODUCT",
        "id": v,
        "name": v,
        "brand": v,
        "size": v,
        "availability": v,
        "pricing": v,
        "onlineHeirs": v,
    },
    "woolworths": lambda v: {
        "Stockcode": v,
        "Name": v,
        "Price": v,
        "WasPrice": v,
        "CupPrice": v,
        "UrlFriendlyName": v,
        "CentreTag": v,
        "IsAvailable": v,
    },
    "aldi": lambda v: {"sku": v, "name": v, "urlSlugText": v, "price": v, "categories": v},
    "iga": lambda v: {
        "productId": v,
        "name": v,
        "wholePrice": v,
        "wasWholePrice": v,
        "tprPrice": v,
        "unitOfSize": v,
        "sellBy": v,
        "defaultCategory": v,
    },
}


@pytest.mark.parametrize("retailer", list(PARSERS))
@pytest.mark.parametrize("value", JUNK_VALUES, ids=repr)
def test_junk_tiles_never_crash(retailer: str, value: Any) -> None:
    parsed = PARSERS[retailer]([value, JUNK_TILES[retailer](value)])
    assert len(parsed.items) + sum(parsed.skipped.values()) == 2
    for item in parsed.items:
        assert isinstance(item.sku, str)
        assert all(isinstance(part, str) for part in item.category_path)
        if item.price is not None and not isinstance(item.price, Decimal):
            # a price of the wrong type is passed through for validation to reject
            item.observed_on = date(2025, 9, 17)
            with pytest.raises(Rejected):
                validate_item(item)


ENVELOPES: list[tuple[str, Callable[[Any], Any], Any]] = [
    ("coles", lambda p: coles.parse_browse_data(p, store_id="COL:401", page=1, base_url="x"), {}),
    ("coles", _coles, "x"),
    ("coles", lambda p: coles.parse_menu(p), {"data": {"menuItems": {"items": "x"}}}),
    ("woolworths", lambda p: woolworths.parse_browse(p, store_id="1", page=1, base_url="x"), "x"),
    ("woolworths", lambda p: woolworths.parse_browse(p, store_id="1", page=1, base_url="x"), [1]),
    (
        "woolworths",
        lambda p: woolworths.parse_browse(p, store_id="1", page=1, base_url="x"),
        {"Bundles": "x"},
    ),
    ("woolworths", woolworths.parse_stores, {"Stores": 5}),
    ("aldi", lambda p: aldi.parse_search(p, store_id="G102", offset=0), 5),
    ("aldi", _aldi, "x"),
    ("aldi", aldi.parse_stores, {"data": {}}),
    ("iga", lambda p: iga.parse_search(p, store_id="1", skip=0), None),
    ("iga", _iga, {"a": 1}),
    ("iga", iga.parse_categories, {"identifier": "root"}),
]


@pytest.mark.parametrize(("retailer", "parse", "payload"), ENVELOPES)
def test_junk_envelopes_raise_malformed(
    retailer: str, parse: Callable[[Any], Any], payload: Any
) -> None:
    with pytest.raises(MalformedPayload):
        parse(payload)
