"""Batched, transactional writer of price observations: one code path for crawls and ingest.

Each :meth:`PriceWriter.write` call is one transaction (:mod:`grocer.db.transactions`):
stores, categories and brands are found or created (:mod:`grocer.db.reference_rows`),
products and listings matched or created (:mod:`grocer.db.identity`), price intervals
extended, split or opened (:mod:`grocer.db.price_intervals`), and the listing pages the batch
completes marked done, so a crash loses nothing committed and never half a page.  A store's
prices are written by one transaction at a time (:func:`grocer.db.leases.lock_store`), and a
crawl's writes check its lease first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace

from sqlalchemy import Connection, Engine, exc

from grocer.db import leases, runs
from grocer.db.identity import IdentityCounts, ProductIdentities
from grocer.db.leases import Fenced, Lease
from grocer.db.models import CrawlPage
from grocer.db.price_intervals import IntervalCounts, IntervalWriter
from grocer.db.reference_rows import ReferenceRows, insert_ignoring
from grocer.db.transactions import in_transaction
from grocer.normalize.product import Observation


@dataclass
class WriteStats(IdentityCounts, IntervalCounts):
    """Counters of what the writer did, reported at the end of a crawl or ingest."""

    observations: int = 0
    pages_done: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def restore(self, saved: WriteStats) -> None:
        """Put back the counters of ``saved`` (a failed transaction wrote nothing)."""
        for field in fields(self):
            setattr(self, field.name, getattr(saved, field.name))


# The database is gone, not a record at fault: such errors are never blamed on records.
UNAVAILABLE = (exc.OperationalError, exc.InterfaceError, exc.DisconnectionError)


class PriceWriter:
    """Writes observations in batches; keeps id maps so repeated look-ups cost nothing.

    Args:
        engine: the database engine (schema already upgraded).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.stats = WriteStats()
        self.references = ReferenceRows(engine)
        self.identities = ProductIdentities(self.references)
        self.intervals = IntervalWriter()
        self._insert_page = insert_ignoring(engine)(CrawlPage.__table__).on_conflict_do_nothing()
        self._dated_runs: set[int] = set()

    def preload_listings(self, company: str) -> int:
        """Load every listing of ``company`` at once, so that writing a page looks none up.

        A full crawl meets most of its company's listings; one query replaces one per page.
        A listing another writer creates meanwhile makes an insert conflict, and the retried
        transaction looks listings up again.  Returns the number loaded.
        """
        with self.engine.connect() as connection:
            return self.identities.preload(connection, company)

    def write(
        self,
        observations: Sequence[Observation],
        *,
        run_id: int | None = None,
        pages: Sequence[str] = (),
        lease: Lease | None = None,
    ) -> None:
        """Write a batch of observations (and mark ``pages`` of ``run_id`` done) atomically;
        the run gets the batch's observation date if it has none yet.

        Raises:
            Fenced: ``lease`` (the crawl's) no longer admits its run: nothing is written.
        """
        if not observations and not pages:
            return
        saved = replace(self.stats)

        def work(connection: Connection) -> None:
            if lease is not None:
                leases.check(connection, lease)
            if run_id is not None and observations and run_id not in self._dated_runs:
                runs.date_run(connection, run_id, observations[0].observed_on)
            self._write(connection, observations)
            if pages and run_id is not None:
                connection.execute(
                    self._insert_page, [{"run_id": run_id, "page": p} for p in pages]
                )
            self.stats.observations += len(observations)
            self.stats.pages_done += len(pages)

        def forget() -> None:
            self.references.reset()
            self.identities.reset()
            self.intervals.reset()
            self.stats.restore(saved)

        in_transaction(self.engine, work, on_failure=forget)
        if run_id is not None and observations:
            self._dated_runs.add(run_id)

    def write_salvaging(
        self,
        observations: Sequence[Observation],
        *,
        run_id: int | None = None,
        pages: Sequence[str] = (),
        lease: Lease | None = None,
    ) -> list[tuple[Observation, Exception]]:
        """:meth:`write`; when the database refuses the batch, write what it accepts (the
        batch halved, down to single observations) and return the refused observations with
        why.  ``pages`` are marked only when every observation landed.

        Raises:
            Fenced: the lease no longer admits the run.
            sqlalchemy.exc.OperationalError: the database is unreachable (not a record's fault).
        """
        try:
            self.write(observations, run_id=run_id, pages=pages, lease=lease)
            return []
        except (Fenced, *UNAVAILABLE):
            raise
        except Exception as error:
            if len(observations) <= 1:
                if not observations:
                    raise
                return [(observations[0], error)]
        half = len(observations) // 2
        refused = [
            *self.write_salvaging(observations[:half], run_id=run_id, lease=lease),
            *self.write_salvaging(observations[half:], run_id=run_id, lease=lease),
        ]
        if not refused and pages:  # every observation landed after all: mark the pages
            self.write([], run_id=run_id, pages=pages, lease=lease)
        return refused

    def _write(self, connection: Connection, observations: Sequence[Observation]) -> None:
        references = self.references
        store_pks = [references.store_pk(connection, o.company, o.store_id) for o in observations]
        category_ids = references.category_ids(connection, observations)
        listings, new_listings = self.identities.resolve(
            connection, observations, category_ids, self.stats
        )
        by_store: dict[int, list[tuple[Observation, int]]] = defaultdict(list)
        for obs, store_pk, info in zip(observations, store_pks, listings, strict=True):
            if obs.price_hash is not None:
                by_store[store_pk].append((obs, info.id))
        for store_pk in sorted(by_store):  # one order for every writer: no deadlock
            # One writer of a store's prices at a time; what others committed before is read
            # afresh (on SQLite the transaction began with the database's write lock).
            leases.lock_store(connection, store_pk)
            self.intervals.forget(store_pk)
            self.intervals.write(connection, store_pk, by_store[store_pk], new_listings, self.stats)
