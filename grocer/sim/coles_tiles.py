"""The product JSON of Coles pages: a browse page's ``PRODUCT`` tile and the fields a product
page shares with it (pricing, category heirs, image)."""

from __future__ import annotations

from typing import Any

from grocer.sim.catalogue import Product
from grocer.sim.money import json_number
from grocer.sim.multibuy import coles_pricing
from grocer.sim.pricing import Listing, unit_text
from grocer.sim.state import SimState

MEASURES = {"g": "g", "kg": "kg", "ml": "ml", "l": "l", "ea": "ea", "sheets": "ea", "m": "m"}


def tile_pricing(listing: Listing) -> dict[str, Any]:
    """A tile's ``pricing``: prices, savings, unit price and promotion."""
    product = listing.product
    unit_cents = listing.unit_cents
    measure = MEASURES.get(product.unit[1], "ea") if product.unit else "ea"
    pricing: dict[str, Any] = {
        "now": json_number(listing.price),
        "was": json_number(listing.was) if listing.was is not None else 0,
    }
    if listing.was is not None:
        save = listing.was - listing.price
        pricing["saveAmount"] = json_number(save)
        pricing["saveStatement"] = f"save ${save / 100:.2f}"
    pricing["unit"] = {
        "quantity": product.unit[0] if product.unit else 1,
        "ofMeasureQuantity": 1,
        "ofMeasureUnits": measure,
        "price": json_number(unit_cents) if unit_cents is not None else 0,
        "ofMeasureType": measure,
        "isWeighted": (product.size or "").lower().startswith("approx"),
        "isIncremental": False,
    }
    pricing["comparable"] = unit_text(listing) or ""
    if listing.promo:
        pricing["promotionType"] = listing.promo
    pricing.update(coles_pricing(listing))
    pricing["onlineSpecial"] = False
    return pricing


def online_heirs(product: Product) -> list[dict[str, Any]]:
    """A tile's ``onlineHeirs``: the product's category path and node ids."""
    path = (product.cat + ["", "", ""])[:3]
    ids = product.extra.get("cat_ids") or ["", "", ""]
    return [
        {
            "aisle": path[2],
            "category": path[1],
            "subCategory": path[0],
            "categoryId": ids[1],
            "aisleId": ids[2],
            "subCategoryId": ids[0],
        }
    ]


def merchandise_heir(product: Product) -> dict[str, Any]:
    """A tile's ``merchandiseHeir``: the category path in capitals."""
    path = (product.cat + ["", "", ""])[:3]
    return {
        "tradeProfitCentre": path[0].upper(),
        "categoryGroup": path[1].upper(),
        "category": path[2].upper(),
        "subCategory": path[2].upper(),
        "className": "STANDARD",
    }


def image_uri(product: Product) -> str:
    """The product image's path on the image host."""
    return f"/{product.sku[0]}/{product.sku}.jpg"


def tile(state: SimState, listing: Listing) -> dict[str, Any]:
    """One ``PRODUCT`` tile of ``searchResults.results`` (no GTIN: listings carry none)."""
    product = listing.product
    out = dict(state.catalogue.templates["coles_product_tile"])  # nested values replaced below
    out.update(
        {
            "_type": "PRODUCT",
            "id": int(product.sku),
            "adId": None,
            "adSource": None,
            "featured": False,
            "name": product.name,
            "brand": product.brand,
            "description": product.extra.get("desc") or product.name.upper(),
            "size": product.size,
            "availability": listing.available,
            "availabilityType": "InStoreAndOnline",
            "imageUris": [{"altText": "", "type": "default", "uri": image_uri(product)}],
            "locations": [
                {
                    "aisleSide": "",
                    "description": "Aisle information is not available for this product.",
                    "facing": 0,
                    "aisle": "",
                    "order": 9999,
                    "shelf": None,
                }
            ],
            "merchandiseHeir": merchandise_heir(product),
            "onlineHeirs": online_heirs(product),
            "pricing": tile_pricing(listing),
        }
    )
    return out
