"""A product with a field of the wrong JSON type (a number as brand, a list as name, a price
text that is no number) costs that product, never its page: every parser passes the value
through and validation rejects the product with ``bad_type:<field>``, as ``grocer ingest``
does with the same record, while the page's other products validate."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from typing import Any

import pytest

from grocer.items import ProductItem
from grocer.normalize.validate import Rejected, validate_item
from grocer.retailers import aldi, coles, iga, woolworths
from grocer.retailers.common import ListingPage

DAY = date(2025, 9, 17)
NEXT_DATA = re.compile(
    r'(<script id="__NEXT_DATA__" type="application/json">)(.*?)(</script>)', re.S
)
WRONG: dict[str, Any] = {"brand": 4711, "name": ["Bananas Cavendish"], "price": "abc"}
FieldPath = tuple[str | int, ...]


def _set(payload: Any, path: FieldPath, value: Any) -> None:
    for step in path[:-1]:
        payload = payload[step]
    payload[path[-1]] = value


def _coles_page(text: str, edit: Callable[[Any], None]) -> ListingPage:
    """Edit the ``__NEXT_DATA__`` of the captured browse page and parse the HTML again."""
    match = NEXT_DATA.search(text)
    assert match is not None
    data = json.loads(match.group(2))
    edit(data)
    html = text[: match.start(2)] + json.dumps(data) + text[match.end(2) :]
    return coles.parse_browse_page(html, store_id="COL:401", page=1, base_url="https://x")


def _first_coles_product(data: Any) -> FieldPath:
    results = data["props"]["pageProps"]["searchResults"]["results"]
    index = next(i for i, tile in enumerate(results) if tile.get("_type") == "PRODUCT")
    return ("props", "pageProps", "searchResults", "results", index)


# retailer -> (fixture, field -> path inside the product, parse)
CASES: dict[str, tuple[str, dict[str, FieldPath], Callable[[Any], ListingPage]]] = {
    "woolworths": (
        "woolworths/browse_page.json",
        {"brand": ("Brand",), "name": ("Name",), "price": ("Price",)},
        lambda p: woolworths.parse_browse(p, store_id="4373", page=1, base_url="https://x"),
    ),
    "aldi": (
        "aldi/product_search.json",
        {"brand": ("brandName",), "name": ("name",), "price": ("price", "amount")},
        lambda p: aldi.parse_search(p, store_id="G102", offset=0),
    ),
    "iga": (
        "iga/search_fruit.json",
        {"brand": ("brand",), "name": ("name",), "price": ("wholePrice",)},
        lambda p: iga.parse_search(p, store_id="14573", skip=0),
    ),
    "iga-special": (
        "iga/search_special.json",
        {"brand": ("brand",), "name": ("name",), "price": ("tprPrice", 0, "wholePrice")},
        lambda p: iga.parse_search(p, store_id="14573", skip=0),
    ),
}
FIRST_PRODUCT: dict[str, Callable[[Any], FieldPath]] = {
    "woolworths": lambda p: (
        "Bundles",
        next(i for i, b in enumerate(p["Bundles"]) if b),
        "Products",
        0,
    ),
    "aldi": lambda p: ("data", 0),
    "iga": lambda p: ("items", 0),
    "iga-special": lambda p: ("items", 0),
}


def _verdicts(items: list[ProductItem]) -> list[str]:
    out = []
    for item in items:
        item.observed_on = DAY  # as the spider stamps it
        try:
            validate_item(item)
        except Rejected as rejected:
            out.append(rejected.reason)
        else:
            out.append("ok")
    return out


def _ingest_verdict(item: ProductItem) -> str:
    """The verdict of the same record fed to validation as ``grocer ingest`` feeds it."""
    record = json.loads(json.dumps(asdict(item), default=str))
    try:
        validate_item(ProductItem(**record))
    except Rejected as rejected:
        return rejected.reason
    return "ok"


def _check(page: ListingPage, field: str) -> None:
    assert len(page.items) >= 2
    wrong = page.items[0]
    assert getattr(wrong, field) == WRONG[field]  # passed through, not "repaired" or dropped
    verdicts = _verdicts(page.items)
    assert verdicts[0] == f"bad_type:{field}"
    assert verdicts[1:] == ["ok"] * (len(verdicts) - 1)
    assert _ingest_verdict(page.items[0]) == f"bad_type:{field}"


@pytest.mark.parametrize("field", ["brand", "name", "price"])
@pytest.mark.parametrize("retailer", list(CASES))
def test_wrong_type_rejects_the_product_not_the_page(
    fixture_json: Callable[[str], Any], retailer: str, field: str
) -> None:
    fixture, paths, parse = CASES[retailer]
    payload = fixture_json(fixture)
    if retailer == "iga-special":  # one special and a regular copy of it after it
        other = json.loads(json.dumps(payload["items"][0]))
        other.update(productId="31219", sku="31219", wasWholePrice=None, tprPrice=[])
        del other["wasWholePrice"]
        payload["items"].append(other)
    _set(payload, FIRST_PRODUCT[retailer](payload) + paths[field], WRONG[field])
    _check(parse(payload), field)


@pytest.mark.parametrize(
    ("field", "path"), [("brand", ("brand",)), ("name", ("name",)), ("price", ("pricing", "now"))]
)
def test_coles_wrong_type_rejects_the_product_not_the_page(
    fixture_text: Callable[[str], str], field: str, path: FieldPath
) -> None:
    def edit(data: Any) -> None:
        _set(data, _first_coles_product(data) + path, WRONG[field])

    text = fixture_text("coles/browse_fruit_vegetables_page1.html")
    _check(_coles_page(text, edit), field)
