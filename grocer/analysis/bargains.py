"""Bargains: a canonical product much cheaper in one price zone than in another (DESIGN §6).

:func:`detect_bargains` compares each product's fresh prices across price zones of every
retailer, keeps the cheapest against the dearest, and replaces the ``bargains`` table with the
result in one transaction, recording the run in ``analysis_runs``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from sqlalchemy import Connection, Engine, delete, insert, or_, select, update

from grocer.analysis.runs import fail_run, open_run
from grocer.analysis.zones.resolver import ResolvedPrice, latest_prices
from grocer.db.models import AnalysisRun, Bargain, GroupMembership, Listing, Price, Product, Store
from grocer.db.product_links import link_groups

logger = logging.getLogger(__name__)

BargainKind = Literal["bargain", "review"]
BARGAIN: BargainKind = "bargain"
REVIEW: BargainKind = "review"  # a discount over the plausibility cap: likely a mismatch
RUN_KIND = "bargains"

FRESH_DAYS = 7  # DESIGN §5: "fresh" for bargains is last seen within 7 days
RATIO = Decimal("1.5")  # a bargain: the dearest price more than 1.5 x the cheapest
PLAUSIBILITY_CAP = Decimal("0.70")  # a discount over 70% is more likely two products than one
STORE_CHUNK = 50  # stores per resolver call: memory bounded by products, not by prices
_DISCOUNT = Decimal("0.0001")  # bargains.discount is Numeric(6, 4)


@dataclass(frozen=True)
class Offer:
    """A product's best price at one price zone (its anchor store)."""

    price: Decimal
    store_id: int
    listing_id: int
    price_id: int

    def cheaper_than(self, other: Offer) -> bool:
        """Lower price; equal prices go to the lower store id, then listing id."""
        return (self.price, self.store_id, self.listing_id) < (
            other.price,
            other.store_id,
            other.listing_id,
        )


@dataclass(frozen=True)
class BargainFound:
    """One product's cheapest zone against its dearest."""

    product_id: int
    cheap: Offer
    dear: Offer
    discount: Decimal  # 1 - cheap / dear
    kind: BargainKind
    zones: int  # price zones with a fresh price of the product


@dataclass
class BargainRun:
    """What one :func:`detect_bargains` run found and stored."""

    run_id: int
    as_of: date
    computed_at: datetime
    bargains: list[BargainFound] = field(default_factory=list)
    reviews: list[BargainFound] = field(default_factory=list)
    products_compared: int = 0  # canonical products with fresh prices in two or more zones
    prices_read: int = 0
    zones: int = 0

    def summary(self) -> dict[str, object]:
        """JSON-ready figures for ``analysis_runs.summary``."""
        return {
            "bargains": len(self.bargains),
            "reviews": len(self.reviews),
            "products_compared": self.products_compared,
            "prices_read": self.prices_read,
            "zones": self.zones,
        }


def classify(
    cheap: Decimal, dear: Decimal, *, ratio: Decimal, plausibility_cap: Decimal
) -> tuple[BargainKind | None, Decimal]:
    """Whether a cheapest/dearest pair is a bargain, one for review, or neither.

    Args:
        cheap: the cheapest price (positive).
        dear: the dearest price.
        ratio: a bargain needs ``dear > ratio * cheap``.
        plausibility_cap: a discount ``1 - cheap / dear`` above this is sent for review.

    Returns:
        ``(kind or None, discount)``.

    Examples:
        >>> cap = Decimal("0.70")
        >>> classify(Decimal("1.00"), Decimal("1.80"), ratio=RATIO, plausibility_cap=cap)
        ('bargain', Decimal('0.4444'))
        >>> classify(Decimal("3.50"), Decimal("31.50"), ratio=RATIO, plausibility_cap=cap)
        ('review', Decimal('0.8889'))
        >>> classify(Decimal("6.95"), Decimal("9.75"), ratio=RATIO, plausibility_cap=cap)
        (None, Decimal('0.2872'))
    """
    discount = (1 - cheap / dear).quantize(_DISCOUNT, rounding=ROUND_HALF_UP)
    if not dear > ratio * cheap:
        return None, discount
    if discount > plausibility_cap:
        return REVIEW, discount
    return BARGAIN, discount


