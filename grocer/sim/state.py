"""The simulator's shared state: catalogue, stores, clock, prices, faults, caches, request log."""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from grocer.sim.catalogue import Catalogue, Product, load_catalogue
from grocer.sim.challenge import SessionGuard
from grocer.sim.clock import DEFAULT_START, SimClock
from grocer.sim.faults import FaultInjector
from grocer.sim.planted import Planted, build_planted
from grocer.sim.pricing import Listing, PriceModel
from grocer.sim.store_registry import Store, StoreRegistry, load_stores

DEFAULT_SESSION_REQUESTS = 500


@dataclass
class SimConfig:
    """Everything that shapes a simulator run."""

    start: date = DEFAULT_START
    day_seconds: float | None = None
    scale: int | None = None
    faults: str | dict[str, Any] | None = None
    seed: int = 0
    coles_session_requests: int = DEFAULT_SESSION_REQUESTS
    page_cache_bytes: int = 512 * 1024 * 1024


class PageCache:
    """An LRU of rendered response bodies, bounded by total bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_render(self, key: tuple[Any, ...], render: Callable[[], bytes]) -> bytes:
        """The cached body for ``key``, rendering (once) on a miss."""
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return body
            self.misses += 1
        body = render()
        with self._lock:
            if key not in self._items:
                self._items[key] = body
                self._bytes += len(body)
            while self._bytes > self.max_bytes and self._items:
                _, old = self._items.popitem(last=False)
                self._bytes -= len(old)
        return body

    def clear(self) -> None:
        """Forget every cached body."""
        with self._lock:
            self._items.clear()
            self._bytes = 0


class RequestLog:
    """Counts of requests served per endpoint, outcome and client address (retailer requests
    only), plus the most recent requests; requests refused by ``client_rate`` apart."""

    def __init__(self, keep: int = 1000) -> None:
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.outcomes: Counter[tuple[str, str]] = Counter()
        self.clients: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self.recent: deque[dict[str, Any]] = deque(maxlen=keep)

    def record(
        self,
        endpoint: str,
        outcome: str,
        path: str,
        store: str | None = None,
        client: str | None = None,
    ) -> None:
        """Count one request (``outcome`` is the status code or ``fault:<kind>``; ``client``
        the address of a retailer request)."""
        with self._lock:
            self.counts[endpoint] += 1
            self.outcomes[(endpoint, outcome)] += 1
            if client is not None:
                self.clients[client] += 1
            self.recent.append(
                {"endpoint": endpoint, "outcome": outcome, "path": path, "store": store}
            )

    def rate_limited(self, client: str) -> None:
        """Count a request refused by ``client_rate`` (it is no part of the other counts)."""
        with self._lock:
            self.refused[client] += 1

    def reset(self) -> None:
        """Zero every counter."""
        with self._lock:
            self.counts.clear()
            self.outcomes.clear()
            self.clients.clear()
            self.refused.clear()
            self.recent.clear()

    def snapshot(self) -> dict[str, Any]:
        """JSON-ready counters."""
        with self._lock:
            by_endpoint: dict[str, dict[str, int]] = {}
            for (endpoint, outcome), n in sorted(self.outcomes.items()):
                by_endpoint.setdefault(endpoint, {})[outcome] = n
            return {
                "total": sum(self.counts.values()),
                "endpoints": dict(sorted(self.counts.items())),
                "outcomes": by_endpoint,
                "clients": dict(sorted(self.clients.items())),
                "rate_limited": dict(sorted(self.refused.items())),
                "recent": list(self.recent)[-50:],
            }


@dataclass
class _StoreView:
    """One store's listings on one day by leaf category, plus combined category lists."""

    by_leaf: dict[str, list[Listing]]
    combined: dict[tuple[tuple[str, ...], bool, float], list[Listing]] = field(default_factory=dict)


