"""The pure rules: bargain classification, duration-weighted history, special verdicts, and
the export's keyset query and writers."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import orjson
import pytest
from sqlalchemy.dialects import postgresql, sqlite

from grocer.analysis.bargains import classify
from grocer.analysis.export import (
    ExportRow,
    ExportWriter,
    PriceFilter,
    company_filter,
    page_statement,
    parse_row,
)
from grocer.analysis.specials import Interval, PriceHistory, judge_special, weigh_history

D = Decimal
DAY = date(2025, 9, 1)
CAP = D("0.70")


@pytest.mark.parametrize(
    ("cheap", "dear", "kind", "discount"),
    [
        ("16.00", "28.80", "bargain", "0.4444"),  # 1.8x: the planted barcode bargain
        ("0.35", "0.60", "bargain", "0.4167"),  # 1.71x: the planted name bargain
        ("2.00", "3.00", None, "0.3333"),  # exactly 1.5x is not *more* than 1.5x
        ("2.00", "3.01", "bargain", "0.3355"),  # just over
        ("6.95", "9.75", None, "0.2872"),  # 1.4x: the planted under-threshold decoy
        ("3.00", "10.00", "bargain", "0.7000"),  # exactly at the cap is still plausible
        ("2.99", "10.00", "review", "0.7010"),  # just over the cap
        ("3.50", "31.50", "review", "0.8889"),  # 9x: the planted single can vs carton
        ("2.00", "2.00", None, "0.0000"),  # no spread
    ],
)
def test_classify(cheap: str, dear: str, kind: str | None, discount: str) -> None:
    assert classify(D(cheap), D(dear), ratio=D("1.5"), plausibility_cap=CAP) == (kind, D(discount))


def test_classify_thresholds_are_parameters() -> None:
    assert classify(D("2"), D("2.9"), ratio=D("1.4"), plausibility_cap=CAP)[0] == "bargain"
    assert classify(D("1"), D("1.9"), ratio=D("1.5"), plausibility_cap=D("0.4"))[0] == "review"


def day(n: int) -> date:
    return DAY + timedelta(days=n)


def test_history_is_weighted_by_days_and_clipped_to_the_window() -> None:
    intervals = [
        Interval(D("2.00"), day(0), day(19)),  # 20 days at 2.00 ...
        Interval(D("2.50"), day(20), day(24)),  # ... 5 at 2.50
    ]
    history = weigh_history(intervals, start=day(5), end=day(24))
    assert history.days == {D("2.00"): 15, D("2.50"): 5}  # days 0-4 are before the window
    assert history.history_days == 20
    assert history.most_common == D("2.00")
    assert history.lowest == D("2.00")


def test_an_observed_price_is_carried_forward_to_the_next_change_at_most_carry_days() -> None:
    weekly = [  # a store crawled once a week: single-day intervals
        Interval(D("5.00"), day(0), day(0)),
        Interval(D("4.00"), day(7), day(7)),
        Interval(D("3.00"), day(30), day(30)),  # 23 days later: a gap
    ]
    history = weigh_history(weekly, start=day(0), end=day(40), carry_days=6)
    # 5.00: days 0-6 (the day before the next change); 4.00: days 7-13 (6 days carried);
    # days 14-29 unknown; 3.00: days 30-36.
    assert history.days == {D("5.00"): 7, D("4.00"): 7, D("3.00"): 7}
    assert weigh_history(weekly, start=day(0), end=day(40), carry_days=0).days == {
        D("5.00"): 1, D("4.00"): 1, D("3.00"): 1,
    }  # fmt: skip


def test_a_tie_goes_to_the_lower_price() -> None:
    assert PriceHistory({D("4.05"): 7, D("3.25"): 7}).most_common == D("3.25")
    assert PriceHistory({}).most_common is None


def test_special_verdicts() -> None:
    usual = PriceHistory({D("2.00"): 22, D("2.50"): 5})
    # Was 2.50, but 2.00 is what it usually cost: illusory, really no discount.
    assert judge_special(D("2.00"), D("2.50"), usual) == ("illusory", D("0.2000"), D("0.0000"))
    # Was 4.00, the usual price: genuine half price.
    steady = PriceHistory({D("4.00"): 25})
    assert judge_special(D("2.00"), D("4.00"), steady) == ("genuine", D("0.5000"), D("0.5000"))
    # The was-price below the usual price is no overstatement either.
    assert judge_special(D("3.00"), D("3.50"), steady)[0] == "genuine"
    # 13 days of history is too little to say.
    short = PriceHistory({D("3.00"): 13})
    assert judge_special(D("1.50"), D("3.00"), short)[0] == "unknown"
    assert judge_special(D("1.50"), D("3.00"), PriceHistory({D("3.00"): 14}))[0] == "genuine"
    assert judge_special(D("1.50"), D("3.00"), PriceHistory({}))[0:3:2] == ("unknown", None)


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()])
def test_the_page_query_is_keyset_never_offset(dialect: object) -> None:
    where = PriceFilter(since=DAY, company_ids=(1,), store_ids=(3, 4))
    compiled = page_statement(where).compile(dialect=dialect)  # type: ignore[arg-type]
    sql = str(compiled).upper()
    assert "PRICES.ID > " in sql
    assert "ORDER BY PRICES.ID" in sql
    assert "LIMIT" in sql
    if dialect.name == "sqlite":  # type: ignore[attr-defined]
        # SQLAlchemy's SQLite dialect always appends "OFFSET ?" bound to a constant 0 (a
        # no-op); nothing in the statement ever sets an offset.
        assert sql.count("OFFSET") == 1
        bare = page_statement(PriceFilter()).compile(dialect=dialect)  # type: ignore[arg-type]
        assert bare.params == {"after": None, "limit": None, "param_1": 0}
        assert page_statement(where)._offset_clause is None
    else:
        assert "OFFSET" not in sql
    assert "PRICES.LAST_SEEN >=" in sql and "STORES.COMPANY_ID IN" in sql


def test_company_filter() -> None:
    assert company_filter(None) is None
    assert company_filter(["aldi", "Coles"]) == (3, 1)
    with pytest.raises(ValueError, match="unknown company"):
        company_filter(["lidl"])


ROW = ExportRow(
    7, "coles", "COL:401", "COL:401", "123", 5, D("2.50"), None, D("5.0000"), "kg", True,
    'Buy 2, "save"', 2, D("4.00"), "abc", DAY, day(3),
)  # fmt: skip


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_written_rows_read_back_equal(fmt: str) -> None:
    stream = io.StringIO()
    writer = ExportWriter(stream, fmt)  # type: ignore[arg-type]
    writer.write(ROW)
    writer.write(ROW)
    stream.seek(0)
    if fmt == "csv":
        records = list(csv.DictReader(stream))
    else:
        records = [orjson.loads(line) for line in stream]
    assert len(records) == 2
    typed = parse_row(fmt, records[0])  # type: ignore[arg-type]
    assert typed == {
        "price_id": 7, "company": "coles", "store": "COL:401", "source_store": "COL:401",
        "sku": "123", "product_id": 5, "price": D("2.50"), "was_price": None,
        "unit_price": D("5.0000"), "unit": "kg", "is_special": True,
        "promo_text": 'Buy 2, "save"', "multibuy_qty": 2, "multibuy_price": D("4.00"),
        "price_hash": "abc", "first_seen": DAY,
        "last_seen": day(3),
    }  # fmt: skip
