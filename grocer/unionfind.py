"""Union-find over hashable items: which of them one chain of joins makes one group."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

T = TypeVar("T")


class Groups:
    """Disjoint groups of hashable items, joined pair by pair; each group is represented by
    its smallest member (by ``repr``), so the result does not depend on the order of joins.

    >>> groups = Groups()
    >>> groups.join("b", "a"); groups.join("c", "b")
    >>> groups.find("c"), groups.find("d")
    ('a', 'd')
    """

    def __init__(self) -> None:
        self.parent: dict[Hashable, Hashable] = {}

    def find(self, item: Hashable) -> Hashable:
        """The representative of ``item``'s group (``item`` itself when never joined)."""
        parent = self.parent
        root = item
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(item, item) != root:
            parent[item], item = root, parent[item]
        return root

    def join(self, a: Hashable, b: Hashable) -> None:
        """Make ``a``'s and ``b``'s groups one."""
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb, key=repr)] = min(ra, rb, key=repr)

    def members(
        self, items: Iterable[T], key: Callable[[T], Hashable] | None = None
    ) -> list[list[T]]:
        """``items`` gathered by the group of each (or of its ``key``), in the order given."""
        found: dict[Hashable, list[T]] = defaultdict(list)
        for item in items:
            found[self.find(item if key is None else key(item))].append(item)
        return list(found.values())
