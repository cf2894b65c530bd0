"""Coles: request builders and pure parsers for the menu, browse pages, product pages, stores.

Browse pages are HTML whose data sits in ``<script id="__NEXT_DATA__">`` under
``props.pageProps``; a page without it is a bot-protection block page (RETAILERS §3).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from grocer.constants import COLES, PROMOTIONAL_ROOTS
from grocer.items import ProductItem, StoreItem
from grocer.normalize.multibuy import Multibuy, fields_of, offer, offer_from_text
from grocer.retailers.common import (
    BlockedPage,
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
    loads_json,
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
from grocer.retailers.nextjs import extract_next_data, has_next_data, ld_json_gtin, page_props
from grocer.retailers.store_records import canonical_store_id, coles_banner, coles_cookie_store_id

COMPANY = COLES
DEFAULT_BASE_URL = "https://www.coles.com.au"
PAGE_SIZE = 48
# The fixed department list (RETAILERS §3.2), used when the menu cannot be fetched.
DEPARTMENTS: dict[str, str] = {
    "meat-seafood": "Meat & Seafood",
    "fruit-vegetables": "Fruit & Vegetables",
    "dairy-eggs-fridge": "Dairy, Eggs & Fridge",
    "bakery": "Bakery",
    "deli": "Deli",
    "pantry": "Pantry",
    "dietary-world-foods": "Dietary & World Foods",
    "chips-chocolates-snacks": "Chips, Chocolates & Snacks",
    "drinks": "Drinks",
    "frozen": "Frozen",
    "household": "Household",
    "health-beauty": "Health & Beauty",
    "baby": "Baby",
    "pet": "Pet",
    "liquorland": "Liquorland",
}
STORE_BRANDS = ("COL", "LQR", "VIN")

# The captures hold the responses, not the request bodies; these select the captured fields.
MENU_QUERY = (
    "query menuItems($storeId: String) { menuItems(storeId: $storeId) { restrictedIds "
    "items { id level name originalName productCount seoToken type subType "
    "childItems { id level name productCount seoToken childItems "
    "{ id level name productCount seoToken } } } } }"
)
STORES_QUERY = (
    "query GetStores($brandIds: [BrandId!], $latitude: Float!, $longitude: Float!) "
    "{ stores(brandIds: $brandIds, latitude: $latitude, longitude: $longitude) "
    "{ results { distance store { id name address { state suburb addressLine postcode } "
    "position { latitude longitude } brand { name storeFinderId id } phone isTrading "
    "services { name } } } } }"
)


def _cookies(store_id: str) -> dict[str, str]:
    return {
        "fulfillmentStoreId": coles_cookie_store_id(store_id),
        "shopping-method": "clickAndCollect",
    }


def _graphql_headers(base_url: str, referer_path: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "Accept": "*/*",
        "Origin": base_url.rstrip("/"),
        "Referer": f"{base_url.rstrip('/')}{referer_path}",
    }


def menu_request(base_url: str, *, store_id: str) -> RequestSpec:
    """POST ``/api/graphql`` operation ``menuItems`` for the store's category menu."""
    return RequestSpec(
        url=f"{base_url.rstrip('/')}/api/graphql",
        method="POST",
        headers=_graphql_headers(base_url, "/"),
        cookies=_cookies(store_id),
        body={
            "operationName": "menuItems",
            "variables": {"storeId": canonical_store_id(COLES, store_id)},
            "query": MENU_QUERY,
        },
    )


def parse_menu(payload: Any, *, skip_roots: Iterable[str] = PROMOTIONAL_ROOTS) -> list[Category]:
    """Departments to browse: top-level ``menuItems`` with a seoToken and productCount > 0,
    promotional and restricted roots skipped."""
    menu = dig(require_dict(payload, "menuItems"), "data", "menuItems")
    items = dig(menu, "items")
    if not isinstance(items, list):
        raise MalformedPayload("menuItems: no data.menuItems.items list")
    restricted = {str(i) for i in as_list(dig(menu, "restrictedIds")) if isinstance(i, str | int)}
    roots = lower_set(skip_roots)
    categories: list[Category] = []
    for node in items:
        slug = clean_text(dig(node, "seoToken"))
        name = clean_text(dig(node, "name"))
        count = to_decimal(dig(node, "productCount"))
        node_id = str(dig(node, "id") or "")
        if slug is None or name is None or count is None or count <= 0:
            continue
        if node_id in restricted or is_promotional(name, slug, roots):
            continue
        categories.append(Category(key=node_id or slug, slug=slug, path=(title_case(name),)))
    return categories


def default_categories() -> list[Category]:
    """The fixed 15 departments, for when the menu is unavailable."""
    return [Category(key=slug, slug=slug, path=(name,)) for slug, name in DEPARTMENTS.items()]


