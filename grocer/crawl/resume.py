"""Where a resumed crawl picks a store's listings up: from the pages the run committed.

A listing page's items and its mark (``"<category>#<page or offset>"``, and ``"<category>#end"``
with the listing's last page) are committed together.  A later attempt of the run requests, per
category, the pages below the last marked one that carry no mark (a page whose items failed
to land, or whose download was given up), each on its own, and continues the listing after
its last marked page unless it ended.  Pure: from the marks to the plan.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from grocer.items import END


@dataclass(frozen=True)
class ListingResume:
    """A category's listing in a resumed attempt: pages to fetch alone, and where it goes on
    (None: it ended)."""

    holes: tuple[int, ...]
    next_page: int | None


def resume_plan(
    done_pages: Iterable[str], *, first_page: int, step: int
) -> dict[str, ListingResume]:
    """Per category with marks, what a resumed attempt requests (others start afresh)."""
    pages: dict[str, set[int]] = defaultdict(set)
    ended: set[str] = set()
    for key in done_pages:
        category, _, page = key.rpartition("#")
        if page == END:
            ended.add(category)
        elif page.isdigit():
            pages[category].add(int(page))
    plans = {}
    for category in pages.keys() | ended:
        marked = pages.get(category, set())
        last = max(marked) if marked else None
        below = range(first_page, last, step) if last is not None else range(0)
        holes = tuple(p for p in below if p not in marked)
        if category in ended:
            next_page = None
        else:
            next_page = first_page if last is None else last + step
        plans[category] = ListingResume(holes, next_page)
    return plans
