"""Freshness of the stores' prices, judged against the data's own calendar (CONTRACTS §4).

``as_of`` is ``--as-of`` when given, else :func:`default_as_of`: the latest ``observed_on`` of a
``complete`` run that wrote prices (a retailer crawl, full or sampled, or an ingest; never a
locator or barcode run).  The wall clock is never used: the simulator has its own calendar.

A store's ``last_price_on`` is the latest day up to ``as_of`` the zone resolver prices it: its
own rows, or its anchor's on the days of a membership period
(:mod:`grocer.analysis.zones.resolver`).  Older than :func:`fresh_days` (``GROCER_FRESH_DAYS``,
per company) it is ``stale``; with no price at all, ``never``.  Only crawlable stores count.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from sqlalchemy import Connection, func, select

from grocer.constants import COMPANY_LIST, COMPLETE, FULL_RUN, SAMPLE_RUN
from grocer.db.models import CrawlRun, GroupMembership, Price, Store
from grocer.db.store_rows import COMPANY_SLUGS

FRESH_DAYS_ENV = "GROCER_FRESH_DAYS"
DEFAULT_FRESH_DAYS = 7
PRICE_RUN_KINDS = (FULL_RUN, SAMPLE_RUN)  # runs that write prices (ingests are ``full``)
IN_CHUNK = 1_000

State = Literal["fresh", "stale", "never"]
STATES: tuple[State, ...] = ("fresh", "stale", "never")


class FreshDaysError(ValueError):
    """``GROCER_FRESH_DAYS`` is not a number of days nor a JSON object of them."""


DEFAULT_AS_OF_QUERY = select(func.max(CrawlRun.observed_on)).where(
    CrawlRun.status == COMPLETE, CrawlRun.kind.in_(PRICE_RUN_KINDS)
)


def default_as_of(connection: Connection) -> date | None:
    """The latest ``observed_on`` of a ``complete`` price run (crawl or ingest); None if none."""
    return connection.execute(DEFAULT_AS_OF_QUERY).scalar()


def _days(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise FreshDaysError(f"{FRESH_DAYS_ENV}: {where} must be a whole number of days")
    try:
        number = float(value)
    except ValueError:
        raise FreshDaysError(
            f"{FRESH_DAYS_ENV}: {where} must be a whole number of days, not {value!r}"
        ) from None
    if number != int(number) or number < 0:
        raise FreshDaysError(
            f"{FRESH_DAYS_ENV}: {where} must be a whole number of days, not {value!r}"
        )
    return int(number)


def parse_fresh_days(text: str | None) -> dict[str, int]:
    """``"5"`` -> ``{"default": 5}``; ``'{"default": 7, "coles": 3}'`` -> that, checked.

    Raises :class:`FreshDaysError` naming the variable and what is wrong."""
    text = (text or "").strip()
    if not text:
        return {"default": DEFAULT_FRESH_DAYS}
    if not text.startswith("{"):
        return {"default": _days(text, "the value")}
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as error:
        raise FreshDaysError(f"{FRESH_DAYS_ENV}: not valid JSON ({error})") from None
    if not isinstance(parsed, dict):
        raise FreshDaysError(f'{FRESH_DAYS_ENV}: expected an object like {{"default": 7}}')
    unknown = sorted(set(parsed) - {"default", *COMPANY_LIST})
    if unknown:
        raise FreshDaysError(
            f"{FRESH_DAYS_ENV}: unknown key(s) {', '.join(unknown)} "
            f"(keys: default, {', '.join(COMPANY_LIST)})"
        )
    days = {"default": DEFAULT_FRESH_DAYS}
    days.update({key: _days(value, f'"{key}"') for key, value in parsed.items()})
    return days


def fresh_days(company: str, environ: Mapping[str, str] | None = None) -> int:
    """How many days old a company's prices may be before its stores are stale."""
    days = parse_fresh_days((os.environ if environ is None else environ).get(FRESH_DAYS_ENV))
    return days.get(company, days["default"])


def _own_latest(connection: Connection, as_of: date | None) -> dict[int, date]:
    """Per store, the latest day up to ``as_of`` one of its own price rows covers."""
    stmt = select(Price.store_id, func.max(Price.last_seen)).group_by(Price.store_id)
    if as_of is not None:
        stmt = stmt.where(Price.first_seen <= as_of)
    return {
        store: day if as_of is None else min(day, as_of)
        for store, day in connection.execute(stmt)
        if day is not None
    }


