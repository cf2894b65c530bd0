"""Genuine specials: a listing's special price against its own recent price history.

A "was $X" claim is honest when $X is the price the store usually charged.  For each listing
on special, the previous 30 days of its history give the lowest and the most common
(duration-weighted) price; a was-price above that most common price is an *illusory*
discount, and the real discount is reported against the most common price beside the claimed
one.  Too little history says nothing: "unknown".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any, Literal

from sqlalchemy import Connection, Engine, Select, and_, bindparam, select, true
from sqlalchemy.orm import aliased

from grocer.db.models import GroupMembership, Price, Store

Verdict = Literal["genuine", "illusory", "unknown"]
GENUINE: Verdict = "genuine"
ILLUSORY: Verdict = "illusory"  # the was-price is above the most common recent price
UNKNOWN: Verdict = "unknown"  # under min_history_days of history in the window
VERDICTS: tuple[Verdict, ...] = (GENUINE, ILLUSORY, UNKNOWN)

WINDOW_DAYS = 30
MIN_HISTORY_DAYS = 14
CURRENT_DAYS = 3  # DESIGN §5: "current" is last seen within 3 days
CARRY_DAYS = 6  # a price observed on a day holds, unobserved, for at most a weekly crawl's gap
_RATIO = Decimal("0.0001")


@dataclass(frozen=True)
class Interval:
    """One price interval of a listing's history (``first_seen`` to ``last_seen``)."""

    price: Decimal
    first_seen: date
    last_seen: date


@dataclass(frozen=True)
class PriceHistory:
    """Days per price in a window, and what they say."""

    days: dict[Decimal, int]

    @property
    def history_days(self) -> int:
        """Days of the window with a known price."""
        return sum(self.days.values())

    @property
    def lowest(self) -> Decimal | None:
        """The lowest price charged in the window."""
        return min(self.days) if self.days else None

    @property
    def most_common(self) -> Decimal | None:
        """The price charged on most days; a tie goes to the lower price, so the real
        discount is never overstated."""
        if not self.days:
            return None
        return min(self.days, key=lambda price: (-self.days[price], price))


@dataclass(frozen=True)
class SpecialCheck:
    """A listing on special at a store as of a date, judged against its own history."""

    store_id: int
    listing_id: int
    price_id: int
    price: Decimal
    was_price: Decimal
    first_seen: date  # when the special's interval began
    lowest: Decimal | None  # the lowest price of the window
    most_common: Decimal | None  # the duration-weighted most common price of the window
    history_days: int  # days of the window with a known price
    claimed_discount: Decimal  # 1 - price / was_price
    real_discount: Decimal | None  # 1 - price / most_common (negative: dearer than usual)
    verdict: Verdict


def weigh_history(
    intervals: Iterable[Interval], *, start: date, end: date, carry_days: int = CARRY_DAYS
) -> PriceHistory:
    """Days per price within ``[start, end]`` of one listing's change-only intervals.

    An interval counts from ``first_seen`` to ``last_seen``, and, since a crawl observes a
    store only every few days, on until the day before the next interval begins, at most
    ``carry_days`` past ``last_seen`` (longer unobserved gaps stay unknown).

    Args:
        intervals: the listing's intervals at one store, in any order, not overlapping.
        start: the window's first day.
        end: the window's last day.
        carry_days: how long an observed price is assumed to hold unobserved.

    Returns:
        A :class:`PriceHistory` of the window.

    Examples:
        >>> d = date(2025, 9, 1)
        >>> weigh_history([Interval(Decimal("2"), d, d)], start=d, end=d + timedelta(29)).days
        {Decimal('2'): 7}
    """
    ordered = sorted(intervals, key=lambda i: i.first_seen)
    days: dict[Decimal, int] = defaultdict(int)
    for index, interval in enumerate(ordered):
        until = interval.last_seen + timedelta(days=carry_days)
        if index + 1 < len(ordered):
            until = min(until, ordered[index + 1].first_seen - timedelta(days=1))
        low, high = max(interval.first_seen, start), min(until, end)
        if high >= low:
            days[interval.price] += (high - low).days + 1
    return PriceHistory(dict(days))


def _ratio(value: Decimal) -> Decimal:
    return value.quantize(_RATIO, rounding=ROUND_HALF_UP)


def judge_special(
    price: Decimal,
    was_price: Decimal,
    history: PriceHistory,
    *,
    min_history_days: int = MIN_HISTORY_DAYS,
) -> tuple[Verdict, Decimal, Decimal | None]:
    """The verdict, the claimed discount and the real discount of one special.

    Args:
        price: the special price.
        was_price: the claimed regular price.
        history: the listing's history before the as-of date.
        min_history_days: under this many days of history the verdict is "unknown".

    Returns:
        ``(verdict, claimed_discount, real_discount)``; discounts are fractions of the
        claimed and of the most common price (real is None without history).

    Examples:
        >>> judge_special(Decimal("3"), Decimal("4"), PriceHistory({Decimal("3"): 20}))
        ('illusory', Decimal('0.2500'), Decimal('0.0000'))
    """
    claimed = _ratio(1 - price / was_price)
    common = history.most_common
    real = _ratio(1 - price / common) if common else None
    if history.history_days < min_history_days or common is None:
        return UNKNOWN, claimed, real
    if was_price > common:
        return ILLUSORY, claimed, real
    return GENUINE, claimed, real


