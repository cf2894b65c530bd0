"""The report on a small dataset: counts, freshness, zones, bargains with both sides, illusory
specials, the HTML page with its charts, the recorded run, and the CLI commands."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from grocer.analysis.bargains import detect_bargains
from grocer.analysis.report import build_report
from grocer.analysis.report_charts import price_chart
from grocer.analysis.report_figures import BargainLine
from grocer.analysis.report_text import report_lines
from grocer.cli import main
from grocer.db.models import AnalysisRun
from tests.integration.bargains.factories import BARCODES, DAY0, daily, ingest, store_pk

AS_OF = DAY0 + timedelta(days=27)


def dataset(engine: Engine, folder: Path) -> None:
    ingest(engine, folder, [
        # a bargain: 2.00 at Coles against 3.60 at Woolworths
        *daily("coles", "COL:401", "c1", [("2.00", 28)], barcode=BARCODES[0], name="Muesli"),
        *daily("woolworths", "1147", "w1", [("3.00", 20), ("3.60", 8)], barcode=BARCODES[0]),
        # an illusory special at Coles: 2.00, raised to 2.50 for 5 days, "2.00, was 2.50"
        *daily("coles", "COL:401", "c2", [("2.00", 20), ("2.50", 5), ("2.00/2.50", 3)],
               name="Crackers"),
        # Aldi, last observed 10 days before the report date: stale
        *daily("aldi", "G102", "a1", [("1.00", 18)]),
    ])  # fmt: skip


def test_the_report(engine: Engine, tmp_path: Path) -> None:
    dataset(engine, tmp_path / "feed")
    detect_bargains(engine, as_of=AS_OF)
    report = build_report(engine, as_of=AS_OF, out_dir=tmp_path / "out")

    assert report.totals == {"stores": 3, "products": 3, "listings": 4, "price rows": 7}
    figures = {c.company: c for c in report.companies}
    assert (figures["coles"].observed, figures["coles"].current, figures["coles"].newest) == (
        1, 1, AS_OF,
    )  # fmt: skip
    assert (figures["aldi"].fresh, figures["aldi"].stale) == (0, 1)
    assert figures["iga"].observed == 0 and figures["woolworths"].price_rows == 2
    assert all(z.zones == 0 for z in report.zones)  # none computed: tolerated
    (bargain,) = report.bargains
    assert (bargain.product, bargain.cheap_company, bargain.cheap_store, bargain.cheap_price) == (
        "Muesli", "coles", "COL:401", Decimal("2.00"),
    )  # fmt: skip
    assert (bargain.dear_company, bargain.dear_store, bargain.dear_price) == (
        "woolworths", "1147", Decimal("3.60"),
    )  # fmt: skip
    (illusory,) = report.illusory
    assert (illusory.product, illusory.check.was_price, illusory.check.most_common) == (
        "Crackers", Decimal("2.50"), Decimal("2.00"),
    )  # fmt: skip
    text = "\n".join(report_lines(report))
    assert "$2.00 at coles COL:401 vs $3.60 at woolworths 1147" in text
    assert "Crackers: $2.00 'was $2.50' claims 20%, usually $2.00 (real 0%)" in text

    assert report.html_path == tmp_path / "out" / f"report-{AS_OF}.html"
    page = report.html_path.read_text()
    assert bargain.chart is not None
    assert bargain.chart.read_bytes().startswith(b"\x89PNG")
    assert f'<img src="charts/{bargain.chart.name}"' in page
    assert "Muesli" in page and "Crackers" in page
    with engine.connect() as c:
        runs = c.execute(select(AnalysisRun.kind, AnalysisRun.status, AnalysisRun.summary)).all()
    assert [(kind, status) for kind, status, _ in runs] == [
        ("bargains", "finished"), ("report", "finished"),
    ]  # fmt: skip
    assert runs[1].summary["bargains"] == 1 and runs[1].summary["illusory"] == 1


def test_a_report_that_cannot_be_written_is_recorded_as_failed(
    engine: Engine, tmp_path: Path
) -> None:
    dataset(engine, tmp_path / "feed")
    blocked = tmp_path / "out"
    blocked.write_text("a file where the report's folder should be")
    with pytest.raises(OSError):
        build_report(engine, as_of=AS_OF, out_dir=blocked, charts=False)
    with engine.connect() as c:
        runs = c.execute(select(AnalysisRun.kind, AnalysisRun.status)).all()
    assert [tuple(r) for r in runs] == [("report", "failed")]


def test_the_commands(
    db_url: str, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    dataset(engine, tmp_path / "feed")
    monkeypatch.setenv("GROCER_DATABASE_URL", db_url)
    assert main(["analyze", "bargains", "--as-of", AS_OF.isoformat()]) == 0
    out = capsys.readouterr().out
    assert f"bargains as of {AS_OF}: 1 bargains, 0 for review" in out
    assert "Muesli: $2.00 at coles COL:401 vs $3.60 at woolworths 1147" in out
    # 3.60 against 2.00 is 1.8x: no bargain when more than 1.9x is asked for.
    assert main(["analyze", "bargains", "--as-of", AS_OF.isoformat(), "--ratio", "1.9"]) == 0
    assert "0 bargains" in capsys.readouterr().out
    folder = tmp_path / "reports"
    assert main(["report", "--as-of", AS_OF.isoformat(), "--out", str(folder)]) == 0
    out = capsys.readouterr().out
    assert f"html: {folder / f'report-{AS_OF}.html'}" in out
    assert "none stored (grocer analyze bargains)" in out  # the last run found none
    assert store_pk(engine, "coles", "COL:401") > 0


def test_a_product_name_with_dollar_signs_is_drawn_as_text(engine: Engine, tmp_path: Path) -> None:
    """Matplotlib would read ``$\\foo$`` as mathtext and fail; a product name is text."""
    day = date(2025, 9, 23)
    line = BargainLine(
        product_id=1, product="Choc Bar $\\foo$ Share Pack", barcode=None, kind="bargain",
        discount=Decimal("0.5"), cheap_company="aldi", cheap_store="G102", cheap_store_id=1,
        cheap_listing_id=1, cheap_price=Decimal("1.00"), cheap_last_seen=day,
        dear_company="coles", dear_store="COL:401", dear_store_id=2, dear_listing_id=2,
        dear_price=Decimal("2.00"), dear_last_seen=day, computed_at=datetime.now(UTC),
    )  # fmt: skip
    with engine.connect() as connection:
        chart = price_chart(connection, line, tmp_path / "chart.png", as_of=day)
    assert chart.read_bytes().startswith(b"\x89PNG")