def last_price_on(connection: Connection, as_of: date | None) -> dict[int, date]:
    """Per store (``stores.id``), the latest day up to ``as_of`` (None: no bound) the zone
    resolver prices it; stores never priced are absent.

    One grouped query over ``prices`` for every store (the latest day of its own rows); the
    membership periods (another store the anchor) take their anchor's latest day when it falls
    in the period.  A closed period the anchor outlived is asked about (one query per chunk)
    only when its last day is later than what the store has otherwise."""
    best = _own_latest(connection, as_of)
    anchor_latest = dict(best)
    periods = connection.execute(
        select(
            GroupMembership.id, GroupMembership.store_id, GroupMembership.anchor_store_id,
            GroupMembership.valid_from, GroupMembership.valid_to,
        ).where(
            GroupMembership.anchor_store_id != GroupMembership.store_id,
            *([GroupMembership.valid_from <= as_of] if as_of is not None else []),
        )
    ).all()  # fmt: skip
    # (anchor, valid_from, valid_to) -> the stores of periods the anchor outlived
    outlived: dict[tuple[int, date, date], list[int]] = {}
    representative: dict[tuple[int, date, date], int] = {}  # one period id asked about
    for period_id, store, anchor, valid_from, valid_to in periods:
        day = anchor_latest.get(anchor)
        if day is None or day < valid_from:
            continue  # the anchor has no row reaching into the period
        if valid_to is None or day < valid_to:
            best[store] = max(best.get(store, day), day)
        else:
            outlived.setdefault((anchor, valid_from, valid_to), []).append(store)
            representative.setdefault((anchor, valid_from, valid_to), period_id)
    # such a period gives at most its last day: asked about only for stores that have nothing
    # as late (members of a zone that dissolved share one question)
    asked = {
        representative[span]: span
        for span, stores in outlived.items()
        if any(best.get(store, date.min) < span[2] - timedelta(days=1) for store in stores)
    }
    ids = sorted(asked)
    for start in range(0, len(ids), IN_CHUNK):
        stmt = (
            select(GroupMembership.id, func.max(Price.last_seen))
            .join(Price, Price.store_id == GroupMembership.anchor_store_id)
            .where(
                GroupMembership.id.in_(ids[start : start + IN_CHUNK]),
                Price.first_seen < GroupMembership.valid_to,
                Price.last_seen >= GroupMembership.valid_from,
                *([Price.first_seen <= as_of] if as_of is not None else []),
            )
            .group_by(GroupMembership.id)
        )
        for period_id, latest in connection.execute(stmt):
            span = asked[period_id]
            day = min(latest, span[2] - timedelta(days=1), as_of or latest)
            for store in outlived[span]:
                best[store] = max(best.get(store, day), day)
    return best


@dataclass(frozen=True)
class StoreFreshness:
    """One crawlable store's freshness on ``as_of``.  ``planned``: the planner crawls it
    itself (a zone anchor or a store in no zone), so never having a price is a problem."""

    store_pk: int
    company: str
    store: str  # the retailer's store id
    last_price_on: date | None
    age_days: int | None
    fresh_days: int
    planned: bool

    @property
    def state(self) -> State:
        if self.last_price_on is None:
            return "never"
        if self.age_days is not None and self.age_days > self.fresh_days:
            return "stale"
        return "fresh"


def store_freshness(
    connection: Connection, as_of: date | None, *, environ: Mapping[str, str] | None = None
) -> list[StoreFreshness]:
    """Every crawlable store's freshness on ``as_of`` (None: stores with a price count fresh),
    ordered by company and store id."""
    days = parse_fresh_days((os.environ if environ is None else environ).get(FRESH_DAYS_ENV))
    member = (
        select(GroupMembership.id)
        .where(
            GroupMembership.store_id == Store.id,
            GroupMembership.valid_to.is_(None),
            GroupMembership.anchor_store_id != Store.id,
        )
        .exists()
    )
    stores = connection.execute(
        select(Store.id, Store.company_id, Store.retailer_store_id, member.label("member"))
        .where(Store.crawlable.is_(True))
        .order_by(Store.company_id, Store.retailer_store_id)
    ).all()
    latest = last_price_on(connection, as_of)
    found = []
    for pk, company_id, store_id, is_member in stores:
        company = COMPANY_SLUGS.get(company_id, str(company_id))
        day = latest.get(pk)
        age = (as_of - day).days if day is not None and as_of is not None else None
        limit = days.get(company, days["default"])
        found.append(StoreFreshness(pk, company, store_id, day, age, limit, not is_member))
    found.sort(key=lambda s: (s.company, s.store))
    return found


def company_counts(stores: Iterable[StoreFreshness]) -> dict[str, dict[str, int]]:
    """``{company: {fresh, stale, never}}`` of the companies with crawlable stores."""
    counts: dict[str, dict[str, int]] = {}
    for store in stores:
        counts.setdefault(store.company, dict.fromkeys(STATES, 0))[store.state] += 1
    return dict(sorted(counts.items()))