class _Extremes:
    """Per product: the cheapest and the dearest zone offer seen so far, and how many zones."""

    __slots__ = ("cheap", "dear", "zones")

    def __init__(self, offer: Offer) -> None:
        self.cheap = self.dear = offer
        self.zones = 1

    def add(self, offer: Offer) -> None:
        self.zones += 1
        if offer.cheaper_than(self.cheap):
            self.cheap = offer
        # The dearest: highest price; equal prices go to the lower store id, then listing.
        if (offer.price, -offer.store_id, -offer.listing_id) > (
            self.dear.price,
            -self.dear.store_id,
            -self.dear.listing_id,
        ):
            self.dear = offer


def zone_stores(connection: Connection, as_of: date, *, fresh_days: int) -> list[int]:
    """The stores that stand for a price zone on ``as_of`` and have fresh rows of their own.

    A zone's anchor stands for its members; a store in no zone stands for itself.
    """
    members = (
        select(GroupMembership.store_id)
        # The membership period in force on the as-of date (valid_from <= day < valid_to).
        .where(GroupMembership.valid_from <= as_of)
        .where(or_(GroupMembership.valid_to.is_(None), GroupMembership.valid_to > as_of))
        # Members only: an anchor's membership names itself as anchor.
        .where(GroupMembership.anchor_store_id != GroupMembership.store_id)
    )
    statement = (
        select(Price.store_id)
        # Fresh rows only; the last_seen index makes this a range scan.
        .where(Price.last_seen >= as_of - timedelta(days=fresh_days))
        # Nothing from after the as-of date, so a run over history sees that day's data.
        .where(Price.first_seen <= as_of)
        # A member's prices are its anchor's (retention keeps only its exceptions).
        .where(Price.store_id.not_in(members))
        .distinct()
    )
    return sorted(connection.execute(statement).scalars())


def canonical_listings(connection: Connection) -> dict[int, int]:
    """``listing id -> product id`` for listings of canonical products; products linked as
    one (``product_links``) all map to their group's lowest id."""
    groups = link_groups(connection)
    statement = (
        select(Listing.id, Listing.product_id)
        .join(Product, Product.id == Listing.product_id)
        # Identity comes from a barcode, a matching key or a same-product link.
        .where(
            or_(
                Product.barcode.is_not(None),
                Product.matching_key.is_not(None),
                Product.id.in_(list(groups)),
            )
        )
    )
    return {
        listing: groups.get(product, product) for listing, product in connection.execute(statement)
    }


def _best_per_zone(
    prices: Sequence[ResolvedPrice], products: dict[int, int]
) -> dict[tuple[int, int], Offer]:
    """Per (product, store): the store's cheapest listing of the product."""
    best: dict[tuple[int, int], Offer] = {}
    for resolved in prices:
        product = products.get(resolved.listing_id)
        if product is None or resolved.price <= 0:
            continue  # not a canonical product, or no price to compare with
        offer = Offer(resolved.price, resolved.store_id, resolved.listing_id, resolved.price_id)
        key = (product, resolved.store_id)
        held = best.get(key)
        if held is None or offer.cheaper_than(held):
            best[key] = offer
    return best


