"""The generators' record and the substitutions table have exactly the same fields."""

from __future__ import annotations

import numpy as np

from grocer.analysis.substitutions.frame import RECORD_DTYPE, SubstitutionRecord, make_records
from grocer.db.models import Substitution


def test_record_fields_equal_table_columns() -> None:
    columns = tuple(c.name for c in Substitution.__table__.columns)
    assert SubstitutionRecord._fields == columns
    assert RECORD_DTYPE.names == columns


def test_make_records_orders_each_pair() -> None:
    records = make_records(np.array([5, 2]), np.array([3, 9]), 3, np.array([0.8, 0.9]))
    assert [SubstitutionRecord(*r) for r in records.tolist()] == [
        SubstitutionRecord(3, 5, 3, 0.8),
        SubstitutionRecord(2, 9, 3, 0.9),
    ]