def browse_request(base_url: str, slug: str, page: int, *, store_id: str) -> RequestSpec:
    """GET ``/browse/{slug}?page={n}`` (HTML); the store is the ``fulfillmentStoreId`` cookie."""
    return RequestSpec(
        url=f"{base_url.rstrip('/')}/browse/{slug}?page={page}",
        cookies=_cookies(store_id),
        meta={"slug": slug, "page": page},
    )


def check_store(props: dict[str, Any], store_id: str) -> None:
    """Raise StoreMismatch unless ``initStoreId`` is the store (numerically: "0401" == 401)."""
    found = props.get("initStoreId")
    expected = store_number(canonical_store_id(COLES, store_id))
    if store_number(found) != expected:
        raise StoreMismatch(canonical_store_id(COLES, store_id), clean_text(found))


def product_slug(*parts: Any) -> str:
    """Coles product slug: words of brand, name and size, lower-case, hyphen-joined; dots
    kept as the site does ("approx. 1.2kg" -> "approx.-1.2kg"), apostrophes dropped."""
    text = " ".join(p for p in (clean_text(x) for x in parts) if p)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"['\u2019]", "", text)
    return re.sub(r"[^a-z0-9.]+", "-", text).strip("-.")


def product_url(base_url: str, tile: dict[str, Any]) -> str | None:
    """``{base}/product/{slug(brand name size)}-{id}``; None without an id."""
    sku = sku_text(tile.get("id"))
    if not sku:
        return None
    slug = product_slug(tile.get("brand"), tile.get("name"), tile.get("size"))
    return f"{base_url.rstrip('/')}/product/{slug + '-' if slug else ''}{sku}"


def tile_category_path(tile: dict[str, Any], fallback: Sequence[str] = ()) -> list[str]:
    """``[subCategory, category, aisle]`` of the first non-promotional ``onlineHeirs`` entry
    (else the first entry), title-cased; ``fallback`` when the tile has no heirs."""
    heirs = [h for h in as_list(tile.get("onlineHeirs")) if isinstance(h, dict)]
    if not heirs:
        return title_case_path(fallback)
    chosen = next(
        (h for h in heirs if not is_promotional(h.get("subCategory"), None)),
        heirs[0],
    )
    return title_case_path([chosen.get("subCategory"), chosen.get("category"), chosen.get("aisle")])


def multibuy(pricing: dict[str, Any]) -> Multibuy | None:
    """A tile's multi-buy offer (``pricing.multiBuyPromotion``): ``minQuantity`` units for the
    ``$X`` of ``offerDescription`` when it says "N for $X" with that N, else for
    ``minQuantity x reward`` to the cent ("Buy 3 for $4" comes with a reward of 1.33)."""
    promotion = pricing.get("multiBuyPromotion")
    if not isinstance(promotion, dict):
        return None
    quantity = promotion.get("minQuantity")
    stated = offer_from_text(clean_text(pricing.get("offerDescription")))
    if stated is not None and offer(quantity, stated.price) == stated:
        return stated
    reward = to_decimal(promotion.get("reward"))
    count = to_decimal(quantity)
    if reward is None or count is None:
        return None
    return offer(quantity, count * reward)


def parse_tile(
    tile: dict[str, Any],
    *,
    store_id: str,
    base_url: str,
    category_path: Sequence[str] = (),
    page_key: str | None = None,
) -> ProductItem:
    """One ``PRODUCT`` tile as a ProductItem; unreadable values become None.

    ``was`` 0 means "no was price" and becomes None; ``name`` excludes the brand.
    """
    pricing = tile.get("pricing") if isinstance(tile.get("pricing"), dict) else {}
    was = to_decimal(dig(pricing, "was"))
    promo = clean_text(dig(pricing, "offerDescription")) or clean_text(
        dig(pricing, "promotionType")
    )
    multibuy_qty, multibuy_price = fields_of(multibuy(pricing))
    return ProductItem(
        company=COMPANY,
        store_id=store_id,
        sku=sku_text(tile.get("id")),
        name=text_or_raw(tile.get("name")),
        price=number_or_raw(dig(pricing, "now")),
        brand=text_or_raw(tile.get("brand")),
        description=clean_text(tile.get("description")),
        size=clean_text(tile.get("size")),
        url=product_url(base_url, tile),
        category_path=tile_category_path(tile, category_path),
        was_price=was if was is not None and was > 0 else None,
        unit_price_value=to_decimal(dig(pricing, "unit", "price")),
        unit_price_measure=clean_text(dig(pricing, "unit", "ofMeasureUnits")),
        unit_price_text=clean_text(dig(pricing, "comparable")),
        is_available=to_bool(tile.get("availability")),
        promo_text=promo,
        multibuy_qty=multibuy_qty,
        multibuy_price=multibuy_price,
        page=page_key,
    )


