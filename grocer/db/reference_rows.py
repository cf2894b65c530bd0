"""Rows many observations point at, found or created in bulk: stores, categories, brands.

Each is looked up once per writer and kept in an id map; new ones are inserted with
``INSERT ... ON CONFLICT DO NOTHING`` and read back, so concurrent writers agree on ids.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from grocer.db.models import Brand, Category
from grocer.db.store_rows import COMPANY_IDS, StoreRow, ensure_store
from grocer.normalize.product import Observation

IN_CHUNK = 500  # bound parameters per IN (...) list; SQLite allows 32766, PostgreSQL 65535


def chunks(items: Sequence[Any], size: int = IN_CHUNK) -> Iterable[Sequence[Any]]:
    """``items`` in slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert_ignoring(engine: Engine) -> Any:
    """The dialect's ``insert`` that supports ``on_conflict_do_nothing``."""
    return pg_insert if engine.dialect.name == "postgresql" else sqlite_insert


class ReferenceRows:
    """Id maps of stores, categories and brands, filled as observations meet them."""

    def __init__(self, engine: Engine) -> None:
        insert = insert_ignoring(engine)
        # INSERT ... ON CONFLICT DO NOTHING statements, built once per writer
        self._insert_category = insert(Category.__table__).on_conflict_do_nothing()
        self._insert_brand = insert(Brand.__table__).on_conflict_do_nothing()
        self.reset()

    def reset(self) -> None:
        """Forget every id (after a rolled-back transaction)."""
        self.stores: dict[tuple[str, str], int] = {}
        self.categories: dict[tuple[int, str], int] = {}
        self.brands: dict[str, int] = {}

    def store_pk(self, connection: Connection, company: str, store_id: str) -> int:
        """The ``stores.id`` of a retailer's store, created when unknown."""
        key = (company, store_id)
        found = self.stores.get(key)
        if found is None:
            found = ensure_store(connection, StoreRow(company, store_id))
            self.stores[key] = found
        return found

    def category_ids(
        self, connection: Connection, observations: Sequence[Observation]
    ) -> list[int | None]:
        """Each observation's ``categories.id`` (None without a category path)."""
        cache = self.categories
        wanted: dict[tuple[int, str], tuple[str, int]] = {}
        keys: list[tuple[int, str] | None] = []
        for obs in observations:
            if not obs.category_path:
                keys.append(None)
                continue
            key = (COMPANY_IDS[obs.company], " > ".join(obs.category_path))
            keys.append(key)
            if key not in cache:
                wanted[key] = (obs.category_path[-1], len(obs.category_path))
        if wanted:
            rows = [
                {"company_id": c, "path": p, "name": n[:200], "depth": d}
                for (c, p), (n, d) in wanted.items()
            ]
            connection.execute(self._insert_category, rows)
            by_company: dict[int, list[str]] = defaultdict(list)
            for company_id, path in wanted:
                by_company[company_id].append(path)
            for company_id, paths in by_company.items():
                for chunk in chunks(paths):
                    found = connection.execute(
                        select(Category.path, Category.id).where(
                            Category.company_id == company_id, Category.path.in_(chunk)
                        )
                    )
                    for path, cat_id in found:
                        cache[(company_id, path)] = cat_id
        return [cache[k] if k is not None else None for k in keys]

    def brand_ids(self, connection: Connection, names: dict[str, str]) -> dict[str, int]:
        """Ids of brand keys, created with their first display name when new."""
        cache = self.brands
        missing = {k: v for k, v in names.items() if k not in cache}
        if missing:
            connection.execute(
                self._insert_brand,
                [{"key": k, "name": v[:200], "variations": [v]} for k, v in missing.items()],
            )
            for chunk in chunks(list(missing)):
                for key, brand_id in connection.execute(
                    select(Brand.key, Brand.id).where(Brand.key.in_(chunk))
                ):
                    cache[key] = brand_id
        return {k: cache[k] for k in names}
