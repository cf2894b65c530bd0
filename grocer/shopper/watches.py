"""Price watches: tell a shopper when a product gets cheap.

A watch names a product (its linked products, ``product_links``, count too), optionally a
price (``below``), a point and radius, ``specials_only`` and an Apprise URL.  Its condition
holds when a current price (:mod:`grocer.analysis.current`) at a store in range is at most
``below`` (and, with ``specials_only``, a special :func:`~grocer.analysis.specials.find_specials`
judges genuine), or without ``below`` when it is such a genuine special; "illusory" and
"unknown" specials never count.  :func:`check_watches` sends one alert when a condition turns
true (a new watch starts false) and none again until a check finds it false; alerts go to the
watch's URL, else ``GROCER_WATCH_ALERT_URLS``, never to the operator's ``GROCER_ALERT_URLS``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update

from grocer.analysis.current import CurrentOffer, ListingRef, current_offers
from grocer.analysis.specials import GENUINE
from grocer.db.models import Company, Listing, Product, Store, Watch
from grocer.db.product_links import group_members
from grocer.geo import distance_km
from grocer.health.alerts import send
from grocer.normalize.gtin import clean_gtin

logger = logging.getLogger(__name__)

URLS_ENV = "GROCER_WATCH_ALERT_URLS"
TITLE = "grocer price watch"
DEFAULT_RADIUS_KM = 10.0  # a point given without a radius


class WatchError(ValueError):
    """A watch that cannot be made: the message says why."""


@dataclass(frozen=True)
class WatchSpec:
    """What ``grocer watch add`` asks for."""

    product_id: int
    below: Decimal | None = None
    lat: float | None = None
    lon: float | None = None
    radius_km: float | None = None
    specials_only: bool = False
    url: str | None = None


def find_product(connection: Connection, text: str) -> int | None:
    """The product a product id or a barcode names; None if none."""
    text = text.strip()
    gtin = clean_gtin(text)
    if gtin.is_identity and gtin.code:
        found = connection.execute(select(Product.id).where(Product.barcode == gtin.code))
        if (product := found.scalar()) is not None:
            return product
    if text.isdigit() and len(text) < 12:
        return connection.execute(select(Product.id).where(Product.id == int(text))).scalar()
    return None


def add_watch(connection: Connection, spec: WatchSpec, now: datetime | None = None) -> int:
    """Store a new watch (its condition starts false); returns its id.

    Raises:
        WatchError: no such product, a point half given, a radius without a point, a price
            or radius not above zero.
    """
    if connection.execute(select(Product.id).where(Product.id == spec.product_id)).scalar() is None:
        raise WatchError(f"no product {spec.product_id}")
    if (spec.lat is None) != (spec.lon is None):
        raise WatchError("give --lat and --lon together")
    if spec.radius_km is not None and spec.lat is None:
        raise WatchError("--radius-km needs --lat and --lon")
    if spec.radius_km is not None and spec.radius_km <= 0:
        raise WatchError("--radius-km must be above 0")
    if spec.below is not None and spec.below <= 0:
        raise WatchError("--below must be above 0")
    radius = spec.radius_km
    if spec.lat is not None and radius is None:
        radius = DEFAULT_RADIUS_KM
    values = {
        "product_id": spec.product_id,
        "below": spec.below,
        "lat": spec.lat,
        "lon": spec.lon,
        "radius_km": radius,
        "specials_only": spec.specials_only,
        "url": spec.url,
        "active": True,
        "created_at": now or datetime.now(UTC),
        "alert_open": False,
    }
    return int(connection.execute(insert(Watch).values(**values).returning(Watch.id)).scalar_one())


def list_watches(connection: Connection) -> list[dict[str, object]]:
    """Every watch, by id, as its columns (money as a number, times as ISO text)."""
    rows = connection.execute(select(Watch.__table__).order_by(Watch.id)).all()
    return [
        {
            "id": w.id,
            "product_id": w.product_id,
            "below": float(w.below) if w.below is not None else None,
            "lat": w.lat,
            "lon": w.lon,
            "radius_km": w.radius_km,
            "specials_only": w.specials_only,
            "url": w.url,
            "active": w.active,
            "created_at": w.created_at.isoformat(),
            "alert_open": w.alert_open,
            "last_alerted_at": w.last_alerted_at.isoformat() if w.last_alerted_at else None,
        }
        for w in rows
    ]


def remove_watch(connection: Connection, watch_id: int) -> bool:
    """Delete a watch; False if there was none."""
    return bool(connection.execute(delete(Watch).where(Watch.id == watch_id)).rowcount)


@dataclass
class CheckResult:
    """What one :func:`check_watches` pass did (watch ids)."""

    checked: int = 0
    holding: list[int] = field(default_factory=list)  # condition true now
    alerted: list[int] = field(default_factory=list)  # turned true: alert sent
    unsent: list[int] = field(default_factory=list)  # turned true, sending failed: retried
    cleared: list[int] = field(default_factory=list)  # turned false


Sender = Callable[..., list[bool]]


def check_watches(
    engine: Engine,
    *,
    as_of: date,
    environ: Mapping[str, str] | None = None,
    sender: Sender = send,
) -> CheckResult:
    """Judge every active watch as of ``as_of``; alert those whose condition turned true.

    Raises:
        ValueError: a bad ``GROCER_FRESH_DAYS``.
    """
    environ = os.environ if environ is None else environ
    fallback = [u.strip() for u in environ.get(URLS_ENV, "").split(",") if u.strip()]
    result = CheckResult()
    with engine.connect() as connection:
        watches = connection.execute(select(Watch.__table__).where(Watch.active)).all()
        found = {w.id: _best_offer(connection, w, as_of, environ) for w in watches}
        wanted = [w.product_id for w in watches]
        names = {
            product: name
            for product, name in connection.execute(
                select(Product.id, Product.name).where(Product.id.in_(wanted))
            )
        }
        at = {o.price.store_id for o in found.values() if o is not None}
        stores = {
            row.id: f"{row.slug} {row.name or row.retailer_store_id}"
            for row in connection.execute(
                select(Store.id, Store.name, Store.retailer_store_id, Company.slug)
                .join(Company, Company.id == Store.company_id)
                .where(Store.id.in_(sorted(at)))
            )
        }
    now = datetime.now(UTC)
    for watch in watches:
        result.checked += 1
        offer = found[watch.id]
        if offer is None:
            if watch.alert_open:
                result.cleared.append(watch.id)
                _set(engine, watch.id, alert_open=False)
            continue
        result.holding.append(watch.id)
        if watch.alert_open:
            continue
        name = names.get(watch.product_id, f"product {watch.product_id}")
        message = _message(watch, offer, name, stores[offer.price.store_id])
        urls = [watch.url] if watch.url else fallback
        setting = f"watch {watch.id}" if watch.url else URLS_ENV
        [sent] = sender([message], urls, title=TITLE, setting=setting)
        if sent:
            result.alerted.append(watch.id)
            _set(engine, watch.id, alert_open=True, last_alerted_at=now)
        else:
            result.unsent.append(watch.id)
    return result


def _set(engine: Engine, watch_id: int, **values: object) -> None:
    with engine.begin() as connection:
        connection.execute(update(Watch).where(Watch.id == watch_id).values(**values))


def _stores_in_range(connection: Connection, watch: Any) -> list[int] | None:
    """The stores within the watch's radius (None: no point, every store)."""
    if watch.lat is None or watch.lon is None:
        return None
    radius = watch.radius_km or DEFAULT_RADIUS_KM
    rows = connection.execute(
        select(Store.id, Store.latitude, Store.longitude).where(
            Store.latitude.is_not(None), Store.longitude.is_not(None)
        )
    )
    return [
        store for store, lat, lon in rows if distance_km(watch.lat, watch.lon, lat, lon) <= radius
    ]