def parse_browse_data(
    data: dict[str, Any],
    *,
    store_id: str,
    page: int,
    base_url: str,
    category_path: Sequence[str] = (),
    page_key: str | None = None,
) -> ListingPage:
    """A decoded browse page (``__NEXT_DATA__`` or ``/_next/data`` JSON) -> items + next page.

    The listing ends (``next_page`` None) when ``page >= ceil(noOfResults / pageSize)``, when
    the page has no results, or when the total is unknown. Raises StoreMismatch first.
    """
    store_id = canonical_store_id(COLES, store_id)
    props = page_props(data)
    check_store(props, store_id)
    results_obj = props.get("searchResults")
    results = dig(results_obj, "results")
    if not isinstance(results, list):
        raise MalformedPayload("browse page: no searchResults.results list")
    items: list[ProductItem] = []
    skipped: Counter[str] = Counter()
    for tile in objects_only(results, skipped):
        if tile.get("_type") != "PRODUCT":
            skipped["not_a_product"] += 1
        else:
            items.append(
                parse_tile(
                    tile,
                    store_id=store_id,
                    base_url=base_url,
                    category_path=category_path,
                    page_key=page_key,
                )
            )
    total = to_decimal(dig(results_obj, "noOfResults"))
    size = to_decimal(dig(results_obj, "pageSize")) or PAGE_SIZE
    total_pages = math.ceil(total / size) if total is not None and total > 0 and size > 0 else 0
    next_page = page + 1 if results and page < total_pages else None
    return ListingPage(
        items=items,
        next_page=next_page,
        total=int(total) if total is not None else None,
        skus=frozenset(i.sku for i in items if i.sku),
        skipped=skipped,
    )


def parse_browse_page(
    html: str,
    *,
    store_id: str,
    page: int,
    base_url: str,
    category_path: Sequence[str] = (),
    page_key: str | None = None,
) -> ListingPage:
    """An HTML browse page -> ListingPage (see :func:`parse_browse_data`).

    Raises BlockedPage (no ``__NEXT_DATA__``), MalformedPayload or StoreMismatch.
    """
    return parse_browse_data(
        extract_next_data(html),
        store_id=store_id,
        page=page,
        base_url=base_url,
        category_path=category_path,
        page_key=page_key,
    )


def product_page_request(url: str, *, store_id: str) -> RequestSpec:
    """GET a product page (for its GTIN) with the store cookie."""
    return RequestSpec(url=url, cookies=_cookies(store_id))


def parse_product_gtin(text: str) -> str | None:
    """The raw GTIN of a product page: ld+json Product ``gtin``/``gtin13``/``gtin14`` (never
    ``mpn``), else ``pageProps.product.gtin``; None when the page has none.

    Accepts the HTML page or the ``/_next/data/...json`` body. Raises BlockedPage for an HTML
    page without ``__NEXT_DATA__`` and MalformedPayload for a broken one.
    """
    if text.lstrip().startswith("{"):
        data = require_dict(loads_json(text), "product data")
    else:
        if not has_next_data(text):
            raise BlockedPage("no __NEXT_DATA__ script: bot-protection page")
        gtin = ld_json_gtin(text)
        if gtin:
            return gtin
        data = extract_next_data(text)
    gtin = clean_text(dig(page_props(data), "product", "gtin"))
    return gtin.strip() if gtin else None


def stores_request(base_url: str, latitude: float, longitude: float) -> RequestSpec:
    """POST ``/api/graphql`` operation ``GetStores`` around a point, all three banners."""
    return RequestSpec(
        url=f"{base_url.rstrip('/')}/api/graphql",
        method="POST",
        headers=_graphql_headers(base_url, "/find-stores"),
        body={
            "operationName": "GetStores",
            "variables": {
                "brandIds": list(STORE_BRANDS),
                "latitude": latitude,
                "longitude": longitude,
            },
            "query": STORES_QUERY,
        },
    )


def parse_store(store: Any) -> StoreItem | None:
    """One ``stores.results[].store`` as a StoreItem; None without a usable id."""
    try:
        store_id = canonical_store_id(COLES, dig(store, "id"))
    except ValueError:
        return None
    banner = coles_banner(store_id)
    suburb = clean_text(dig(store, "address", "suburb"))
    name = clean_text(dig(store, "name"))
    if name is None or name.strip().upper() == "N/A":
        name = f"{banner} {suburb}" if suburb else None
    lat, lon = coordinates(dig(store, "position", "latitude"), dig(store, "position", "longitude"))
    return StoreItem(
        company=COMPANY,
        store_id=store_id,
        name=name,
        banner=banner,
        address=clean_text(dig(store, "address", "addressLine")),
        suburb=suburb,
        state=clean_state(dig(store, "address", "state")),
        postcode=clean_postcode(dig(store, "address", "postcode")),
        latitude=lat,
        longitude=lon,
    )


def parse_stores(payload: Any) -> list[StoreItem]:
    """A ``GetStores`` response -> StoreItems (unusable entries left out)."""
    results = dig(require_dict(payload, "GetStores"), "data", "stores", "results")
    if not isinstance(results, list):
        raise MalformedPayload("GetStores: no data.stores.results list")
    stores = (parse_store(dig(entry, "store")) for entry in results)
    return [s for s in stores if s is not None]
