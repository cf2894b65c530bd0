"""The simulator's HTTP server (aiohttp, loopback only) and how to run it.

Each retailer is served under a path prefix with the real site's paths after it::

    /coles/  /coles/browse/{slug}?page=n  /coles/product/{slug}-{id}  /coles/api/graphql
    /woolworths/apis/ui/PiesCategoriesWithSpecials  /woolworths/apis/ui/browse/category
    /woolworths/apis/ui/StoreLocator/Stores
    /aldi/v2/product-category-tree  /aldi/v3/product-search  /aldi/v2/service-points
    /iga/api/storefront/stores/{id}/categoryHierarchy
    /iga/api/storefront/stores/{id}/categories/{identifier}/search
    /iga/location/storelocator/183/   (salefinder JSONP)

Control and ground truth live under ``/_sim/`` (:mod:`grocer.sim.control_api`); every request
passes :mod:`grocer.sim.http_middleware` (faults, ``Date``, the request log).

Run it with ``serve(host="127.0.0.1", port=8411, date=None, day_seconds=None, scale=None,
faults=None, seed=0, coles_session_requests=500, on_ready=None)`` (blocks until interrupted;
``grocer sim serve`` calls it), ``python -m grocer.sim --port 0`` (prints the URL on its first
stdout line), or in tests ``with SimulatorServer() as sim: sim.url``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import ipaddress
import logging
import signal
import threading
from collections.abc import Callable
from datetime import date
from typing import Any

from aiohttp import web

from grocer.sim import aldi, coles, control_api, iga, woolworths
from grocer.sim.http_middleware import sim_middleware
from grocer.sim.state import SimConfig, SimState, build_state
from grocer.sim.truth import identity, planted_cases, store_truth, zones
from grocer.sim.webutil import STATE

logger = logging.getLogger(__name__)
SHUTDOWN_TIMEOUT = 1.0


def build_app(state: SimState) -> web.Application:
    """The aiohttp application serving every retailer and the control API."""
    app = web.Application(middlewares=[sim_middleware], client_max_size=1024**2)
    app[STATE] = state
    app.add_routes(coles.routes() + woolworths.routes() + aldi.routes() + iga.routes())
    app.add_routes(control_api.routes())
    return app


def _check_loopback(host: str) -> None:
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"the simulator binds to loopback only, not {host!r}")


async def _start(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(
        app, access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_TIMEOUT
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound_host, bound_port = runner.addresses[0][:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    return runner, f"http://{shown}:{bound_port}"


def make_config(
    date: date | str | None = None,
    day_seconds: float | None = None,
    scale: int | None = None,
    faults: str | dict[str, Any] | None = None,
    seed: int = 0,
    coles_session_requests: int | None = None,
) -> SimConfig:
    """A :class:`SimConfig` from the CLI-style arguments."""
    config = SimConfig(day_seconds=day_seconds or None, scale=scale, faults=faults, seed=seed)
    if date is not None:
        config.start = date if not isinstance(date, str) else _parse_date(date)
    if coles_session_requests:
        config.coles_session_requests = coles_session_requests
    return config


def _parse_date(text: str) -> date:
    return date.fromisoformat(text)


def serve(
    host: str = "127.0.0.1",
    port: int = 8411,
    date: date | str | None = None,
    day_seconds: float | None = None,
    scale: int | None = None,
    faults: str | dict[str, Any] | None = None,
    seed: int = 0,
    coles_session_requests: int | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Run the simulator in the foreground until interrupted (Ctrl-C or SIGTERM).

    Args:
        host: a loopback address; anything else raises ``ValueError``.
        port: TCP port (0 picks a free one).
        date: the simulated start date (``YYYY-MM-DD``), default 2025-09-17.
        day_seconds: real seconds per simulated day; None or 0 freezes the date.
        scale: grow each retailer's catalogue to at least this many products.
        faults: a fault spec (see :mod:`grocer.sim.faults`).
        seed: seeds prices, assortments, faults and sessions.
        coles_session_requests: requests a Coles session allows before it expires.
        on_ready: called with the base URL once the server listens.
    """
    _check_loopback(host)
    config = make_config(date, day_seconds, scale, faults, seed, coles_session_requests)
    state = build_state(config)
    freeze_startup_objects()
    asyncio.run(_serve_forever(state, host, port, on_ready))