@dataclass
class SimState:
    """Shared by every request handler of one simulator instance."""

    config: SimConfig
    catalogue: Catalogue
    stores: StoreRegistry
    clock: SimClock
    planted: Planted
    model: PriceModel
    faults: FaultInjector
    pages: PageCache
    guard: SessionGuard
    log: RequestLog = field(default_factory=RequestLog)
    _leaf_indexes: OrderedDict[tuple[str, str, date], _StoreView] = field(
        default_factory=OrderedDict
    )
    _index_lock: threading.Lock = field(default_factory=threading.Lock)

    def today(self) -> date:
        """The simulated date."""
        return self.clock.today()

    def listings(self, store: Store, day: date) -> dict[str, Listing]:
        """Every listing of ``store`` on ``day`` (empty for non-crawlable stores)."""
        return self.model.store_listings(store, day)

    def category_listings(
        self,
        store: Store,
        day: date,
        leaves: Sequence[str],
        *,
        exclude_marketplace: bool = False,
    ) -> list[Listing]:
        """Listings of ``store`` in the given leaf categories, in listing order, each once
        (a product can show in several leaves); marketplace products left out on request,
        and the listings a ``thin`` fault picks for the store left out always.

        The answer is cached per (store, day, leaves, filter, thin share): every page of a
        category slices the same list.
        """
        view = self._leaf_index(store, day)
        thin = self.faults.share("thin", store.company, store.store_id)
        key = (tuple(leaves), exclude_marketplace, thin)
        found = view.combined.get(key)
        if found is not None:
            return found
        if len(key[0]) == 1:
            found = list(view.by_leaf.get(key[0][0], ()))
        else:
            seen: set[str] = set()
            found = []
            for leaf in key[0]:
                for listing in view.by_leaf.get(leaf, ()):
                    if listing.product.sku not in seen:
                        seen.add(listing.product.sku)
                        found.append(listing)
        if exclude_marketplace:
            found = [lst for lst in found if not lst.product.extra.get("marketplace")]
        if thin:
            company, picked = store.company, self.faults.picked
            found = [lst for lst in found if not picked("thin", company, lst.product.sku, thin)]
        view.combined[key] = found
        return found

    def _leaf_index(self, store: Store, day: date) -> _StoreView:
        key = (store.company, store.store_id, day)
        with self._index_lock:
            cached = self._leaf_indexes.get(key)
            if cached is not None:
                self._leaf_indexes.move_to_end(key)
                return cached
        by_leaf: dict[str, list[Listing]] = {}
        for listing in self.listings(store, day).values():
            for leaf in listing.product.leaves:
                by_leaf.setdefault(leaf, []).append(listing)
        for items in by_leaf.values():
            items.sort(key=lambda lst: (lst.product.name, lst.product.sku))
        view = _StoreView(by_leaf)
        with self._index_lock:
            self._leaf_indexes[key] = view
            while len(self._leaf_indexes) > 64:
                self._leaf_indexes.popitem(last=False)
        return view

    def product(self, company: str, sku: str) -> Product | None:
        """A catalogue product by sku."""
        return self.catalogue.get(company, sku)


def build_state(config: SimConfig | None = None) -> SimState:
    """Load the catalogue and stores and wire up a fresh simulator state."""
    config = config or SimConfig()
    catalogue = load_catalogue(scale=config.scale)
    planted = build_planted(catalogue, config.start)
    stores = load_stores()
    return SimState(
        config=config,
        catalogue=catalogue,
        stores=stores,
        clock=SimClock(config.start, config.day_seconds),
        planted=planted,
        model=PriceModel(catalogue, seed=config.seed, planted=planted),
        faults=FaultInjector(
            config.faults,
            seed=config.seed,
            known_store=lambda company, store_id: stores.get(company, store_id) is not None,
        ),
        pages=PageCache(config.page_cache_bytes),
        guard=SessionGuard(config.seed, config.coles_session_requests),
    )