def detect_bargains(
    engine: Engine,
    *,
    as_of: date,
    fresh_days: int = FRESH_DAYS,
    ratio: Decimal = RATIO,
    plausibility_cap: Decimal = PLAUSIBILITY_CAP,
    company_ids: Sequence[int] | None = None,
    store_chunk: int = STORE_CHUNK,
) -> BargainRun:
    """Find and store the bargains as of a date: a product's cheapest zone against its dearest.

    The rule (DESIGN §6, issue 8):

    - **Grouping key**: the canonical product, one ``products`` row, whose identity is a
      barcode or a matching key (name, brand, canonical size), or products linked as one
      (``product_links``: the group's lowest id); products with none of these are skipped.
      Prices compare on the shelf price: one product has one size.
    - **Prices**: every price zone's fresh price, read through the zone resolver
      (:func:`~grocer.analysis.zones.resolver.latest_prices`): one per zone anchor (a store
      in no zone is its own zone), the interval in force latest up to ``as_of`` and last seen
      within ``fresh_days`` of it.  A zone listing the product under several SKUs offers its
      cheapest.
    - **Baseline**: the dearest zone's price; the candidate is the cheapest zone's price.
      Equal prices go to the lower store id, so runs are deterministic.
    - **Threshold**: a bargain when ``dearest > ratio x cheapest`` (default 1.5).
    - **Guards**: at least two zones with a fresh price (one price compares with nothing);
      non-zero prices and a non-zero spread (implied by the threshold); a stale price (last
      seen more than ``fresh_days`` ago) never counts; a discount ``1 - cheapest / dearest``
      above ``plausibility_cap`` (default 0.70) is far likelier to be two different products
      sharing an identity (a single can and a carton) than a real price: it is stored as
      ``kind="review"``, not as a bargain.  Promotions claim nothing here: only the price
      charged counts, so a "was" equal to the price changes nothing.

    Results replace the previous run's rows in one transaction (both price rows kept), and
    the run is an ``analysis_runs`` row of kind "bargains".

    Args:
        engine: the database.
        as_of: the date the prices are taken on (a past date runs over history).
        fresh_days: how old a price's ``last_seen`` may be.
        ratio: the threshold: dearest over cheapest.
        plausibility_cap: the largest plausible discount.
        company_ids: only zones of these companies (None: every retailer).
        store_chunk: zones read per resolver call (bounds memory).

    Returns:
        A :class:`BargainRun` with the bargains and the reviews, dearest discount first.

    Examples:
        >>> run = detect_bargains(engine, as_of=date(2025, 9, 25))  # doctest: +SKIP
        >>> [(b.product_id, b.cheap.price, b.dear.price) for b in run.bargains]  # doctest: +SKIP
    """
    started = datetime.now(UTC)
    run_id = open_run(engine, RUN_KIND, as_of=as_of, started=started)
    run = BargainRun(run_id=run_id, as_of=as_of, computed_at=started)
    try:
        found = _compare(engine, run, fresh_days, ratio, plausibility_cap, company_ids, store_chunk)
        _store(engine, run, found)
    except BaseException:
        fail_run(engine, run_id)
        raise
    logger.info(
        "bargains as of %s: %d bargains, %d for review, %d products compared in %d zones",
        as_of, len(run.bargains), len(run.reviews), run.products_compared, run.zones,
    )  # fmt: skip
    return run


def _compare(
    engine: Engine,
    run: BargainRun,
    fresh_days: int,
    ratio: Decimal,
    plausibility_cap: Decimal,
    company_ids: Sequence[int] | None,
    store_chunk: int,
) -> list[BargainFound]:
    extremes: dict[int, _Extremes] = {}
    with engine.connect() as connection:
        products = canonical_listings(connection)
        stores = zone_stores(connection, run.as_of, fresh_days=fresh_days)
        if company_ids is not None:
            wanted = set(
                connection.execute(
                    select(Store.id).where(Store.company_id.in_(company_ids))
                ).scalars()
            )
            stores = [s for s in stores if s in wanted]
        run.zones = len(stores)
        for start in range(0, len(stores), max(store_chunk, 1)):
            chunk = stores[start : start + store_chunk]
            prices = latest_prices(connection, run.as_of, fresh_days=fresh_days, store_ids=chunk)
            run.prices_read += len(prices)
            for (product, _store), offer in _best_per_zone(prices, products).items():
                held = extremes.get(product)
                if held is None:
                    extremes[product] = _Extremes(offer)
                else:
                    held.add(offer)
    found = []
    for product, held in extremes.items():
        if held.zones < 2:
            continue  # one zone's price compares with nothing
        run.products_compared += 1
        kind, discount = classify(
            held.cheap.price, held.dear.price, ratio=ratio, plausibility_cap=plausibility_cap
        )
        if kind is not None:
            found.append(BargainFound(product, held.cheap, held.dear, discount, kind, held.zones))
    found.sort(key=lambda b: (-b.discount, b.product_id))
    run.bargains = [b for b in found if b.kind == BARGAIN]
    run.reviews = [b for b in found if b.kind == REVIEW]
    return found


def _store(engine: Engine, run: BargainRun, found: Sequence[BargainFound]) -> None:
    rows = [
        {
            "product_id": b.product_id,
            "cheap_store_id": b.cheap.store_id,
            "cheap_price_id": b.cheap.price_id,
            "dear_store_id": b.dear.store_id,
            "dear_price_id": b.dear.price_id,
            "discount": b.discount,
            "kind": b.kind,
            "computed_at": run.computed_at,
        }
        for b in found
    ]
    with engine.begin() as connection:
        # Each run replaces the last: the table holds one consistent answer, never a mix.
        connection.execute(delete(Bargain))
        for start in range(0, len(rows), 500):
            connection.execute(insert(Bargain), rows[start : start + 500])
        connection.execute(
            update(AnalysisRun)
            .where(AnalysisRun.id == run.run_id)
            .values(status="finished", finished_at=datetime.now(UTC), summary=run.summary())
        )
