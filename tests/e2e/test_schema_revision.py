"""Only ``grocer db upgrade`` migrates PostgreSQL: a crawl or a command finding the database at
another schema revision refuses, saying what to run."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import func, select, text

from grocer.crawl.launch import plan_runs
from grocer.db.engine import make_engine
from grocer.db.migrate import SCHEMA_REVISION, current_revision
from grocer.db.models import CrawlPage, CrawlRun, Price
from tests.e2e.conftest import ROOT, Crawler


def _set_revision(url: str, revision: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.dispose()


def test_a_crawl_skips_a_postgresql_database_at_another_revision_and_never_migrates_it(
    crawler: Crawler, postgres_url: str
) -> None:
    engine = make_engine(postgres_url)
    (run, *_), _ = plan_runs(engine, "aldi", ["G102"], {"sample": 20})
    _set_revision(postgres_url, "0005")  # as if an older grocer had made it
    env = crawler.env() | {"GROCER_DATABASE_URL": postgres_url}

    def crawl() -> subprocess.CompletedProcess[str]:
        command = crawler.command("aldi", store="G102", sample="20", _job=str(run.run_id))
        return subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )

    refused = crawl()
    assert refused.returncode == 1, refused.stderr[-3000:]
    assert "run grocer db upgrade" in refused.stderr
    assert current_revision(engine) == "0005"  # the crawl did not migrate it
    with engine.connect() as connection:
        row = connection.execute(
            select(CrawlRun.status, CrawlRun.finish_reason).where(CrawlRun.id == run.run_id)
        ).one()
        assert tuple(row) == ("skipped", "schema_mismatch")
        assert connection.execute(select(func.count()).select_from(Price)).scalar() == 0

    command = [sys.executable, "-m", "grocer.cli", "count-prices"]
    answer = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert answer.returncode == 2
    assert "schema revision 0005" in answer.stderr and "grocer db upgrade" in answer.stderr

    _set_revision(postgres_url, SCHEMA_REVISION)  # what grocer db upgrade leaves
    (again, *_), _ = plan_runs(engine, "aldi", ["G102"], {"sample": 20})
    run = again
    done = crawl()
    assert done.returncode == 0, done.stderr[-3000:]
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Price)).scalar() > 0
        marks = select(func.count()).select_from(CrawlPage).where(CrawlPage.run_id == run.run_id)
        assert connection.execute(marks).scalar() == 0  # a complete run keeps no page marks
    engine.dispose()
