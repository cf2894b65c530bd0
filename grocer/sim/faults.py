"""Injectable faults, configurable per retailer and deterministic given a seed.

Spec syntax (CLI ``--faults``, ``POST /_sim/faults``): comma-separated ``[company:]kind=value``
items, e.g. ``"aldi:429=0.05,woolworths:truncated=0.02,coles:wrong_store=0.01,latency=20ms"``.
Without a company prefix an item applies to every retailer.

Request faults, with a probability per request: ``429``, ``503`` (both with ``Retry-After``),
``drop`` (connection closed without a response), ``timeout`` (hang for ``hang`` seconds,
default 30, then close), ``malformed`` (broken JSON), ``truncated`` (JSON cut short),
``wrong_store`` (Coles ``initStoreId`` / Woolworths ``FulfilmentStoreId`` of another store).
They are decided from (seed, retailer, request key, attempt number), so the same sequence of
requests meets the same faults; a request never fails more than ``MAX_CONSECUTIVE`` times in a
row, so a retried request always gets a good answer eventually.

``storm=SHARE``: that share of requests answered HTTP 429 *without* ``Retry-After`` (Coles: its
Imperva block page), decided from (seed, retailer, request key, attempt) like the others but
not capped by ``MAX_CONSECUTIVE``: a storm may exhaust a client's retries.

Listing faults, ``kind=SHARE[@STORE]`` (a store id may hold a colon, ``coles:thin=0.3@COL:401``;
``@`` is split from the right), for one store or, without ``@STORE``, every store of the
retailer (a store's own setting wins over the every-store one).  The listings are chosen by
seed and SKU, so the same SKUs are picked on every page and every run:

* ``thin``: those listings are left out of the store's listing pages and of their totals
  (Aldi ``totalCount``, Coles ``noOfResults`` and menu ``productCount``, Woolworths
  ``TotalRecordCount``, IGA ``total``): the catalogue just looks smaller.  The ground truth
  (``/_sim/truth``) is unchanged.
* ``wrong_type``: those listings are served, in well-formed JSON, with one field of the
  wrong JSON type, by SKU one of: a number as brand, a list as name, a price text that is no
  number (``"abc"``) where the retailer sends a number (see :mod:`grocer.sim.listing_faults`).

``client_rate=N`` (a whole number): at most N answered requests per second per client address
(its ``request.remote``) and retailer, in a sliding one-second window
(:mod:`grocer.sim.client_rate`); the rest get HTTP 429 with ``Retry-After: 1``, are left out of
the request log and counted as ``rate_limited`` (``/_sim/requests``).

``latency`` takes ``20ms`` or seconds; ``retry_after`` (seconds, default 1) and ``hang`` are
plain numbers.  A bad item (unknown kind, retailer or store, a share outside [0, 1]) raises
``ValueError`` naming it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from grocer.sim.client_rate import ClientWindows
from grocer.sim.rng import mix, text_seed, unit
from grocer.sim.store_registry import store_key

FAULT_KINDS = ("429", "503", "drop", "timeout", "malformed", "truncated", "wrong_store")
LISTING_KINDS = ("thin", "wrong_type")
STORM = "storm"
CLIENT_RATE = "client_rate"
COMPANIES = ("coles", "woolworths", "aldi", "iga")
MAX_CONSECUTIVE = 2
EVERY_STORE = "*"  # the key of a listing fault's every-store share
WRONG_TYPES = ("brand", "name", "price")

KnownStore = Callable[[str, str], bool]


@dataclass
class RetailerFaults:
    """The fault settings of one retailer."""

    rates: dict[str, float] = field(default_factory=dict)
    latency: float = 0.0  # seconds added to every response
    retry_after: int = 1
    hang: float = 30.0
    storm: float = 0.0  # share of requests answered 429 without Retry-After, uncapped
    client_rate: int = 0  # answered requests per second per client address; 0: no limit
    thin: dict[str, float] = field(default_factory=dict)  # store key or "*" -> share
    wrong_type: dict[str, float] = field(default_factory=dict)  # store key or "*" -> share

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (listing faults by store id, ``"*"`` for every store)."""
        return {
            "rates": dict(self.rates),
            "latency": self.latency,
            "retry_after": self.retry_after,
            "hang": self.hang,
            "storm": self.storm,
            "client_rate": self.client_rate,
            "thin": dict(self.thin),
            "wrong_type": dict(self.wrong_type),
        }


