"""Reading shopping lists: packs, amounts, substitute levels, comments; clear errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from grocer.shopper.shopping_list import ListError, parse_list


def test_a_list_reads_each_form() -> None:
    lines = parse_list("# weekly\nmilk 3L ~2\n9300601040322 x3\n\n1234\ncheese 500g # block\n")
    assert [(line.what, line.packs, line.amount, line.level) for line in lines] == [
        ("milk", 1, ("ml", Decimal("3000")), 2),
        ("9300601040322", 3, None, None),
        ("1234", 1, None, None),
        ("cheese", 1, ("g", Decimal("500")), None),
    ]
    assert lines[3].text == "cheese 500g"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("milk 3L x2", "not both"),
        ("milk x2 3L", "not both"),
        ("# nothing\n\n", "no lines"),
        ("ok\nbread x0", "line 2"),
        ("milk ~9", "~1 to ~4"),
        ("milk ~0 x2", "~1 to ~4"),
    ],
)
def test_a_bad_list_names_the_problem(text: str, problem: str) -> None:
    with pytest.raises(ListError, match=problem):
        parse_list(text)
