"""Operator alerts from database state (never from crawl processes): one pass, run by the
daemon every minute and by ``grocer status --alert`` (cron).

Conditions, each under a key in table ``alerts``:

- ``check:<spider>:<store>:<check>``: a failed check on a (spider, store)'s latest finished run;
- ``stale:<company>:<store>``: a store's prices older than ``GROCER_FRESH_DAYS``;
- ``job:<job>``: a daemon job that failed twice (or more) in a row;
- ``failed:<spider>:<store>``: the latest of the (spider, store)'s ``complete`` and ``failed``
  runs is ``failed`` (a cancelled run aside), so a later complete run clears it;
- ``schema:<spider>:<store>``: its latest run was refused for ``schema_mismatch``.

``<store>`` is ``-`` for a run of no store.  An alert is sent when it opens, and again only
after it cleared and returned.  Sent with Apprise to every URL of ``GROCER_ALERT_URLS`` (comma
separated); none set, to the log.  A failed send is logged and retried by the next pass.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Connection, Engine, and_, or_

from grocer.constants import COMPLETE, FAILED, SCHEMA_MISMATCH, SKIPPED
from grocer.db.alerts import AlertRow, mark_sent, reconcile
from grocer.db.models import CrawlRun
from grocer.db.transactions import in_transaction
from grocer.health.status import FINISHED, Status, build_status, latest_runs

logger = logging.getLogger(__name__)

URLS_ENV = "GROCER_ALERT_URLS"
TITLE = "grocer alert"
JOB_FAILURES = 2  # a daemon job failing this many times in a row alerts
CANCELLED = "cancelled"


def alert_urls(environ: Mapping[str, str] | None = None) -> list[str]:
    """The Apprise URLs of ``GROCER_ALERT_URLS``."""
    text = (os.environ if environ is None else environ).get(URLS_ENV, "")
    return [url.strip() for url in text.split(",") if url.strip()]


def _scheme(url: str) -> str:
    """The scheme of an Apprise URL: the rest may hold credentials."""
    return url.partition("://")[0]


def _store(store: str | None) -> str:
    return store or "-"


def conditions(connection: Connection, status: Status) -> dict[str, str]:
    """Every alert condition holding now: key -> message (store, check and figure)."""
    found: dict[str, str] = {}
    for run in status.latest:
        for check in run.failed_checks:
            key = f"check:{run.spider}:{_store(run.store)}:{check.name}"
            found[key] = (
                f"{run.label}: check {check.name} failed on run #{run.id} "
                f"({run.observed_on or 'no date'}, {run.status}): {check.reason}"
            )
    for store in status.stale:
        found[f"stale:{store.company}:{store.store}"] = (
            f"{store.company} {store.store}: prices stale, last {store.last_price_on} "
            f"({store.age_days} days before {status.as_of}; limit {store.fresh_days} days)"
        )
    for job in status.daemon.jobs:
        if job.consecutive_failures >= JOB_FAILURES:
            found[f"job:{job.job}"] = (
                f"daemon job {job.job}: failed {job.consecutive_failures} times in a row "
                f"(last run {job.last_run_at})"
            )
    ended = latest_runs(connection, CrawlRun.status.in_((COMPLETE, FAILED)))
    for run in ended:
        if run.status == FAILED and run.finish_reason != CANCELLED:
            found[f"failed:{run.spider}:{_store(run.store)}"] = (
                f"{run.label}: run #{run.id} ({run.observed_on or 'no date'}) failed: "
                f"{run.finish_reason or 'no reason recorded'}"
            )
    refused = and_(CrawlRun.status == SKIPPED, CrawlRun.finish_reason == SCHEMA_MISMATCH)
    for run in latest_runs(connection, or_(CrawlRun.status.in_(FINISHED), refused)):
        if run.status == SKIPPED:
            found[f"schema:{run.spider}:{_store(run.store)}"] = (
                f"{run.label}: run #{run.id} refused: the database schema is not the one "
                f"this grocer expects (schema_mismatch); run grocer db upgrade"
            )
    return found


def send(
    messages: Sequence[str], urls: Sequence[str], *, title: str = TITLE, setting: str = URLS_ENV
) -> list[bool]:
    """Send each message to every URL (Apprise) under ``title``; one success flag per
    message.  No URLs: the messages are logged (a success).  Never raises: a failure is
    logged (naming ``setting``, where the URLs came from)."""
    if not urls:
        for message in messages:
            logger.warning("alert: %s", message)
        return [True] * len(messages)
    try:
        # Apprise loads its plugins on the first URL; some import deprecated modules (imghdr)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import apprise

            targets = apprise.Apprise()
            for url in urls:
                if not targets.add(url):
                    logger.error("%s: not a usable Apprise URL (%s://...)", setting, _scheme(url))
    except Exception:
        logger.exception("alerts: Apprise could not be set up")
        return [False] * len(messages)
    if not len(targets):
        return [False] * len(messages)
    results = []
    for message in messages:
        try:
            sent = bool(targets.notify(body=message, title=title))
        except Exception:
            logger.exception("alerts: sending failed")
            sent = False
        if not sent:
            logger.error("alert not sent (retried by the next pass): %s", message)
        results.append(sent)
    return results


@dataclass(frozen=True)
class PassResult:
    """What one alert pass did: keys opened (new or returned), cleared, sent, left unsent."""

    opened: tuple[str, ...]
    cleared: tuple[str, ...]
    sent: tuple[str, ...]
    unsent: tuple[str, ...]

    def summary(self) -> str:
        return (
            f"alerts: {len(self.opened)} opened, {len(self.sent)} sent, "
            f"{len(self.cleared)} cleared, {len(self.unsent)} waiting to be sent"
        )


def run_pass(
    engine: Engine,
    *,
    as_of: date | None = None,
    urls: Sequence[str] | None = None,
    now: datetime | None = None,
    environ: Mapping[str, str] | None = None,
) -> PassResult:
    """One alert pass: conditions from the database, the ``alerts`` table made to agree, the
    alerts not yet sent sent.  ``urls`` None: ``GROCER_ALERT_URLS``."""
    moment = now or datetime.now(UTC)
    with engine.connect() as connection:
        status = build_status(connection, as_of=as_of, limit=0, now=moment, environ=environ)
        holding = conditions(connection, status)
    changes = in_transaction(engine, lambda c: reconcile(c, holding, moment))
    targets = alert_urls(environ) if urls is None else list(urls)
    results = send([row.message for row in changes.unsent], targets)
    done: list[AlertRow] = [row for row, ok in zip(changes.unsent, results, strict=True) if ok]
    if done:
        sent_at = datetime.now(UTC)

        def record(connection: Connection) -> None:
            for row in done:
                mark_sent(connection, row, sent_at)

        in_transaction(engine, record)
    return PassResult(
        opened=changes.opened,
        cleared=changes.cleared,
        sent=tuple(row.key for row in done),
        unsent=tuple(row.key for row, ok in zip(changes.unsent, results, strict=True) if not ok),
    )