# ----------------------------------------------------------------------------- queries


def specials_statement(
    as_of: date,
    *,
    window_days: int,
    current_days: int,
    carry_days: int,
    store_ids: Sequence[int] | None = None,
    company_ids: Sequence[int] | None = None,
    listing_ids: Sequence[int] | None = None,
    max_price_id: int | None = None,
) -> tuple[Select[Any], dict[str, Any]]:
    """Listings on special as of ``as_of``, each joined to its history rows in the window:
    the statement and the values of its bind parameters.

    Pure: builds the statement only (once per combination of filters given).  One row per
    (special, history interval).  With ``max_price_id`` only rows up to that id are read (a
    snapshot's cap).
    """
    params: dict[str, Any] = {
        "as_of": as_of,
        "current_from": as_of - timedelta(days=current_days),
        # intervals reaching into the window, counting their carried-forward days
        "history_from": as_of - timedelta(days=window_days + carry_days),
    }
    for name, value in (
        ("store_ids", store_ids),
        ("company_ids", company_ids),
        ("listing_ids", listing_ids),
        ("max_price_id", max_price_id),
    ):
        if value is not None:
            params[name] = value if isinstance(value, int) else list(value)
    shape = tuple(name in params for name in _SPECIALS_FILTERS)
    return _specials_shape(*shape), params


_SPECIALS_FILTERS = ("store_ids", "company_ids", "listing_ids", "max_price_id")


@cache
def _specials_shape(stores: bool, companies: bool, listings: bool, capped: bool) -> Select[Any]:
    special = aliased(Price, name="special")
    newer = aliased(Price, name="newer")
    history = aliased(Price, name="history")
    as_of = bindparam("as_of", type_=Price.first_seen.type)
    newest = (
        select(newer.id)
        .where(
            newer.store_id == special.store_id,
            newer.listing_id == special.listing_id,
            newer.first_seen > special.first_seen,
            newer.first_seen <= as_of,
            newer.id <= bindparam("max_price_id") if capped else true(),
        )
        .exists()
    )
    statement = (
        select(
            special.id,
            special.store_id,
            special.listing_id,
            special.price,
            special.was_price,
            special.first_seen.label("special_from"),
            history.price.label("history_price"),
            history.first_seen,
            history.last_seen,
        )  # fmt: skip
        .select_from(special)
        # Only listings on special count ...
        .where(special.is_special)
        # ... and a promotion whose "was" is not above its price claims no discount.
        .where(special.was_price > special.price)
        # As of the date: nothing that began after it.
        .where(special.first_seen <= as_of)
        # Still current on the date (last seen within `current_days`), not an old special.
        .where(special.last_seen >= bindparam("current_from", type_=Price.last_seen.type))
        # The newest interval up to the date: a later change ended the special.
        .where(~newest)
        # Its own history at the same store (the unique (store, listing, first_seen) index);
        # an outer join, so a special without any earlier row still gets its "unknown".
        .outerjoin(
            history,
            and_(
                history.store_id == special.store_id,
                history.listing_id == special.listing_id,
                # History before the as-of date only: the claim is about what was charged.
                history.first_seen < as_of,
                history.last_seen >= bindparam("history_from", type_=Price.last_seen.type),
                history.id <= bindparam("max_price_id") if capped else true(),
            ),
        )
    )
    if capped:
        statement = statement.where(special.id <= bindparam("max_price_id"))
    if stores:
        statement = statement.where(special.store_id.in_(bindparam("store_ids", expanding=True)))
    if listings:
        statement = statement.where(
            special.listing_id.in_(bindparam("listing_ids", expanding=True))
        )
    if companies:
        # The company is the store's: filter through the stores table.
        statement = statement.join(Store, Store.id == special.store_id).where(
            Store.company_id.in_(bindparam("company_ids", expanding=True))
        )
    return statement


_DAY = bindparam("day", type_=GroupMembership.valid_from.type)
_MEMBERS_ON = select(GroupMembership.store_id).where(
    # A membership period covers valid_from <= day < valid_to (None: still open).
    GroupMembership.valid_from <= _DAY,
    (GroupMembership.valid_to.is_(None)) | (GroupMembership.valid_to > _DAY),
    # An anchor's own rows are its whole history; only members borrow the anchor's.
    GroupMembership.anchor_store_id != GroupMembership.store_id,
)


