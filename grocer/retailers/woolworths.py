"""Woolworths: request builders and pure parsers for categories, browse pages and stores.

Listings are POST ``/apis/ui/browse/category`` (JSON body carries ``storeId``); products are
``Bundles[].Products[]`` and each echoes ``FulfilmentStoreId`` (RETAILERS §4).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlencode

from grocer.constants import PROMOTIONAL_ROOTS, WOOLWORTHS
from grocer.items import ProductItem, StoreItem
from grocer.normalize.multibuy import Multibuy, fields_of, offer
from grocer.retailers.common import (
    Category,
    ListingPage,
    MalformedPayload,
    RequestSpec,
    StoreMismatch,
    as_list,
    clean_postcode,
    clean_state,
    clean_text,
    coordinates,
    dig,
    is_promotional,
    lower_set,
    number_or_raw,
    objects_only,
    require_dict,
    sku_text,
    store_number,
    text_or_raw,
    title_case,
    title_case_path,
    to_bool,
    to_decimal,
)
from grocer.retailers.store_records import (
    WOOLWORTHS_BANNER,
    WOOLWORTHS_DIVISIONS,
    canonical_store_id,
)

COMPANY = WOOLWORTHS
DEFAULT_BASE_URL = "https://www.woolworths.com.au"
PAGE_SIZE = 36
HEADERS = {"Accept": "application/json, text/plain, */*", "Accept-Language": "en-US,en;q=0.9"}


def _headers(base_url: str) -> dict[str, str]:
    return {**HEADERS, "Origin": base_url.rstrip("/"), "Referer": f"{base_url.rstrip('/')}/"}


def categories_request(base_url: str) -> RequestSpec:
    """GET ``/apis/ui/PiesCategoriesWithSpecials``."""
    return RequestSpec(
        url=f"{base_url.rstrip('/')}/apis/ui/PiesCategoriesWithSpecials",
        headers=_headers(base_url),
    )


def _node_name(node: dict[str, Any]) -> str | None:
    for key in ("Description", "DisplayName", "Name"):
        name = clean_text(node.get(key))
        if name:
            return name.strip()
    return None


def _is_specials(node: dict[str, Any], slug: str, node_id: str) -> bool:
    return (
        node.get("IsSpecial") is True
        or slug.lower().endswith("-specials")
        or node_id.upper().endswith("_SPECIALS")
    )


def _leaves(node: dict[str, Any], path: tuple[str, ...], out: list[Category]) -> None:
    name, slug, node_id = (
        _node_name(node),
        clean_text(node.get("UrlFriendlyName")),
        node.get("NodeId"),
    )
    node_id = clean_text(node_id)
    if name is None or slug is None or node_id is None or _is_specials(node, slug, node_id):
        return
    here = (*path, title_case(name))
    children = [c for c in as_list(node.get("Children")) if isinstance(c, dict)]
    if not children:
        out.append(Category(key=node_id, slug=slug, path=tuple(title_case_path(here))))
    for child in children:
        _leaves(child, here, out)


def parse_categories(
    payload: Any, *, skip_roots: Iterable[str] = PROMOTIONAL_ROOTS
) -> list[Category]:
    """Leaf categories with their tree path (era B): promotional roots and ``*-specials`` /
    ``*_SPECIALS`` nodes skipped, nodes without a name, slug or id skipped."""
    roots = dig(require_dict(payload, "categories"), "Categories")
    if not isinstance(roots, list):
        raise MalformedPayload("categories: no Categories list")
    skip = lower_set(skip_roots)
    out: list[Category] = []
    for root in roots:
        if not isinstance(root, dict):
            continue
        if is_promotional(_node_name(root), root.get("UrlFriendlyName"), skip):
            continue
        _leaves(root, (), out)
    return out


def browse_body(
    category: Category, page: int, *, store_id: str, page_size: int = PAGE_SIZE
) -> dict[str, Any]:
    """The JSON body of a browse request (RETAILERS §4.3, era B values)."""
    url = f"/shop/browse/{category.slug}?pageNumber={page}&sortBy=PriceAsc"
    return {
        "categoryId": category.key,
        "pageNumber": page,
        "pageSize": page_size,
        "sortType": "PriceAsc",
        "url": url,
        "location": f"{url}&filter=SoldBy(Woolworths)",
        "formatObject": json.dumps({"name": category.slug}, separators=(",", ":")),
        "isSpecial": False,
        "isBundle": False,
        "isMobile": False,
        "filters": [{"Key": "SoldBy", "Items": [{"Term": "Woolworths"}]}],
        "token": "",
        "gpBoost": 0,
        "isHideUnavailableProducts": False,
        "isHideEverydayMarketProducts": True,
        "isRegisteredRewardCardPromotion": False,
        "categoryVersion": "v2",
        "enableAdReRanking": False,
        "groupEdmVariants": False,
        "activePersonalizedViewType": "",
        "storeId": canonical_store_id(WOOLWORTHS, store_id),
    }


def browse_request(
    base_url: str, category: Category, page: int, *, store_id: str, page_size: int = PAGE_SIZE
) -> RequestSpec:
    """POST ``/apis/ui/browse/category`` for one page of a leaf category at one store."""
    return RequestSpec(
        url=f"{base_url.rstrip('/')}/apis/ui/browse/category",
        method="POST",
        headers={**_headers(base_url), "Content-Type": "application/json"},
        body=browse_body(category, page, store_id=store_id, page_size=page_size),
        meta={"category": category.key, "page": page},
    )


def promo_text(tile: dict[str, Any]) -> str | None:
    """A short promotion label: the multibuy centre tag text, else "Half Price" / "Special"."""
    if dig(tile, "CentreTag", "MultibuyData"):
        text = clean_text(dig(tile, "CentreTag", "TagContentText"))
        if text:
            return text.strip()
    if tile.get("IsHalfPrice") is True:
        return "Half Price"
    return "Special" if tile.get("IsOnSpecial") is True else None


def multibuy(tile: dict[str, Any]) -> Multibuy | None:
    """A tile's multi-buy offer: ``CentreTag.MultibuyData`` ``Quantity`` units for ``Price``."""
    data = dig(tile, "CentreTag", "MultibuyData")
    if not isinstance(data, dict):
        return None
    return offer(data.get("Quantity"), data.get("Price"))


