"""Page marks exist to resume a run: a complete run's are deleted when it closes, a partial
run's are kept for the re-crawl to resume from."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, insert, select

from grocer.constants import COMPLETE, PARTIAL
from grocer.db import runs
from grocer.db.models import CrawlPage
from grocer.db.store_rows import COMPANY_IDS, StoreRow, ensure_store


@pytest.mark.parametrize(("status", "kept"), [(COMPLETE, []), (PARTIAL, ["p1", "p2"])])
def test_closing_a_run_deletes_its_page_marks_only_when_complete(
    engine: Engine, status: str, kept: list[str]
) -> None:
    with engine.begin() as connection:
        store_pk = ensure_store(connection, StoreRow("aldi", "G102"))
        run_id = runs.create_run(
            connection, spider="aldi", company_id=COMPANY_IDS["aldi"], store_pk=store_pk
        )
        attempt = runs.open_attempt(connection, run_id, host=runs.this_host(), pid=1)
        assert attempt is not None
        connection.execute(insert(CrawlPage), [{"run_id": run_id, "page": p} for p in ("p1", "p2")])
        closed = runs.close_run(
            connection, run_id, attempt=attempt, status=status, finish_reason="finished",
            items=2, rejected=0, stats={},
        )  # fmt: skip
        assert closed
    with engine.connect() as connection:
        pages = connection.execute(select(CrawlPage.page).where(CrawlPage.run_id == run_id))
        assert sorted(pages.scalars()) == kept
