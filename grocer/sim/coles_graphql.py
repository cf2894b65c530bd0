"""Coles GraphQL answers: ``menuItems`` (the category menu with a store's product counts)
and ``GetStores`` (stores nearest a point)."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from grocer.sim.state import SimState
from grocer.sim.store_registry import Store

DEPARTMENTS = (
    "meat-seafood", "fruit-vegetables", "dairy-eggs-fridge", "bakery", "deli", "pantry",
    "dietary-world-foods", "chips-chocolates-snacks", "drinks", "frozen", "household",
    "health-beauty", "baby", "pet", "liquorland",
)  # fmt: skip


def menu_items(state: SimState, store: Store, day: date) -> dict[str, Any]:
    """The ``menuItems`` GraphQL answer with this store's product counts."""
    menu = copy.deepcopy(state.catalogue.templates["coles_menu"])
    counts: dict[str, int] = {}
    thin = state.faults.share("thin", store.company, store.store_id)
    for listing in state.listings(store, day).values():
        if thin and state.faults.picked("thin", store.company, listing.product.sku, thin):
            continue  # left out of the store's listing pages, so out of their counts
        for node_id in set(listing.product.extra.get("cat_ids") or []):
            counts[node_id] = counts.get(node_id, 0) + 1

    def walk(node: dict[str, Any], department: bool) -> None:
        if department:
            node["productCount"] = counts.get(node["id"], 0)
        for child in node.get("childItems") or []:
            walk(child, department)

    for item in menu["data"]["menuItems"]["items"]:
        walk(item, item["seoToken"] in DEPARTMENTS)
    return menu


def get_stores(state: SimState, variables: dict[str, Any]) -> dict[str, Any]:
    """The ``GetStores`` GraphQL answer: stores of the given brands nearest a point."""
    try:
        lat, lon = float(variables["latitude"]), float(variables["longitude"])
    except (KeyError, TypeError, ValueError):
        return {"errors": [{"message": "latitude and longitude are required"}], "data": None}
    brands = set(variables.get("brandIds") or ["COL", "LQR", "VIN"])
    names = {
        "COL": ("Coles Supermarkets", 2),
        "LQR": ("Liquorland", 3),
        "VIN": ("Vintage Cellars", 5),
    }
    results = []
    for distance, store in state.stores.nearest("coles", lat, lon, 50, brands):
        brand_name, finder = names[store.banner]
        results.append(
            {
                "distance": round(distance, 3),
                "store": {
                    "id": store.store_id,
                    "name": store.name,
                    "address": {
                        "state": store.state,
                        "suburb": store.suburb,
                        "addressLine": store.address,
                        "postcode": store.postcode,
                    },
                    "position": {"latitude": store.lat, "longitude": store.lon},
                    "brand": {"name": brand_name, "storeFinderId": finder, "id": store.banner},
                    "phone": store.phone,
                    "isTrading": True,
                    "services": [],
                    "hours": {
                        "today": {
                            "time": "Today from 8am to 9pm",
                            "holidayReason": None,
                            "isOpen": False,
                            "__typename": "TradingHoursToday",
                        },
                        "__typename": "Hours",
                    },
                    "__typename": "Store",
                },
                "__typename": "StoreDistance",
            }
        )
    return {"data": {"stores": {"results": results, "__typename": "StoreDistanceCollection"}}}
