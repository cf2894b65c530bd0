"""IGA: request builders and pure parsers for the category hierarchy, search pages and stores.

IGA's online shop is addressed by the retailer (online-shop) store id, the store master's
``aux_id``; the store locator is salefinder's JSONP (RETAILERS §6, "Store locators").
"""

from __future__ import annotations

import html
import json
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote, urlencode

from grocer.constants import IGA, PROMOTIONAL_ROOTS
from grocer.items import ProductItem, StoreItem
from grocer.retailers.common import (
    Category,
    ListingPage,
    MalformedPayload,
    RequestSpec,
    clean_postcode,
    clean_state,
    clean_text,
    coordinates,
    dig,
    is_promotional,
    loads_json,
    lower_set,
    number_or_raw,
    objects_only,
    require_dict,
    sku_text,
    text_or_raw,
    title_case,
    title_case_path,
    to_bool,
    to_decimal,
)
from grocer.retailers.store_records import canonical_store_id

COMPANY = IGA
DEFAULT_BASE_URL = "https://www.igashop.com.au"
DEFAULT_LOCATOR_BASE = "https://embed.salefinder.com.au"
PAGE_SIZE = 36
HTTP_NOT_FOUND = 404
SHOPPING_MODE = "11111111-1111-1111-1111-111111111111"
_STOREDATA_RE = re.compile(r"""data-storedata\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _shop(base_url: str, shop_id: str) -> str:
    return f"{base_url.rstrip('/')}/api/storefront/stores/{canonical_store_id(IGA, shop_id)}"


def _session(shop_id: str) -> tuple[dict[str, str], dict[str, str]]:
    cookies = {"iga-shop.retailerStoreId": canonical_store_id(IGA, shop_id)}
    return {"x-shopping-mode": SHOPPING_MODE, "Accept": "application/json"}, cookies


def categories_request(base_url: str, *, shop_id: str) -> RequestSpec:
    """GET ``/api/storefront/stores/{shop_id}/categoryHierarchy`` (shop id = ``aux_id``)."""
    headers, cookies = _session(shop_id)
    return RequestSpec(
        url=f"{_shop(base_url, shop_id)}/categoryHierarchy", headers=headers, cookies=cookies
    )


def _leaves(node: Any, path: tuple[str, ...], out: list[Category], skip: frozenset[str]) -> None:
    name, key = clean_text(dig(node, "displayName")), clean_text(dig(node, "identifier"))
    if name is None or key is None or is_promotional(name, key, skip):
        return
    here = (*path, title_case(name))
    children = dig(node, "children")
    if not isinstance(children, list) or not children:
        out.append(Category(key=key.strip(), slug=key.strip(), path=here))
        return
    for child in children:
        _leaves(child, here, out, skip)


def parse_categories(
    payload: Any, *, skip_roots: Iterable[str] = PROMOTIONAL_ROOTS
) -> list[Category]:
    """Leaf categories below the ``retailer-prod-v3`` root; paths start at "Grocery" as the
    products' breadcrumbs do. Promotional nodes are skipped at any depth."""
    root = require_dict(payload, "categoryHierarchy")
    children = root.get("children")
    if not isinstance(children, list):
        raise MalformedPayload("categoryHierarchy: no children list")
    out: list[Category] = []
    skip = lower_set(skip_roots)
    for child in children:
        _leaves(child, (), out, skip)
    return out


def search_request(
    base_url: str,
    category: Category,
    skip: int,
    *,
    shop_id: str,
    take: int = PAGE_SIZE,
    session_id: str | None = None,
) -> RequestSpec:
    """GET ``.../categories/{identifier}/search?take=..&skip=..&sessionId=..``.

    The session id defaults to a UUID derived from shop and category, so the same page has
    the same URL on every run (resume and duplicate filtering rely on that).
    """
    shop = canonical_store_id(IGA, shop_id)
    sid = session_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"iga:{shop}:{category.key}"))
    query = urlencode({"take": take, "skip": skip, "sessionId": sid})
    headers, cookies = _session(shop_id)
    return RequestSpec(
        url=f"{_shop(base_url, shop)}/categories/{quote(category.key, safe='')}/search?{query}",
        headers=headers,
        cookies=cookies,
        meta={"category": category.key, "skip": skip},
    )


def is_end_of_listing(status: int, payload: Any = None) -> bool:
    """True for HTTP 404 or a body with no ``items``."""
    if status == HTTP_NOT_FOUND:
        return True
    return isinstance(payload, dict) and not payload.get("items")


def item_size(raw: dict[str, Any]) -> str | None:
    """``f"{unitOfSize.size}{unitOfSize.abbreviation}"`` without the ``sellBy`` word;
    "each" for a one-each unit, or when ``unitOfSize`` is missing and ``sellBy`` is Each."""
    unit = raw.get("unitOfSize")
    size = dig(unit, "size")
    abbreviation = clean_text(dig(unit, "abbreviation"))
    number = to_decimal(size)
    if number is not None and abbreviation:
        return f"{size}{abbreviation.strip()}"
    unit_type = clean_text(dig(unit, "type")) or clean_text(dig(unit, "label"))
    if number is not None and unit_type and unit_type.strip().lower() == "each":
        return "each" if number == 1 else f"{size} each"
    sell_by = clean_text(raw.get("sellBy"))
    if not isinstance(unit, dict) and sell_by and sell_by.strip().lower() == "each":
        return "each"
    return None