def _seconds(value: str) -> float:
    text = value.strip().lower()
    if text.endswith("ms"):
        return float(text[:-2]) / 1000
    if text.endswith("s"):
        return float(text[:-1])
    return float(text)


def raw_item(company: str | None, kind: str, value: str) -> str:
    """A spec item as text (for messages)."""
    return f"{company + ':' if company else ''}{kind}={value}"


def _share(text: str, item: str) -> float:
    try:
        share = float(text)
    except ValueError:
        raise ValueError(f"fault value is not a number in [0, 1]: {item}") from None
    if not 0 <= share <= 1:
        raise ValueError(f"fault rate out of [0, 1]: {item}")
    return share


def _number(kind: str, value: str, item: str) -> float:
    """The value of a request-level item: seconds for the timings, else a share."""
    if kind in ("latency", "retry_after", "hang"):
        try:
            return _seconds(value)
        except ValueError:
            raise ValueError(f"fault value is not a duration: {item}") from None
    if kind == CLIENT_RATE:
        if not value.isdigit() or int(value) < 1:
            raise ValueError(f"client_rate takes a whole number of requests, 1 or more: {item}")
        return int(value)
    if kind == STORM and "@" in value:
        raise ValueError(f"storm takes no @STORE (it counts requests): {item}")
    if kind == STORM or kind in FAULT_KINDS:
        return _share(value, item)
    raise ValueError(f"unknown fault kind: {kind!r}")


def _spec_items(spec: str | dict[str, Any] | None) -> list[tuple[str | None, str, str]]:
    items: list[tuple[str | None, str, str]] = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key in COMPANIES and isinstance(value, dict):
                items.extend((key, str(k), str(v)) for k, v in value.items())
            else:
                company, _, kind = key.rpartition(":")
                items.append((company or None, kind, str(value)))
    elif spec:
        for raw in spec.split(","):
            if not raw.strip():
                continue
            key, sep, value = raw.strip().partition("=")
            if not sep:
                raise ValueError(f"fault item without '=': {raw!r}")
            company, _, kind = key.strip().rpartition(":")
            items.append((company or None, kind.strip(), value.strip()))
    return items


def _listing_fault(
    result: dict[str, RetailerFaults],
    company: str | None,
    kind: str,
    value: str,
    known_store: KnownStore | None,
) -> None:
    item = raw_item(company, kind, value)
    share_text, at, store = value.rpartition("@") if "@" in value else (value, "", "")
    share = _share(share_text, item)
    targets = [company] if company else list(COMPANIES)
    if at:
        store = store.strip()
        if not store:
            raise ValueError(f"fault item with '@' but no store: {item}")
        if known_store is not None:
            targets = [t for t in targets if known_store(t, store)]
            if not targets:
                raise ValueError(f"unknown store in fault spec: {item}")
    for target in targets:
        shares: dict[str, float] = getattr(result[target], kind)
        shares[store_key(target, store) if at else EVERY_STORE] = share


def parse_faults(
    spec: str | dict[str, Any] | None, known_store: KnownStore | None = None
) -> dict[str, RetailerFaults]:
    """Parse a fault spec string (or a dict of the same items) into per-retailer settings.

    A dict may map ``"company:kind"`` or ``"kind"`` to a value, or a company to a dict of
    kinds.  ``known_store(company, store_id)``, when given, checks the ``@STORE`` of listing
    faults (an item without a company applies to the retailers that have the store).

    Raises:
        ValueError: an unknown kind, retailer or store, a value that is no number, a share
            outside [0, 1].
    """
    result = {company: RetailerFaults() for company in COMPANIES}
    for company, kind, value in _spec_items(spec):
        if company is not None and company not in COMPANIES:
            raise ValueError(f"unknown retailer in fault spec: {company!r}")
        if kind in LISTING_KINDS:
            _listing_fault(result, company, kind, value, known_store)
            continue
        item = raw_item(company, kind, value)
        number = _number(kind, value, item)
        for target in [company] if company else list(COMPANIES):
            settings = result[target]
            if kind == "latency":
                settings.latency = number
            elif kind == "retry_after":
                settings.retry_after = int(number)
            elif kind == "hang":
                settings.hang = number
            elif kind == STORM:
                settings.storm = number
            elif kind == CLIENT_RATE:
                settings.client_rate = int(number)
            else:
                settings.rates[kind] = number
    return result