def _best_offer(
    connection: Connection, watch: Any, as_of: date, environ: Mapping[str, str]
) -> CurrentOffer | None:
    """The cheapest current offer meeting the watch's condition; None when none does."""
    stores = _stores_in_range(connection, watch)
    if stores == []:
        return None
    products = group_members(connection, [watch.product_id])[watch.product_id]
    listings = [
        ListingRef(row.id, row.company_id, row.slug)
        for row in connection.execute(
            select(Listing.id, Listing.company_id, Company.slug)
            .join(Company, Company.id == Listing.company_id)
            .where(Listing.product_id.in_(sorted(products)))
        )
    ]
    offers = current_offers(connection, listings, as_of, environ, store_ids=stores)
    meeting = [o for o in offers if _meets(watch, o)]
    return min(meeting, key=lambda o: (o.price.price, o.price.store_id), default=None)


def _meets(watch: Any, offer: CurrentOffer) -> bool:
    genuine = offer.special is not None and offer.special.verdict == GENUINE
    if watch.below is None:
        return genuine
    return offer.price.price <= watch.below and (genuine or not watch.specials_only)


def _message(watch: Any, offer: CurrentOffer, name: str, store: str) -> str:
    """The alert: the product, its price and store, and what the watch asked for."""
    price = offer.price
    target = f"at or below ${watch.below}" if watch.below is not None else "a genuine special"
    was = f" (was ${price.was_price})" if price.was_price is not None else ""
    return (
        f"{name}: ${price.price}{was} at {store} since {price.first_seen.isoformat()}; "
        f"watch {watch.id} asked for {target}"
    )


__all__: Sequence[str] = [
    "CheckResult",
    "WatchError",
    "WatchSpec",
    "add_watch",
    "check_watches",
    "find_product",
    "list_watches",
    "remove_watch",
]