def _members_on(connection: Connection, day: date) -> set[int]:
    """Stores that are members (not anchors) of a price zone on ``day``."""
    return set(connection.execute(_MEMBERS_ON, {"day": day}).scalars())


def find_specials(
    connection: Connection | Engine,
    *,
    as_of: date,
    window_days: int = WINDOW_DAYS,
    min_history_days: int = MIN_HISTORY_DAYS,
    current_days: int = CURRENT_DAYS,
    carry_days: int = CARRY_DAYS,
    store_ids: Sequence[int] | None = None,
    company_ids: Sequence[int] | None = None,
    listing_ids: Sequence[int] | None = None,
    max_price_id: int | None = None,
) -> list[SpecialCheck]:
    """Judge every listing on special as of a date against its own price history.

    The rule: for each (store, listing) whose current interval on ``as_of`` is a special
    (``is_special`` and a was-price above the price; last seen within ``current_days``), take
    the ``window_days`` before ``as_of`` (``as_of`` excluded) of its history at that store
    (a zone member's through the zone resolver, so its anchor's rows count); weigh each
    price by the days it was charged (:func:`weigh_history`); then

    - under ``min_history_days`` days of known price: "unknown";
    - a was-price above the most common price: "illusory" (charged briefly, or never);
    - otherwise "genuine".

    The real discount (against the most common price) is reported beside the claimed one.

    Args:
        connection: a connection or an engine (a read transaction is opened on it).
        as_of: the date the specials are judged on.
        window_days: days of history before ``as_of``.
        min_history_days: fewer days of known price give "unknown".
        current_days: how old the special's ``last_seen`` may be.
        carry_days: how long an observed price holds unobserved (see :func:`weigh_history`).
        store_ids: only these stores.
        company_ids: only stores of these companies.
        listing_ids: only these listings.
        max_price_id: read only the stored specials and history rows up to this id.

    Returns:
        One :class:`SpecialCheck` per listing on special, ordered by store and listing.

    Examples:
        >>> checks = find_specials(engine, as_of=date(2025, 10, 4))  # doctest: +SKIP
        >>> [c for c in checks if c.verdict == "illusory"]  # doctest: +SKIP
    """
    if isinstance(connection, Engine):
        with connection.connect() as opened:
            return find_specials(
                opened, as_of=as_of, window_days=window_days, min_history_days=min_history_days,
                current_days=current_days, carry_days=carry_days, store_ids=store_ids,
                company_ids=company_ids, listing_ids=listing_ids, max_price_id=max_price_id,
            )  # fmt: skip
    statement, params = specials_statement(
        as_of, window_days=window_days, current_days=current_days, carry_days=carry_days,
        store_ids=store_ids, company_ids=company_ids, listing_ids=listing_ids,
        max_price_id=max_price_id,
    )  # fmt: skip
    specials: dict[tuple[int, int], Any] = {}
    histories: dict[tuple[int, int], list[Interval]] = defaultdict(list)
    for row in connection.execute(statement, params):
        key = (row.store_id, row.listing_id)
        specials[key] = row
        if row.history_price is not None:
            histories[key].append(Interval(row.history_price, row.first_seen, row.last_seen))
    _resolve_members(connection, as_of, specials, histories, window_days + carry_days)
    start, end = as_of - timedelta(days=window_days), as_of - timedelta(days=1)
    checks = []
    for key in sorted(specials):
        row = specials[key]
        history = weigh_history(histories[key], start=start, end=end, carry_days=carry_days)
        verdict, claimed, real = judge_special(
            row.price, row.was_price, history, min_history_days=min_history_days
        )
        checks.append(
            SpecialCheck(
                store_id=row.store_id,
                listing_id=row.listing_id,
                price_id=row.id,
                price=row.price,
                was_price=row.was_price,
                first_seen=row.special_from,
                lowest=history.lowest,
                most_common=history.most_common,
                history_days=history.history_days,
                claimed_discount=claimed,
                real_discount=real,
                verdict=verdict,
            )
        )
    return checks


def _resolve_members(
    connection: Connection,
    as_of: date,
    specials: dict[tuple[int, int], Any],
    histories: dict[tuple[int, int], list[Interval]],
    lookback_days: int,
) -> None:
    """Replace a zone member's stored history (its exceptions only) by the resolved one."""
    members = _members_on(connection, as_of) & {store for store, _ in specials}
    if not members:
        return
    from grocer.analysis.zones.resolver import store_history

    since = as_of - timedelta(days=lookback_days)
    for store in sorted(members):
        wanted = {listing for s, listing in specials if s == store}
        resolved: dict[int, list[Interval]] = defaultdict(list)
        for price in store_history(connection, store, since=since):
            if price.listing_id in wanted and price.first_seen < as_of:
                resolved[price.listing_id].append(
                    Interval(price.price, price.first_seen, price.last_seen)
                )
        for listing in wanted:
            histories[(store, listing)] = resolved.get(listing, [])
