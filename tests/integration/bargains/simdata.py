"""Simulator truth as ingestible feed records: history over many simulated days, fast.

A crawl of a store reproduces the simulator's truth for that store and day (the e2e crawl tests
hold them equal), so ingesting the truth of each day gives the same price history as crawling
every day, without the crawls.  Coles records carry the barcode its product pages give
(``coles_barcodes`` would find it); names, brands and sizes are those the retailers' parsers
read from the listing pages (IGA's size comes from its ``unitOfSize``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson

from grocer.retailers import aldi, coles, iga, woolworths
from grocer.sim import aldi as aldi_sim
from grocer.sim import coles_tiles
from grocer.sim import iga as iga_sim
from grocer.sim.identity import listing_fields
from grocer.sim.pricing import Listing
from grocer.sim.server import SimulatorServer


def days(first: date | str, last: date | str) -> list[date]:
    """Every day from ``first`` to ``last`` inclusive."""
    a = date.fromisoformat(first) if isinstance(first, str) else first
    b = date.fromisoformat(last) if isinstance(last, str) else last
    return [a + timedelta(days=n) for n in range((b - a).days + 1)]


def category_paths(sim: SimulatorServer, company: str, store: str, day: date) -> dict[str, list]:
    """Each listing's category path as the retailer's parser reads it from what the simulator
    serves (Woolworths': the browse tree's path to the leaf the spider crawls)."""
    state = sim.state
    where = state.stores.get(company, store)
    assert where is not None
    listings = state.listings(where, day)
    if company == "woolworths":
        tree = state.catalogue.templates["woolworths_categories"]
        paths = {c.key: list(c.path) for c in woolworths.parse_categories(tree)}
        return {sku: paths.get(lst.product.leaf, []) for sku, lst in listings.items()}
    read: dict[str, Callable[[Listing], Sequence[str]]] = {
        "coles": lambda lst: coles.tile_category_path(coles_tiles.tile(state, lst)),
        "aldi": lambda lst: (
            aldi.parse_product(aldi_sim.product_json(state, lst), store_id=store).category_path
        ),
        "iga": lambda lst: (
            iga.parse_product(iga_sim.item_json(state, lst), store_id=store).category_path
        ),
    }
    return {sku: list(read[company](lst)) for sku, lst in listings.items()}


def truth_records(
    sim: SimulatorServer,
    company: str,
    store: str,
    day: date,
    skus: set[str] | None = None,
    categories: bool = False,
) -> Iterable[dict[str, Any]]:
    """The flat feed records of what ``store`` served on ``day`` (marketplace excluded, as the
    spiders ask for products sold by the retailer); with ``categories``, each with the
    category path a crawl stores."""
    truth = sim.truth(company, store, day)
    paths = category_paths(sim, company, store, day) if categories else {}
    for product in truth["products"]:
        if product["marketplace"] or (skus is not None and product["sku"] not in skus):
            continue
        listed = sim.state.product(company, product["sku"])
        assert listed is not None
        name, brand, size, _ = listing_fields(listed)  # as the retailer's parser reads them
        offer = product["multibuy"] or {}
        yield {
            "company": company,
            "store_id": store,
            "sku": product["sku"],
            "name": name,
            "brand": brand,
            "size": size,
            "price": product["price"],
            "was_price": product["was_price"],
            "unit_price_text": product["unit_price_text"],
            "barcode": product["barcode"] or product["gtin"],
            "observed_on": truth["date"],
            "is_available": product["available"],
            "promo_text": f"{offer['quantity']} for ${offer['price']}" if offer else None,
            "multibuy_qty": offer.get("quantity"),
            "multibuy_price": offer.get("price"),
            **({"category_path": paths[product["sku"]]} if categories else {}),
        }


def write_truth(
    sim: SimulatorServer,
    stores: Sequence[tuple[str, str]],
    on: Sequence[date],
    path: Path,
    skus: set[str] | None = None,
    categories: bool = False,
) -> Path:
    """One JSONL file of the truth of ``stores`` on each day of ``on``."""
    with path.open("wb") as out:
        for day in on:
            for company, store in stores:
                for record in truth_records(sim, company, store, day, skus, categories):
                    out.write(orjson.dumps(record) + b"\n")
    return path


def planted(sim: SimulatorServer, kind: str) -> dict[str, Any]:
    """The planted case of ``kind``."""
    (case,) = [c for c in sim.planted() if c["kind"] == kind]
    return case
