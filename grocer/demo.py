"""``grocer demo``: the whole system on the bundled simulator, in a few minutes.

Starts the simulator on loopback, fills the store table from the four store locators, crawls
a set of real stores of all four retailers every few simulated days over several weeks
(Coles through the browser session, then its barcodes), and runs zone maintenance,
substitutions and bargains before printing the report.  Everything lands in the default
database; crawls run through the local launcher (``scrapy crawl`` subprocesses), as the
daemon runs them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine

from grocer.config import Config
from grocer.constants import COMPLETE
from grocer.crawl.launch.local import LocalLauncher
from grocer.progress import progress

logger = logging.getLogger(__name__)

START = date(2025, 9, 3)
# Aldi prices by state: two NSW and two QLD stores; two national Woolworths stores; a Coles
# store (through the browser), and an IGA store.
STORES: tuple[tuple[str, str], ...] = (
    ("aldi", "G467"), ("aldi", "G391"), ("aldi", "G102"), ("aldi", "G107"),
    ("woolworths", "1147"), ("woolworths", "1304"), ("iga", "14850"), ("coles", "COL:401"),
)  # fmt: skip
LOCATORS = (
    ("coles_stores", "5"), ("aldi_stores", "2"), ("woolworths_stores", "5"), ("iga_stores", "5"),
)  # fmt: skip
FAST = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0", "-s", "LOG_LEVEL=WARNING"]


@dataclass(frozen=True)
class DemoPlan:
    weeks: int = 4
    every_days: int = 3
    parallel: int = 2


def crawl_days(plan: DemoPlan) -> list[date]:
    """The simulated days the demo crawls on."""
    last = START + timedelta(weeks=plan.weeks)
    days, day = [], START
    while day <= last:
        days.append(day)
        day += timedelta(days=plan.every_days)
    return days


def crawl_all(launcher: LocalLauncher, stores: Sequence[tuple[str, str]], parallel: int) -> None:
    """Crawl ``stores`` ((spider, store id) pairs), ``parallel`` at a time, to their ends."""
    for start in range(0, len(stores), parallel):
        run_ids = [
            run_id
            for spider, store in stores[start : start + parallel]
            for run_id in launcher.start(spider, [store])
        ]
        report(launcher.wait(run_ids), launcher.log_dir)


def report(statuses: dict[int, str], log_dir: Path) -> None:
    """Warn of runs that did not complete."""
    for run_id, status in statuses.items():
        if status != COMPLETE:
            logger.warning("run %s ended %s (logs: %s)", run_id, status, log_dir)


def run_demo(config: Config, engine: Engine, plan: DemoPlan = DemoPlan()) -> Path:
    """Run the demo; returns the path of the HTML report."""
    from grocer.scheduler.analysis import analysis_jobs, write_report
    from grocer.sim.server import SimulatorServer

    days = crawl_days(plan)
    with SimulatorServer(date=START, seed=0) as sim:
        launcher = LocalLauncher(
            engine, replace(config, env="dev", sim_url=sim.url),
            log_dir=config.data_dir / "logs" / "demo", scrapy_args=FAST,
        )  # fmt: skip
        print(f"simulator at {sim.url}; crawling {len(STORES)} stores on {len(days)} days")
        for spider, step in LOCATORS:
            report(launcher.wait(launcher.start(spider, [None], {"step": step})), launcher.log_dir)
        with progress(len(days), "crawl days", unit="day") as bar:
            for index, day in enumerate(days):
                sim.set_date(day)
                crawl_all(launcher, STORES, plan.parallel)
                if index == 0:
                    crawl_all(launcher, [("coles_barcodes", "COL:401")], 1)
                bar.update()
                print(f"  crawled {len(STORES)} stores on {day}")
    as_of = days[-1]
    jobs = analysis_jobs()
    for kind in ("zones", "subs", "bargains"):
        print(f"running {kind} as of {as_of}")
        jobs[kind](engine, as_of)
    html = write_report(engine, as_of, config.data_dir / "reports")
    show_zones_and_substitutes(engine)
    return html


# Found by words (the first match by product id, so the words name the product whatever the
# order it was first seen in): Aldi's A2 Full Cream Milk 2L, Arnott's Tim Tam Original 200g
# (sold by all four), Oh So Natural Organic Baked Beans in Tomato Sauce 420g.
SUBSTITUTE_EXAMPLES = ("a2 full cream milk 2l", "tim tam original", "organic baked beans")


def show_zones_and_substitutes(engine: Engine) -> None:
    """The zones of several stores (Aldi's by state) and a few products' substitutes."""
    from grocer.analysis.substitutions.readers import find_products, substitutes_of
    from grocer.analysis.zones.report import zones_report

    with engine.connect() as connection:
        report = zones_report(connection)
        print("zones of more than one store:")
        for slug, zones in report.companies.items():
            for zone in (z for z in zones if len(z.stores) > 1):
                stores = ", ".join(s.retailer_store_id for s in zone.stores)
                print(f"  {slug:<10} {stores:<30} states {','.join(zone.states)}")
        for query in SUBSTITUTE_EXAMPLES:
            found = find_products(connection, query, limit=1)
            if not found:
                continue
            print(f"substitutes of {found[0].label}:")
            for row in substitutes_of(connection, found[0].id, limit=5):
                print(f"  level {row.level} {row.score:.2f} {row.label} ({row.retailers})")