def freeze_startup_objects() -> None:
    """Move everything built so far (the catalogue, stores, templates) out of the cyclic
    garbage collector's reach.

    They live as long as the process, and a scaled catalogue is millions of objects that
    every full collection would otherwise walk while pages are rendered, roughly doubling
    first-pass rendering time.  Reference counting still frees them; only cycle detection
    skips them.  Used by the foreground server, whose process is the simulator's own (tests
    running :class:`SimulatorServer` in their process are left alone).
    """
    gc.collect()
    gc.freeze()


async def _serve_forever(
    state: SimState, host: str, port: int, on_ready: Callable[[str], None] | None
) -> None:
    runner, url = await _start(build_app(state), host, port)
    logger.info("grocer simulator listening on %s", url)
    if on_ready is not None:
        on_ready(url)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


class SimulatorServer:
    """Runs the simulator on a free loopback port in a background thread.

    >>> with SimulatorServer(date="2025-09-17") as sim:   # doctest: +SKIP
    ...     sim.url, sim.truth("aldi", "G102")["zone"]
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        date: date | str | None = None,
        day_seconds: float | None = None,
        scale: int | None = None,
        faults: str | dict[str, Any] | None = None,
        seed: int = 0,
        coles_session_requests: int | None = None,
    ) -> None:
        _check_loopback(host)
        self.host, self.port = host, port
        config = make_config(date, day_seconds, scale, faults, seed, coles_session_requests)
        self.state = build_state(config)
        self.url = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> SimulatorServer:
        """Start serving; returns self once the port is bound."""
        ready = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                self._runner, self.url = loop.run_until_complete(
                    _start(build_app(self.state), self.host, self.port)
                )
            except BaseException as exc:  # reported to the starting thread
                errors.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._thread = threading.Thread(target=run, name="grocer-sim", daemon=True)
        self._thread.start()
        ready.wait()
        if errors:
            raise errors[0]
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread to finish."""
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=30)
        self._thread = None

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- Python control API (same answers as the /_sim endpoints) --------------------------

    def base_url(self, company: str) -> str:
        """The base URL a spider uses for ``company`` (``{url}/{company}``)."""
        return f"{self.url}/{company}"

    def truth(self, company: str, store: str, day: date | str | None = None) -> dict[str, Any]:
        """Ground truth of one store on a date (default: the simulated today)."""
        when = _parse_date(day) if isinstance(day, str) else day
        return store_truth(self.state, company, store, when)

    def zones(self, company: str | None = None) -> dict[str, dict[str, str]]:
        """Every store's price zone."""
        return zones(self.state, company)

    def planted(self) -> list[dict[str, Any]]:
        """The planted cases and their expected answers."""
        return planted_cases(self.state)

    def identity(self) -> dict[str, Any]:
        """Which products are one, the planted substitutes and decoys (``/_sim/identity``)."""
        return identity(self.state)

    def requests(self) -> dict[str, Any]:
        """Counters of requests served per endpoint and outcome."""
        return self.state.log.snapshot()

    def reset_requests(self) -> None:
        """Zero the request counters."""
        self.state.log.reset()

    def set_date(self, day: date | str, day_seconds: float | None | bool = False) -> None:
        """Set the simulated date (and optionally its speed)."""
        self.state.clock.set(_parse_date(day) if isinstance(day, str) else day, day_seconds)

    def advance(self, days: int = 1) -> date:
        """Advance the simulated date."""
        return self.state.clock.advance(days)

    def today(self) -> date:
        """The simulated date."""
        return self.state.today()

    def set_faults(self, spec: str | dict[str, Any] | None) -> None:
        """Replace the fault settings."""
        self.state.faults.configure(spec)

    def move_to_own_prices(self, company: str, store: str, day: date | str | None = None) -> None:
        """Give one store a price list of its own from ``day`` (default: today) on."""
        start = _parse_date(day) if isinstance(day, str) else day or self.today()
        self.state.model.move_to_own_prices(company, store, start)
