"""Aldi: request builders and pure parsers for the category tree, product search and stores.

The API host (``https://api.aldi.com.au``) differs from the web host used in product URLs;
prices and comparison (unit) prices are integer cents (RETAILERS §5).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlencode

from grocer.constants import ALDI, PROMOTIONAL_ROOTS
from grocer.items import ProductItem, StoreItem
from grocer.retailers.common import (
    Category,
    ListingPage,
    MalformedPayload,
    RequestSpec,
    as_list,
    cents_to_dollars,
    clean_postcode,
    clean_state,
    clean_text,
    coordinates,
    dig,
    is_promotional,
    lower_set,
    money_from_text,
    number_or_raw,
    objects_only,
    require_dict,
    sku_text,
    text_or_raw,
    title_case,
    title_case_path,
    to_decimal,
)
from grocer.retailers.store_records import canonical_store_id

COMPANY = ALDI
DEFAULT_BASE_URL = "https://api.aldi.com.au"
DEFAULT_WEB_BASE = "https://www.aldi.com.au"
PAGE_SIZE = 30
HTTP_BAD_REQUEST = 400


def categories_request(base_url: str, *, store_id: str) -> RequestSpec:
    """GET ``/v2/product-category-tree`` for a store (``servicePoint``)."""
    query = urlencode(
        {"serviceType": "walk-in", "servicePoint": canonical_store_id(ALDI, store_id)}
    )
    return RequestSpec(url=f"{base_url.rstrip('/')}/v2/product-category-tree?{query}")


def _leaves(node: Any, path: tuple[str, ...], out: list[Category]) -> None:
    name, slug, key = (clean_text(dig(node, k)) for k in ("name", "urlSlugText", "key"))
    if name is None or slug is None or key is None:
        return
    here = (*path, title_case(name))
    children = dig(node, "children")
    if not isinstance(children, list) or not children:
        out.append(Category(key=key.strip(), slug=slug.strip(), path=here))
        return
    for child in children:
        _leaves(child, here, out)


def parse_categories(
    payload: Any, *, skip_roots: Iterable[str] = PROMOTIONAL_ROOTS
) -> list[Category]:
    """Leaf categories of the tree; promotional roots (depth 0) and nodes lacking a name,
    ``urlSlugText`` or ``key`` skipped; a node without children is a leaf."""
    roots = dig(require_dict(payload, "category tree"), "data")
    if not isinstance(roots, list):
        raise MalformedPayload("category tree: no data list")
    skip = lower_set(skip_roots)
    out: list[Category] = []
    for root in roots:
        slug = dig(root, "urlSlugText")
        if is_promotional(dig(root, "name"), slug, skip):
            continue
        _leaves(root, (), out)
    return out


def search_request(
    base_url: str, category: Category, offset: int, *, store_id: str, limit: int = PAGE_SIZE
) -> RequestSpec:
    """GET ``/v3/product-search`` for one page (``offset``) of a category at a store."""
    query = urlencode(
        {
            "currency": "AUD",
            "serviceType": "walk-in",
            "categoryKey": category.key,
            "limit": limit,
            "offset": offset,
            "sort": "relevance",
            "testVariant": "A",
            "servicePoint": canonical_store_id(ALDI, store_id),
        }
    )
    return RequestSpec(
        url=f"{base_url.rstrip('/')}/v3/product-search?{query}",
        meta={"category": category.key, "offset": offset},
    )


def is_end_of_listing(status: int, payload: Any = None) -> bool:
    """True for HTTP 400 (Aldi's answer past the last page) or a body with empty ``data``."""
    if status == HTTP_BAD_REQUEST:
        return True
    return isinstance(payload, dict) and not payload.get("data")


def parse_product(
    raw: dict[str, Any],
    *,
    store_id: str,
    web_base: str = DEFAULT_WEB_BASE,
    category_path: Sequence[str] = (),
    page_key: str | None = None,
) -> ProductItem:
    """One ``data[]`` product as a ProductItem: cents -> dollars, the sku kept zero-padded.

    ``is_available`` stays None: ``notForSale`` is true for every walk-in product, so it
    says nothing. The category path is the product's ``categories[].name`` (else the
    browsed leaf's path).
    """
    sku = sku_text(raw.get("sku"))
    slug = clean_text(raw.get("urlSlugText"))
    names = [dig(c, "name") for c in as_list(raw.get("categories"))]
    path = title_case_path(names) or title_case_path(category_path)
    return ProductItem(
        company=COMPANY,
        store_id=store_id,
        sku=sku,
        name=text_or_raw(raw.get("name")),
        price=number_or_raw(dig(raw, "price", "amount"), -2),
        brand=text_or_raw(raw.get("brandName")),
        size=clean_text(raw.get("sellingSize")),
        url=f"{web_base.rstrip('/')}/product/{slug.strip()}-{sku}" if slug and sku else None,
        category_path=path,
        was_price=money_from_text(dig(raw, "price", "wasPriceDisplay")),
        unit_price_value=cents_to_dollars(dig(raw, "price", "comparison")),
        unit_price_text=clean_text(dig(raw, "price", "comparisonDisplay")),
        page=page_key,
    )


def parse_search(
    payload: Any,
    *,
    store_id: str,
    offset: int,
    web_base: str = DEFAULT_WEB_BASE,
    category_path: Sequence[str] = (),
    page_key: str | None = None,
    limit: int = PAGE_SIZE,
) -> ListingPage:
    """A product-search response -> items and the next offset.

    The listing ends (``next_page`` None) on empty ``data``; HTTP 400 (past the last page)
    is the caller's to check with :func:`is_end_of_listing`.  ``meta.pagination.totalCount``,
    when the response has it, is kept as the listing's length (it orders the crawl; it never
    ends a listing).
    """
    data = require_dict(payload, "product search")
    store_id = canonical_store_id(ALDI, store_id)
    products = data.get("data")
    if products is None:
        products = []
    if not isinstance(products, list):
        raise MalformedPayload("product search: data is not a list")
    items: list[ProductItem] = []
    skipped: Counter[str] = Counter()
    for raw in objects_only(products, skipped):
        items.append(
            parse_product(
                raw,
                store_id=store_id,
                web_base=web_base,
                category_path=category_path,
                page_key=page_key,
            )
        )
    total = to_decimal(dig(data, "meta", "pagination", "totalCount"))
    return ListingPage(
        items=items,
        next_page=offset + limit if products else None,
        total=int(total) if total is not None and total >= 0 else None,
        skus=frozenset(i.sku for i in items if i.sku),
        skipped=skipped,
    )


def stores_request(base_url: str, latitude: float, longitude: float) -> RequestSpec:
    """GET ``/v2/service-points`` (walk-in stores, with nearby ones) around a point."""
    query = urlencode(
        {
            "latitude": latitude,
            "longitude": longitude,
            "serviceType": "walk-in",
            "includeNearbyServicePoints": "true",
        }
    )
    return RequestSpec(url=f"{base_url.rstrip('/')}/v2/service-points?{query}")


def parse_store(raw: Any) -> StoreItem | None:
    """One service point as a StoreItem; None without a usable ``G`` id."""
    try:
        store_id = canonical_store_id(ALDI, dig(raw, "id"))
    except ValueError:
        return None
    address = dig(raw, "address")
    lines = [clean_text(dig(address, k)) for k in ("address1", "address2")]
    state = clean_state(dig(address, "regionIsoCode")) or clean_state(dig(address, "regionName"))
    lat, lon = coordinates(dig(address, "latitude"), dig(address, "longitude"))
    return StoreItem(
        company=COMPANY,
        store_id=store_id,
        name=clean_text(dig(raw, "name")),
        banner="Aldi",
        address=", ".join(line.strip() for line in lines if line) or None,
        suburb=clean_text(dig(address, "city")),
        state=state,
        postcode=clean_postcode(dig(address, "zipCode")),
        latitude=lat,
        longitude=lon,
    )


def parse_stores(payload: Any) -> list[StoreItem]:
    """A service-points response (``{"data": [...]}``, or a saved ``{"stores": [...]}``)."""
    data = require_dict(payload, "service points")
    entries = data.get("data", data.get("stores"))
    if not isinstance(entries, list):
        raise MalformedPayload("service points: no data list")
    stores = (parse_store(entry) for entry in entries)
    return [s for s in stores if s is not None]