class FaultInjector:
    """Decides, per request, which fault (if any) to inject, and per listing whether it is
    thinned out or served with a wrong type."""

    def __init__(
        self,
        spec: str | dict[str, Any] | None = None,
        seed: int = 0,
        known_store: KnownStore | None = None,
    ) -> None:
        self.seed = seed
        self.known_store = known_store
        self.settings = parse_faults(spec, known_store)
        self._attempts: dict[tuple[str, str], int] = {}
        self._streak: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()
        self.clients = ClientWindows()

    def configure(self, spec: str | dict[str, Any] | None) -> None:
        """Replace the fault settings (attempt counters are kept)."""
        self.settings = parse_faults(spec, self.known_store)

    def latency(self, company: str) -> float:
        """Seconds of latency to add to every response of ``company``."""
        return self.settings[company].latency

    def admit(self, company: str, client: str | None) -> bool:
        """Whether ``client`` may have an answer from ``company`` now (``client_rate``)."""
        rate = self.settings[company].client_rate
        return not rate or self.clients.admit((client or "", company), rate)

    def decide(self, company: str, key: str) -> str | None:
        """The fault kind to inject for this request (``"storm"`` or one of
        ``FAULT_KINDS``), or None for a good answer."""
        settings = self.settings[company]
        if not settings.rates and not settings.storm:
            return None
        with self._lock:
            counter = (company, key)
            attempt = self._attempts.get(counter, 0)
            self._attempts[counter] = attempt + 1
            if settings.storm:
                draw = unit(
                    self.seed, text_seed(STORM), text_seed(company), text_seed(key), attempt
                )
                if draw < settings.storm:
                    return STORM  # uncapped, and no part of the capped kinds' streak
            if not settings.rates:
                return None
            if self._streak.get(counter, 0) >= MAX_CONSECUTIVE:
                self._streak[counter] = 0
                return None
            draw = unit(self.seed, text_seed(company), text_seed(key), attempt)
            chosen = None
            threshold = 0.0
            for kind in FAULT_KINDS:
                threshold += settings.rates.get(kind, 0.0)
                if draw < threshold:
                    chosen = kind
                    break
            self._streak[counter] = self._streak.get(counter, 0) + 1 if chosen else 0
            return chosen

    def share(self, kind: str, company: str, store_id: str) -> float:
        """The share of ``store_id``'s listings a listing fault (``thin``, ``wrong_type``)
        picks: the store's own setting, else the retailer's every-store one, else 0."""
        shares: dict[str, float] = getattr(self.settings[company], kind)
        if not shares:
            return 0.0
        found = shares.get(store_key(company, store_id))
        return found if found is not None else shares.get(EVERY_STORE, 0.0)

    def picked(self, kind: str, company: str, sku: str, share: float) -> bool:
        """Whether a listing fault with ``share`` picks this SKU (by seed and SKU)."""
        if share <= 0:
            return False
        return unit(self.seed, text_seed(kind), text_seed(company), text_seed(sku)) < share

    def thinned(self, company: str, store_id: str, sku: str) -> bool:
        """Whether ``thin`` leaves this SKU out of the store's listing pages."""
        return self.picked("thin", company, sku, self.share("thin", company, store_id))

    def wrong_type(self, company: str, store_id: str, sku: str) -> str | None:
        """The field (``brand``, ``name`` or ``price``) served with a wrong JSON type for
        this SKU at this store, or None."""
        share = self.share("wrong_type", company, store_id)
        if not self.picked("wrong_type", company, sku, share):
            return None
        return WRONG_TYPES[mix(text_seed(company), text_seed(sku)) % len(WRONG_TYPES)]

    def listing_variant(self, company: str, store_id: str) -> tuple[float, float]:
        """What the listing faults change in the store's pages (a part of page cache keys)."""
        return (
            self.share("thin", company, store_id),
            self.share("wrong_type", company, store_id),
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready settings."""
        return {company: s.as_dict() for company, s in self.settings.items()}