def parse_product(
    tile: dict[str, Any],
    *,
    store_id: str,
    base_url: str,
    category_path: Sequence[str] = (),
    page_key: str | None = None,
) -> ProductItem:
    """One product tile as a ProductItem.

    ``WasPrice`` equal to ``Price`` is Woolworths' way of saying "no was price": None then.
    The unit price is the online ``CupPrice`` (matching the online ``Price``), falling back
    to ``InstoreCupPrice``. The category path is the browsed leaf's (never the pies* fields).
    """
    price = number_or_raw(tile.get("Price"))
    was = to_decimal(tile.get("WasPrice"))
    cup = to_decimal(tile.get("CupPrice"))
    if cup is None:
        cup = to_decimal(tile.get("InstoreCupPrice"))
    stockcode = sku_text(tile.get("Stockcode"))
    slug = clean_text(tile.get("UrlFriendlyName"))
    multibuy_qty, multibuy_price = fields_of(multibuy(tile))
    return ProductItem(
        company=COMPANY,
        store_id=store_id,
        sku=stockcode,
        name=text_or_raw(tile.get("Name")),
        price=price,
        brand=text_or_raw(tile.get("Brand")),
        description=clean_text(tile.get("Description")),
        size=clean_text(tile.get("PackageSize")),
        barcode=clean_text(tile.get("Barcode")),
        url=(
            f"{base_url.rstrip('/')}/shop/productdetails/{stockcode}/{slug.strip()}"
            if stockcode and slug
            else None
        ),
        category_path=title_case_path(category_path),
        was_price=None if was is None or was == price else was,
        unit_price_value=cup if cup else None,
        unit_price_measure=clean_text(tile.get("CupMeasure")),
        unit_price_text=clean_text(tile.get("CupString")),
        is_available=to_bool(tile.get("IsAvailable")),
        promo_text=promo_text(tile),
        multibuy_qty=multibuy_qty,
        multibuy_price=multibuy_price,
        page=page_key,
    )


def iter_products(payload: dict[str, Any], skipped: Counter[str]) -> list[Any]:
    """``Bundles[].Products[]`` flattened; null bundles skipped, odd entries counted."""
    bundles = payload.get("Bundles")
    if bundles is None:
        return []
    if not isinstance(bundles, list):
        raise MalformedPayload("browse: Bundles is not a list")
    products: list[Any] = []
    for bundle in bundles:
        if bundle is None:
            continue
        entries = dig(bundle, "Products")
        if not isinstance(entries, list):
            skipped["bundle_without_products"] += 1
            continue
        products.extend(entries)
    return products


