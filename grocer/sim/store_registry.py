"""Real stores from the store master, which of them are crawlable, and their price zones.

Zones: Aldi by state; Coles and Woolworths national except a few stores on their own prices;
IGA per store.  Store ids are the retailers' own (``COL:401``, ``1147``, ``G102``, IGA's
``storeId``); IGA listings are addressed by the retailer store id (salefinder ``tag``).
"""

from __future__ import annotations

import functools
import gzip
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grocer.sim.rng import mix, text_seed

DATA_DIR = Path(__file__).parent / "data"
NATIONAL = "national"
OWN_ZONE_PER_MILLE = 2  # Coles/Woolworths stores on their own price list (0.2%)


@dataclass(frozen=True)
class Store:
    """A store as the simulator knows it."""

    company: str
    store_id: str  # the retailer's id, as in the store master
    name: str
    state: str
    suburb: str
    postcode: str
    address: str
    lat: float
    lon: float
    banner: str  # COL/LQR/VIN, SUPERMARKETS/AMPOL/EG, IGA, ALDI
    crawlable: bool
    zone: str
    tag: str | None = None  # IGA online-shop (retailer) store id
    phone: str | None = None
    alcohol: tuple[str, ...] = ()

    @property
    def seed(self) -> int:
        """A stable per-store seed."""
        return text_seed(f"{self.company}:{self.store_id}")

    @property
    def number(self) -> str:
        """The numeric part of the id (Coles ``COL:401`` -> ``401``)."""
        return self.store_id.rsplit(":", 1)[-1]


def _zone(company: str, raw: dict[str, Any], crawlable: bool) -> str:
    if company == "aldi":
        return raw["state"] or "NSW"
    if company == "iga":
        return f"store:{raw['id']}"
    if crawlable and mix(text_seed(f"{company}:{raw['id']}"), 41) % 1000 < OWN_ZONE_PER_MILLE:
        return f"store:{raw['id']}"
    return NATIONAL


def _store(company: str, raw: dict[str, Any]) -> Store:
    if company == "coles":
        banner = raw["brand"]
        crawlable = banner == "COL"
    elif company == "woolworths":
        banner = raw["division"]
        crawlable = banner == "SUPERMARKETS"
    elif company == "iga":
        banner = "IGA"
        crawlable = bool(raw.get("tag"))
    else:
        banner = "ALDI"
        crawlable = True
    name = raw["name"] or (f"ALDI {raw['suburb'] or raw['id']}" if company == "aldi" else raw["id"])
    return Store(
        company=company,
        store_id=raw["id"],
        name=name,
        state=raw["state"] or "NSW",
        suburb=raw["suburb"],
        postcode=raw["postcode"],
        address=raw["address"],
        lat=float(raw["lat"]),
        lon=float(raw["lon"]),
        banner=banner,
        crawlable=crawlable,
        zone=_zone(company, raw, crawlable),
        tag=raw.get("tag"),
        phone=raw.get("phone"),
        alcohol=tuple(raw.get("alcohol") or ()),
    )


class StoreRegistry:
    """Lookup of stores by company and id (case-insensitive, zero padding tolerated)."""

    def __init__(self, stores: dict[str, list[Store]]) -> None:
        self.stores = stores
        self._by_key: dict[tuple[str, str], Store] = {}
        self._by_tag: dict[str, Store] = {}
        for company, items in stores.items():
            for store in items:
                self._by_key[(company, store_key(company, store.store_id))] = store
                if store.tag:
                    self._by_tag[store.tag] = store

    def get(self, company: str, store_id: str | int | None) -> Store | None:
        """The store with this id, or None."""
        if store_id is None:
            return None
        return self._by_key.get((company, store_key(company, str(store_id))))

    def coles_by_number(self, number: str | None) -> Store | None:
        """A Coles supermarket by the numeric part of its id (``0401`` -> ``COL:401``)."""
        if not number or not number.strip().isdigit():
            return None
        return self.get("coles", f"COL:{int(number)}")

    def iga_by_tag(self, tag: str) -> Store | None:
        """An IGA store by its online-shop (retailer) store id."""
        return self._by_tag.get(tag.strip())

    def crawlable(self, company: str) -> list[Store]:
        """The stores of ``company`` that serve an online catalogue."""
        return [s for s in self.stores[company] if s.crawlable]

    def nearest(
        self, company: str, lat: float, lon: float, limit: int, banners: set[str] | None = None
    ) -> list[tuple[float, Store]]:
        """Stores sorted by distance (km) from a point, at most ``limit``."""
        found = []
        for store in self.stores[company]:
            if banners is not None and store.banner not in banners:
                continue
            if store.lat == 0 and store.lon == 0:
                continue
            found.append((haversine_km(lat, lon, store.lat, store.lon), store))
        found.sort(key=lambda pair: (pair[0], pair[1].store_id))
        return found[:limit]


def store_key(company: str, store_id: str) -> str:
    """A store id in the one form lookups use: upper case, Coles ``COL:0401`` -> ``COL:401``,
    numeric ids without zero padding."""
    text = store_id.strip().upper()
    if company == "coles":
        prefix, _, number = text.rpartition(":")
        return f"{prefix or 'COL'}:{int(number)}" if number.isdigit() else text
    return str(int(text)) if text.isdigit() else text


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


@functools.lru_cache(maxsize=1)
def load_stores(data_dir: Path = DATA_DIR) -> StoreRegistry:
    """The shipped store list (``grocer/sim/data/stores.json.gz``)."""
    with gzip.open(data_dir / "stores.json.gz", "rt", encoding="utf-8") as fh:
        raw = json.load(fh)
    return StoreRegistry({c: [_store(c, r) for r in items] for c, items in raw.items()})
