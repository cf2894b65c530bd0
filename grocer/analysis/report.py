"""The report job: gather the figures, write the HTML page and charts, record the run.

:func:`build_report` reads the figures (:mod:`grocer.analysis.report_figures`), draws a
price-history chart for each top bargain (:mod:`grocer.analysis.report_charts`), writes the
page (:mod:`grocer.analysis.report_html`) and records the run in ``analysis_runs`` (kind
"report").  ``grocer report`` prints :func:`grocer.analysis.report_text.report_lines` and the
HTML path.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from grocer.analysis.report_charts import with_charts
from grocer.analysis.report_figures import (
    Report,
    company_figures,
    illusory_specials,
    stored_bargains,
    table_counts,
    zone_figures,
)
from grocer.analysis.report_html import render_html
from grocer.analysis.runs import fail_run, finish_run, open_run
from grocer.analysis.specials import ILLUSORY

RUN_KIND = "report"


def build_report(
    engine: Engine,
    *,
    as_of: date,
    out_dir: Path,
    top: int = 10,
    illusory_limit: int = 20,
    charts: bool = True,
) -> Report:
    """Gather the report's figures, write its HTML (and charts) and record the run.

    Args:
        engine: the database.
        as_of: the date freshness, zones and specials are judged on.
        out_dir: where ``report-<as_of>.html`` and ``charts/`` are written.
        top: bargains shown (and charted), and reviews shown.
        illusory_limit: illusory specials shown (largest overstatement first).
        charts: draw the price-history charts.

    Returns:
        The :class:`Report`; ``html_path`` is the page written.

    Examples:
        >>> report = build_report(engine, as_of=date.today(), out_dir=Path("out"))  # doctest: +SKIP
        >>> print("\\n".join(report_lines(report)))  # doctest: +SKIP
    """
    report = Report(as_of=as_of)
    report.run_id = open_run(engine, RUN_KIND, as_of=as_of)
    try:
        _gather(
            engine, report, out_dir=out_dir, top=top, illusory_limit=illusory_limit, charts=charts
        )
    except BaseException:
        fail_run(engine, report.run_id)
        raise
    finish_run(engine, report.run_id, {
        **report.totals,
        "bargains": len(report.bargains),
        "reviews": len(report.reviews),
        "illusory": report.specials[ILLUSORY],
        "html": str(report.html_path),
    })  # fmt: skip
    return report


def _gather(
    engine: Engine, report: Report, *, out_dir: Path, top: int, illusory_limit: int, charts: bool
) -> None:
    """Fill ``report`` from the database and write its HTML page (and charts)."""
    as_of = report.as_of
    with engine.connect() as connection:
        report.totals = table_counts(connection)
        report.companies = company_figures(connection, as_of)
        report.zones = zone_figures(connection, as_of)
        report.bargains = stored_bargains(connection, kind="bargain", limit=top)
        report.reviews = stored_bargains(connection, kind="review", limit=top)
        report.specials, report.illusory = illusory_specials(connection, as_of, illusory_limit)
        if charts:
            report.bargains = with_charts(
                connection, report.bargains, out_dir / "charts", as_of=as_of
            )
    out_dir.mkdir(parents=True, exist_ok=True)
    report.html_path = out_dir / f"report-{as_of.isoformat()}.html"
    report.html_path.write_text(render_html(report, out_dir), encoding="utf-8")