def parse_browse(
    payload: Any,
    *,
    store_id: str,
    page: int,
    base_url: str,
    category_path: Sequence[str] = (),
    page_key: str | None = None,
    page_size: int = PAGE_SIZE,
) -> ListingPage:
    """A browse response -> items and the next page number.

    The listing ends (``next_page`` None) on a page without products, or when
    ``TotalRecordCount`` is present and this page reaches it. Raises StoreMismatch when a
    product's ``FulfilmentStoreId`` is another store (products without it are not checked).
    """
    data = require_dict(payload, "browse")
    store_id = canonical_store_id(WOOLWORTHS, store_id)
    skipped: Counter[str] = Counter()
    raw = iter_products(data, skipped)
    expected = store_number(canonical_store_id(WOOLWORTHS, store_id))
    items: list[ProductItem] = []
    for tile in objects_only(raw, skipped):
        found = tile.get("FulfilmentStoreId")
        if found is not None and store_number(found) != expected:
            raise StoreMismatch(str(expected), clean_text(found))
        items.append(
            parse_product(
                tile,
                store_id=store_id,
                base_url=base_url,
                category_path=category_path,
                page_key=page_key,
            )
        )
    total = to_decimal(data.get("TotalRecordCount"))
    ended = not raw or (total is not None and page * page_size >= total)
    return ListingPage(
        items=items,
        next_page=None if ended else page + 1,
        total=int(total) if total is not None else None,
        skus=frozenset(i.sku for i in items if i.sku),
        skipped=skipped,
    )


def stores_request(base_url: str, latitude: float, longitude: float) -> RequestSpec:
    """GET ``/apis/ui/StoreLocator/Stores`` around a point (supermarkets, EG and Ampol)."""
    query = urlencode(
        {
            "latitude": latitude,
            "longitude": longitude,
            "Max": 10000,
            "Division": "SUPERMARKETS,EG,AMPOL",
            "Facility": "",
        }
    )
    return RequestSpec(
        url=f"{base_url.rstrip('/')}/apis/ui/StoreLocator/Stores?{query}",
        headers=_headers(base_url),
    )


def parse_store(raw: Any) -> StoreItem | None:
    """A store-locator ``Stores[]`` entry (``StoreNo``) or a fulfilment-store entry
    (``FulfilmentStoreId``) as a StoreItem; None for anything else."""
    if not isinstance(raw, dict):
        return None
    api1 = "StoreNo" in raw
    try:
        store_id = canonical_store_id(
            WOOLWORTHS, raw.get("StoreNo") if api1 else raw.get("FulfilmentStoreId")
        )
    except ValueError:
        return None
    suburb = clean_text(raw.get("Suburb"))
    name = clean_text(raw.get("Name") if api1 else raw.get("Description"))
    if name is None or name.strip().upper() == "N/A":
        name = suburb
    division = clean_text(raw.get("Division"))
    banner = WOOLWORTHS_BANNER
    if division:
        banner = WOOLWORTHS_DIVISIONS.get(division.strip().upper(), division.strip().title())
    lat, lon = coordinates(raw.get("Latitude"), raw.get("Longitude"))
    return StoreItem(
        company=COMPANY,
        store_id=store_id,
        name=name,
        banner=banner,
        address=clean_text(raw.get("AddressLine1") if api1 else raw.get("Street1")),
        suburb=suburb,
        state=clean_state(raw.get("State")),
        postcode=clean_postcode(raw.get("Postcode")),
        latitude=lat,
        longitude=lon,
        # The fulfilment API lists only stores that fulfil online orders.
        has_online_shop=None if api1 else True,
    )


def parse_stores(payload: Any) -> list[StoreItem]:
    """A store-locator response (``{"Stores": [...]}``) or a fulfilment-store list."""
    if isinstance(payload, dict):
        entries = payload.get("Stores")
    else:
        entries = payload
    if not isinstance(entries, list):
        raise MalformedPayload("stores: no Stores list")
    stores = (parse_store(entry) for entry in entries)
    return [s for s in stores if s is not None]
