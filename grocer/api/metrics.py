"""``GET /metrics``: Prometheus text from a registry of the application's own (no state shared
between applications): request counts and durations (an ASGI middleware), and gauges read
from the database at scrape time (:class:`DatabaseCollector`)."""

from __future__ import annotations

import time
from collections import Counter as Tally
from collections.abc import Iterator, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Connection, Engine, func, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from grocer.constants import SKIPPED
from grocer.db.models import CrawlRun, Price, Store
from grocer.db.store_rows import COMPANY_SLUGS
from grocer.health.freshness import company_counts, default_as_of, store_freshness
from grocer.health.status import latest_runs

UNMATCHED = "unmatched"  # the route label of a request no route answered (404s)


class Metrics:
    """The registry of one application and its request metrics."""

    def __init__(self, engine: Engine, environ: Mapping[str, str] | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "grocer_http_requests",
            "HTTP requests answered, by method, route template and status code",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.duration = Histogram(
            "grocer_http_request_duration_seconds",
            "Seconds from a request's arrival to the end of its response",
            ("method", "route"),
            registry=self.registry,
        )
        self.registry.register(DatabaseCollector(engine, environ))


def route_of(scope: Scope) -> str:
    """The path template of the route that answered (``/v1/products/{id}``), so a label
    never holds a raw path."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


class MetricsMiddleware:
    """Counts and times every HTTP request (pure ASGI: streaming responses pass through)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = route_of(scope)
            method = scope["method"]
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.duration.labels(method, route).observe(time.perf_counter() - started)


class DatabaseCollector(Collector):
    """Gauges read from the database at each scrape (one short read-only connection)."""

    def __init__(self, engine: Engine, environ: Mapping[str, str] | None = None) -> None:
        self.engine = engine
        self.environ = environ

    def describe(self) -> list[Metric]:
        return []  # no database access when the collector is registered

    def collect(self) -> Iterator[Metric]:
        with self.engine.connect() as connection:
            families = database_gauges(connection, self.environ)
        yield from families


def run_counts(connection: Connection) -> Tally[tuple[str, str]]:
    """(company, status) -> number of (spider, store)s whose latest non-skipped run has it."""
    runs = latest_runs(connection, CrawlRun.status != SKIPPED)
    return Tally((run.company or "", run.status) for run in runs)


def newest_price_days(connection: Connection, as_of: Any) -> dict[str, Any]:
    """Per company slug, the latest day up to ``as_of`` one of its price rows covers."""
    rows = connection.execute(
        select(Store.company_id, func.max(Price.last_seen))
        .join(Store, Store.id == Price.store_id)
        .where(Price.first_seen <= as_of)
        .group_by(Store.company_id)
    )
    return {
        COMPANY_SLUGS.get(company, str(company)): min(day, as_of)
        for company, day in rows
        if day is not None
    }


def database_gauges(
    connection: Connection, environ: Mapping[str, str] | None = None
) -> list[Metric]:
    """``grocer_runs``, ``grocer_newest_price_age_days`` and ``grocer_stale_stores``."""
    runs = GaugeMetricFamily(
        "grocer_runs",
        "(spider, store)s whose latest non-skipped crawl run has this status",
        labels=("company", "status"),
    )
    for (company, status), count in sorted(run_counts(connection).items()):
        runs.add_metric((company, status), count)
    age = GaugeMetricFamily(
        "grocer_newest_price_age_days",
        "Days from the default as-of day to the company's newest price day",
        labels=("company",),
    )
    stale = GaugeMetricFamily(
        "grocer_stale_stores",
        "Stores whose prices are older than GROCER_FRESH_DAYS on the default as-of day",
        labels=("company",),
    )
    as_of = default_as_of(connection)
    if as_of is not None:
        for company, day in sorted(newest_price_days(connection, as_of).items()):
            age.add_metric((company,), (as_of - day).days)
    stores = store_freshness(connection, as_of, environ=environ)
    for company, tally in company_counts(stores).items():
        stale.add_metric((company,), tally["stale"])
    return [runs, age, stale]
