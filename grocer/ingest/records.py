"""Turn JSONL records into product items: the corpus snapshot shape and spider feed exports.

Corpus records are ``{"product": {...}, "metadata": {company, store_id, store_name, state,
scraped_date | scraped_at}}`` written by an earlier pipeline; only raw retailer fields are read
from them (``unit_price``, ``normalized_*`` and ``price_hash`` are recomputed).  Feed exports
are listing pages (:class:`grocer.items.ListingPageItem`, products under ``products``) or flat
objects with the fields of :class:`grocer.items.ProductItem`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any

from grocer import constants as c
from grocer.db.store_rows import StoreRow
from grocer.items import ProductItem
from grocer.normalize.brand import coles_display_brand
from grocer.normalize.validate import (
    BAD_TYPE,
    MISSING,
    NOT_AN_OBJECT,
    OUT_OF_RANGE,
    Rejected,
    rejection,
)
from grocer.retailers.store_records import canonical_store_id

_ITEM_FIELDS = {f.name for f in fields(ProductItem)}
DEFAULT_BANNERS = {c.COLES: "Coles", c.WOOLWORTHS: "Woolworths", c.ALDI: "Aldi", c.IGA: "IGA"}
MAX_STORE_NAME = 200  # stores.name


def records_in(record: Any) -> list[Any]:
    """The product records of a JSONL line: a listing page of a feed export holds many."""
    if isinstance(record, dict) and isinstance(record.get("products"), list):
        return list(record["products"])
    return [record]


def store_of(record: Any) -> StoreRow:
    """The store a JSONL record names.

    Raises:
        Rejected: a record that is not an object, or names no readable company or store.
    """
    if not isinstance(record, dict):
        raise Rejected(NOT_AN_OBJECT, type(record).__name__)
    product = record.get("product")
    if product is not None:
        if not isinstance(product, dict):
            raise rejection(BAD_TYPE, "product")
        metadata = record.get("metadata")
        if not isinstance(metadata, dict):
            raise rejection(MISSING if metadata is None else BAD_TYPE, "metadata")
        return _store_row(
            _plain(metadata.get("company")),
            _plain(metadata.get("store_id")),
            _plain(metadata.get("store_name")),
            _plain(metadata.get("state")),
        )
    return _store_row(_plain(record.get("company")), _plain(record.get("store_id")))


def item_from_record(record: dict[str, Any], store: StoreRow) -> ProductItem:
    """The product item of a record whose store is ``store`` (:func:`store_of`); its values
    are as the record gives them, for validation to judge."""
    product = record.get("product")
    if isinstance(product, dict):
        return _from_snapshot(product, record["metadata"], store)
    return _from_feed(record, store)


@dataclass(frozen=True)
class _Unreadable:
    """A metadata value of a type that cannot name anything (hashable, for the cache)."""

    type_name: str


def _plain(value: Any) -> Any:
    """A value that can name a store (text or a whole number), else :class:`_Unreadable`."""
    if value is None or (isinstance(value, str | int) and not isinstance(value, bool)):
        return value
    return _Unreadable(type(value).__name__)


@lru_cache(maxsize=4096)
def _store_row(company: Any, raw_store: Any, name: Any = None, state: Any = None) -> StoreRow:
    if company is None or company == "":
        raise rejection(MISSING, "company")
    if not isinstance(company, str):
        raise rejection(BAD_TYPE, "company")
    company = company.strip().lower()
    if company not in c.COMPANY_LIST:
        raise rejection(OUT_OF_RANGE, "company", repr(company)[:80])
    if raw_store is None or raw_store == "":
        raise rejection(MISSING, "store_id")
    if isinstance(raw_store, _Unreadable):
        raise rejection(BAD_TYPE, "store_id")
    try:
        store_id = canonical_store_id(company, raw_store)
    except ValueError as error:
        raise rejection(OUT_OF_RANGE, "store_id", str(error)[:120]) from None
    shown = name.strip() if isinstance(name, str) else None
    if shown and (len(shown) > MAX_STORE_NAME or not shown.isprintable()):
        shown = None  # a store name is a courtesy: a bad one is left out, not the record
    if shown and shown.islower():  # the corpus lower-cases store names: "coles firle"
        shown = " ".join("IGA" if w == "iga" else w.capitalize() for w in shown.split())
    upper = state.strip().upper() if isinstance(state, str) else None
    return StoreRow(
        company=company,
        retailer_store_id=store_id,
        name=shown or None,
        banner=DEFAULT_BANNERS[company],
        state=upper if upper in c.STATE_TIMEZONES else None,
    )


def _from_snapshot(
    product: dict[str, Any], metadata: dict[str, Any], store: StoreRow
) -> ProductItem:
    observed = (
        metadata.get("scraped_date") or metadata.get("scraped_at") or product.get("scraped_date")
    )
    brand, description, name = product.get("brand"), product.get("description"), product.get("name")
    if store.company == c.COLES and all(_is_text(v) for v in (brand, description, name)):
        # The corpus Coles file carries the GS1 licensee as brand; Coles shows another.
        brand = coles_display_brand(brand, description, name)
    category_path = product.get("category_path")
    return ProductItem(
        company=store.company,
        store_id=store.retailer_store_id,
        sku=product.get("sku"),
        name=name,
        price=product.get("price_current"),
        observed_on=observed,
        brand=brand,
        description=description,
        size=product.get("size"),
        barcode=product.get("barcode"),
        url=product.get("url"),
        category_path=[] if category_path is None else category_path,
        was_price=product.get("price_was"),
        unit_price_value=product.get("per_unit_price_value"),
        unit_price_measure=product.get("per_unit_price_measure"),
        unit_price_text=product.get("per_unit_price_string"),
        is_available=product.get("is_available"),
    )


def _is_text(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _from_feed(record: dict[str, Any], store: StoreRow) -> ProductItem:
    values = {k: v for k, v in record.items() if k in _ITEM_FIELDS}
    values.update(company=store.company, store_id=store.retailer_store_id)
    values.setdefault("sku", None)
    values.setdefault("name", None)
    values.setdefault("price", None)
    if values.get("category_path") is None:
        values["category_path"] = []
    return ProductItem(**values)
