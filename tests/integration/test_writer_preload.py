"""A full crawl loads its company's listings once; a listing created meanwhile still lands once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Engine, func, select

from grocer.db.models import Listing, Price
from grocer.db.writer import PriceWriter
from grocer.normalize.product import Observation, normalize_observation

DAY = date(2025, 9, 17)


def observation(sku: str, store: str, price: str, day: date = DAY) -> Observation:
    return normalize_observation(
        company="aldi",
        store_id=store,
        sku=sku,
        observed_on=day,
        name=f"Product {sku} 500g",
        brand="Farmdale",
        size="500g",
        barcode=None,
        url=None,
        category_path=("Dairy",),
        price=Decimal(price),
        was_price=None,
        unit_price_value=None,
        unit_price_measure=None,
        unit_price_text=None,
        is_available=None,
        promo_text=None,
    )


def counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as connection:
        listings = connection.execute(select(func.count()).select_from(Listing)).scalar_one()
        prices = connection.execute(select(func.count()).select_from(Price)).scalar_one()
    return listings, prices


def test_preloaded_listings_are_matched_without_new_rows(engine: Engine) -> None:
    PriceWriter(engine).write([observation("1", "G102", "2.00"), observation("2", "G102", "3.00")])
    crawl = PriceWriter(engine)
    assert crawl.preload_listings("aldi") == 2
    later = date(2025, 9, 18)
    crawl.write([observation("1", "G102", "2.00", later), observation("2", "G102", "3.50", later)])
    assert counts(engine) == (2, 3)  # one price extended, one changed
    assert crawl.stats.listings_created == 0


def test_a_listing_created_after_the_preload_is_not_duplicated(engine: Engine) -> None:
    crawl = PriceWriter(engine)
    assert crawl.preload_listings("aldi") == 0
    PriceWriter(engine).write([observation("1", "G101", "2.00")])  # another store's crawl
    crawl.write([observation("1", "G102", "2.10"), observation("2", "G102", "1.00")])
    assert counts(engine) == (2, 3)
    with engine.connect() as connection:
        stores = connection.execute(
            select(func.count(func.distinct(Price.store_id))).where(
                Price.listing_id == select(Listing.id).where(Listing.sku == "1").scalar_subquery()
            )
        ).scalar_one()
    assert stores == 2
