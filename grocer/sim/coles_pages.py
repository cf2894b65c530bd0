"""Coles page payloads: the Next.js HTML shell with ``__NEXT_DATA__``, the ``pageProps`` of
browse and product pages, and a product page's ld+json block."""

from __future__ import annotations

import copy
import json
import re
from datetime import date
from typing import Any

import orjson

from grocer.sim.catalogue import Product
from grocer.sim.coles_tiles import image_uri, merchandise_heir, online_heirs, tile, tile_pricing
from grocer.sim.listing_faults import mistype
from grocer.sim.pricing import Listing
from grocer.sim.rng import mix
from grocer.sim.state import SimState
from grocer.sim.store_registry import Store

BUILD_ID = "20250826.3-3c1dab428c83f540de79419402ebe207ad4134e9"
PAGE_SIZE = 48
AD_POSITIONS = (1, 4, 7, 10, 13)


def next_html(title: str, next_data: dict[str, Any], head: str = "") -> bytes:
    """A Next.js page with ``next_data`` in ``<script id="__NEXT_DATA__">``."""
    data = orjson.dumps(next_data).decode("utf-8").replace("<", "\\u003c")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charSet="utf-8"/>'
        f"<title>{title} | Coles</title>{head}</head>"
        '<body><div id="__next"><main></main></div>'
        f'<script id="__NEXT_DATA__" type="application/json">{data}</script>'
        "</body></html>"
    ).encode()


def next_data(page: str, query: dict[str, Any], page_props: dict[str, Any]) -> dict[str, Any]:
    """A page's ``__NEXT_DATA__``: ``page_props`` under ``props``, with the route and build."""
    return {
        "props": {"pageProps": page_props, "__N_SSP": True},
        "page": page,
        "query": query,
        "buildId": BUILD_ID,
        "assetPrefix": "/_next",
        "isFallback": False,
        "gssp": True,
        "locale": "en",
        "locales": ["en"],
        "defaultLocale": "en",
        "scriptLoader": [],
    }


def store_label(store: Store) -> str:
    """``initStoreId`` as the site shows it: the numeric id zero-padded to four digits."""
    return store.number.zfill(4)


def browse_props(
    state: SimState, served: Store, day: date, slug: str, sub: str | None, page: int
) -> dict[str, Any]:
    """``props.pageProps`` of one browse page."""
    listings = _department(state, served, day, slug, sub)
    start = (page - 1) * PAGE_SIZE
    chunk = listings[start : start + PAGE_SIZE]
    results: list[dict[str, Any]] = [
        mistype(state.faults, served, lst.product.sku, tile(state, lst)) for lst in chunk
    ]
    ads = state.catalogue.templates["coles_single_tiles"]
    if results:
        for i, position in enumerate(AD_POSITIONS):
            if position <= len(results) and ads:
                ad = dict(ads[(page + i) % len(ads)])  # only adId differs; nested shared
                ad["adId"] = f"{ad['adId']}_{slug}_{page}_{i}"
                results.insert(position, ad)
    return {
        "initStoreId": store_label(served),
        "searchResults": {
            "noOfResults": len(listings),
            "pageSize": PAGE_SIZE,
            "results": results,
        },
    }


def _department(
    state: SimState, store: Store, day: date, slug: str, sub: str | None
) -> list[Listing]:
    listings = state.category_listings(store, day, [slug])
    if sub:
        node_ids = seo_ids(state).get(sub, set())
        listings = [
            lst for lst in listings if node_ids & set(lst.product.extra.get("cat_ids") or [])
        ]
    return listings


def seo_ids(state: SimState) -> dict[str, set[str]]:
    """Menu ``seoToken`` -> the ids of its nodes (built once, kept in the templates)."""
    cached = state.catalogue.templates.get("_coles_seo")
    if cached is None:
        cached = {}

        def walk(node: dict[str, Any]) -> None:
            cached.setdefault(node["seoToken"], set()).add(node["id"])
            for child in node.get("childItems") or []:
                walk(child)

        for item in state.catalogue.templates["coles_menu"]["data"]["menuItems"]["items"]:
            walk(item)
        state.catalogue.templates["_coles_seo"] = cached
    return cached