def item_prices(raw: dict[str, Any]) -> tuple[Any, Any]:
    """(current, was) per RETAILERS §6.5: on special (``wasWholePrice`` set) the current
    price is ``tprPrice[0].wholePrice``; otherwise ``wholePrice``; when that is absent,
    ``priceNumeric``.  A current price that is there but no number is passed through (no
    fallback), so validation rejects the product as ``bad_type:price``."""
    was = to_decimal(raw.get("wasWholePrice"))
    if was:
        current = number_or_raw(dig(raw, "tprPrice", 0, "wholePrice"))
    else:
        was = None
        current = number_or_raw(raw.get("wholePrice"))
    if current is None:
        current = number_or_raw(raw.get("priceNumeric"))
    return current, was


def parse_product(
    raw: dict[str, Any],
    *,
    store_id: str,
    category_path: Sequence[str] = (),
    page_key: str | None = None,
) -> ProductItem:
    """One ``items[]`` product as a ProductItem (``sku`` is ``productId``)."""
    price, was = item_prices(raw)
    breadcrumb = clean_text(dig(raw, "defaultCategory", 0, "categoryBreadcrumb"))
    path = title_case_path(breadcrumb.split("/")) if breadcrumb else []
    return ProductItem(
        company=COMPANY,
        store_id=store_id,
        sku=sku_text(raw.get("productId")) or sku_text(raw.get("sku")),
        name=text_or_raw(raw.get("name")),
        price=price,
        brand=text_or_raw(raw.get("brand")),
        description=clean_text(raw.get("description")),
        size=item_size(raw),
        barcode=clean_text(raw.get("barcode")),
        category_path=path or title_case_path(category_path),
        was_price=was,
        unit_price_text=clean_text(raw.get("pricePerUnit")),
        is_available=to_bool(raw.get("available")),
        promo_text=clean_text(raw.get("priceLabel")),
        page=page_key,
    )


def parse_search(
    payload: Any,
    *,
    store_id: str,
    skip: int,
    previous_skus: Iterable[str] = (),
    category_path: Sequence[str] = (),
    page_key: str | None = None,
    take: int = PAGE_SIZE,
) -> ListingPage:
    """A search response -> items and the next ``skip``.

    The listing ends (``next_page`` None) on empty ``items``, on a page whose SKU set equals
    ``previous_skus`` (IGA repeats its last page; that page's items are not returned again),
    or when ``total`` is present and ``skip + take`` reaches it. HTTP 404 is the caller's
    to check with :func:`is_end_of_listing`.
    """
    data = require_dict(payload, "search")
    store_id = canonical_store_id(IGA, store_id)
    raw_items = data.get("items") or []
    if not isinstance(raw_items, list):
        raise MalformedPayload("search: items is not a list")
    items: list[ProductItem] = []
    skipped: Counter[str] = Counter()
    for raw in objects_only(raw_items, skipped):
        items.append(
            parse_product(raw, store_id=store_id, category_path=category_path, page_key=page_key)
        )
    skus = frozenset(i.sku for i in items if i.sku)
    total = to_decimal(data.get("total"))
    previous = frozenset(previous_skus)
    if skus and skus == previous:
        skipped["repeated_page"] += len(items)
        return ListingPage(items=[], next_page=None, total=None, skus=skus, skipped=skipped)
    ended = not raw_items or (total is not None and skip + take >= total)
    return ListingPage(
        items=items,
        next_page=None if ended else skip + take,
        total=int(total) if total is not None else None,
        skus=skus,
        skipped=skipped,
    )


def stores_request(location_id: int, *, locator_base: str = DEFAULT_LOCATOR_BASE) -> RequestSpec:
    """GET salefinder's IGA store locator (retailer 183) for one ``locationId``."""
    query = urlencode({"format": "json", "saleGroup": 0, "limit": 1500, "locationId": location_id})
    return RequestSpec(url=f"{locator_base.rstrip('/')}/location/storelocator/183/?{query}")


def unwrap_jsonp(text: str) -> Any:
    """The JSON between the first ``(`` and the last ``)`` (or the whole text if bare JSON)."""
    start, end = text.find("("), text.rfind(")")
    body = text[start + 1 : end] if 0 <= start < end else text
    return loads_json(body)


def parse_store(data: Any) -> StoreItem | None:
    """One decoded ``data-storedata`` object; ``tag`` (the online-shop id) is ``aux_id``."""
    try:
        store_id = canonical_store_id(IGA, dig(data, "storeId"))
    except ValueError:
        return None
    tag = clean_text(dig(data, "tag"))
    lat, lon = coordinates(dig(data, "latitude"), dig(data, "longitude"))
    return StoreItem(
        company=COMPANY,
        store_id=store_id,
        name=clean_text(dig(data, "storeName")),
        banner="IGA",
        address=clean_text(dig(data, "address")),
        suburb=clean_text(dig(data, "suburb")),
        state=clean_state(dig(data, "state")),
        postcode=clean_postcode(dig(data, "postcode")),
        latitude=lat,
        longitude=lon,
        aux_id=tag.strip() if tag else None,
        has_online_shop=tag is not None,
    )


def parse_stores(text: str) -> list[StoreItem]:
    """A salefinder JSONP response -> StoreItems from every ``data-storedata`` attribute of
    its ``content`` HTML (attributes that do not decode are left out)."""
    content = dig(require_dict(unwrap_jsonp(text), "storelocator"), "content")
    if not isinstance(content, str):
        raise MalformedPayload("storelocator: no content HTML")
    stores: dict[str, StoreItem] = {}
    for match in _STOREDATA_RE.finditer(content):
        try:
            data = json.loads(html.unescape(match.group(1) or match.group(2) or ""))
        except ValueError:
            continue
        store = parse_store(data)
        if store is not None:
            stores.setdefault(store.store_id, store)
    return list(stores.values())