def gtin_placement(product: Product) -> str | None:
    """Where the product page shows its GTIN: ld+json ``gtin``/``gtin13``/``gtin14``, or only
    ``__NEXT_DATA__`` (``next``); None when the product has no GTIN."""
    if not product.gtin:
        return None
    draw = mix(product.seed, 31) % 100
    if draw < 75:
        return "gtin"
    if draw < 85:
        return "gtin13"
    if draw < 93:
        return "gtin14"
    return "next"


def product_props(state: SimState, store: Store, product: Product, day: date) -> dict[str, Any]:
    """``pageProps`` of a product page (HTML: under ``props``; ``_next/data``: top level)."""
    listing = state.listings(store, day).get(product.sku)
    if listing is None:
        regular = state.model.regular(product, store.zone, day)
        listing = Listing(product=product, price=regular, was=None, available=False)
    props = copy.deepcopy(state.catalogue.templates["coles_product_page"])
    for api in ("bffApi", "digitalGraphQLApi"):
        if isinstance(props["initialState"].get(api), dict):
            props["initialState"][api]["queries"] = {}
    props["initialState"]["trolley"]["storeId"] = store_label(store)
    props["initStoreId"] = store_label(store)
    page_product = props["product"]
    pricing = tile_pricing(listing)
    pricing.update(
        {
            "multiBuyPromotion": None,
            "priceDescription": (
                f"Was ${listing.was / 100:.2f} on {day.strftime('%b %Y')}" if listing.was else None
            ),
            "savePercent": 0,
            "specialType": None,
            "offerDescription": None,
        }
    )
    pricing.setdefault("saveAmount", None)
    pricing.setdefault("saveStatement", None)
    pricing.setdefault("promotionType", None)
    slug_brand = re.sub(r"[^a-z0-9]+", "-", product.brand.lower()).strip("-")
    page_product.update(
        {
            "id": int(product.sku),
            "name": product.name,
            "brand": product.brand,
            "description": product.extra.get("desc") or product.name.upper(),
            "size": product.size,
            "imageUris": [{"altText": "", "type": "default", "uri": image_uri(product)}],
            "merchandiseHeir": merchandise_heir(product),
            "onlineHeirs": online_heirs(product),
            "lastUpdated": f"{day.isoformat()}T02:00:00Z",
            "additionalInfo": [{"title": "Size", "description": product.size or "each"}],
            "brandDetails": {
                "id": mix(product.seed, 3) % 10**10,
                "name": product.brand,
                "seoToken": slug_brand,
            },
            "longDescription": f"<p>{product.brand} {product.name}</p>",
            "pricing": pricing,
            "gtin": product.gtin,
            "images": [],
            "availability": listing.available,
        }
    )
    return props


def product_slug(product: Product) -> str:
    """The real site's slug: brand, name and size, then the id."""
    text = f"{product.brand} {product.name} {product.size}"
    return f"{re.sub(r'[^a-z0-9]+', '-', text.lower()).strip('-')}-{product.sku}"


def ld_json(product: Product, props: dict[str, Any]) -> str:
    """The ``application/ld+json`` Product block of a product page."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": f"{product.brand} {product.name} | {product.size}".strip(),
        "brand": {"@type": "Brand", "name": product.brand},
        "sku": product.sku,
        "image": f"https://productimages.coles.com.au/productimages{image_uri(product)}",
        "offers": {
            "@type": "Offer",
            "priceCurrency": "AUD",
            "price": props["product"]["pricing"]["now"],
            "availability": "https://schema.org/InStock"
            if props["product"]["availability"]
            else "https://schema.org/OutOfStock",
        },
    }
    placement = gtin_placement(product)
    if placement in ("gtin", "gtin13"):
        data[placement] = product.gtin
    elif placement == "gtin14" and product.gtin:
        data["gtin14"] = product.gtin.zfill(14)
    text = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")
    return f'<script type="application/ld+json">{text}</script>'
