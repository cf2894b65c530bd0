"""Turn JSONL records into product items: the corpus snapshot shape and spider feed exports.

Corpus records are ``{"product": {...}, "metadata": {company, store_id, store_name, state,
scraped_date | scraped_at}}`` written by an earlier pipeline; only raw retailer fields are read
from them (``unit_price``, ``normalized_*`` and ``price_hash`` are recomputed).  Feed exports
are listing pages (:class:`grocer.items.ListingPageItem`, products under ``products``) or flat
objects with the fields of :class:`grocer.items.ProductItem`.
"""

from __future__ import annotations

from dataclasses import fields
from functools import lru_cache
from typing import Any

from grocer import constants as c
from grocer.db.store_rows import StoreRow
from grocer.items import ProductItem
from grocer.normalize.brand import coles_display_brand
from grocer.normalize.validate import Rejected
from grocer.retailers.store_records import canonical_store_id

_ITEM_FIELDS = {f.name for f in fields(ProductItem)}
DEFAULT_BANNERS = {c.COLES: "Coles", c.WOOLWORTHS: "Woolworths", c.ALDI: "Aldi", c.IGA: "IGA"}


def records_in(record: Any) -> list[Any]:
    """The product records of a JSONL line: a listing page of a feed export holds many."""
    if isinstance(record, dict) and isinstance(record.get("products"), list):
        return list(record["products"])
    return [record]


def item_from_record(record: Any) -> tuple[ProductItem, StoreRow]:
    """The product item and the store a JSONL record describes.

    Raises:
        Rejected: when the record is not an object or names no known company or store.
    """
    if not isinstance(record, dict):
        raise Rejected(c.REJECT_NOT_AN_OBJECT, type(record).__name__)
    if isinstance(record.get("product"), dict):
        return _from_snapshot(record["product"], record.get("metadata") or {})
    return _from_feed(record)


@lru_cache(maxsize=4096)
def _store_row(company: str, raw_store: Any, name: Any = None, state: Any = None) -> StoreRow:
    if company not in c.COMPANY_LIST:
        raise Rejected(c.REJECT_UNKNOWN_COMPANY, repr(company))
    if raw_store in (None, ""):
        raise Rejected(c.REJECT_MISSING_STORE)
    try:
        store_id = canonical_store_id(company, raw_store)
    except ValueError as error:
        raise Rejected(c.REJECT_MISSING_STORE, str(error)) from None
    shown = str(name).strip() if name else None
    if shown and shown.islower():  # the corpus lower-cases store names: "coles firle"
        shown = " ".join("IGA" if w == "iga" else w.capitalize() for w in shown.split())
    return StoreRow(
        company=company,
        retailer_store_id=store_id,
        name=shown,
        banner=DEFAULT_BANNERS[company],
        state=str(state).strip().upper() if state else None,
    )


def _from_snapshot(
    product: dict[str, Any], metadata: dict[str, Any]
) -> tuple[ProductItem, StoreRow]:
    company = str(metadata.get("company") or "").strip().lower()
    store = _store_row(
        company, metadata.get("store_id"), metadata.get("store_name"), metadata.get("state")
    )
    observed = (
        metadata.get("scraped_date") or metadata.get("scraped_at") or product.get("scraped_date")
    )
    brand = product.get("brand")
    if company == c.COLES:
        # The corpus Coles file carries the GS1 licensee as brand; Coles shows another.
        brand = coles_display_brand(brand, product.get("description"), product.get("name"))
    sku = product.get("sku")
    item = ProductItem(
        company=company,
        store_id=store.retailer_store_id,
        sku=str(sku) if sku is not None else "",
        name=product.get("name"),
        price=product.get("price_current"),
        observed_on=observed,
        brand=brand,
        description=product.get("description"),
        size=product.get("size"),
        barcode=product.get("barcode"),
        url=product.get("url"),
        category_path=list(product.get("category_path") or []),
        was_price=product.get("price_was"),
        unit_price_value=product.get("per_unit_price_value"),
        unit_price_measure=product.get("per_unit_price_measure"),
        unit_price_text=product.get("per_unit_price_string"),
        is_available=product.get("is_available"),
    )
    return item, store


def _from_feed(record: dict[str, Any]) -> tuple[ProductItem, StoreRow]:
    company = str(record.get("company") or "").strip().lower()
    store = _store_row(company, record.get("store_id"))
    values = {k: v for k, v in record.items() if k in _ITEM_FIELDS}
    values.update(company=company, store_id=store.retailer_store_id)
    values.setdefault("sku", "")
    values.setdefault("name", None)
    values.setdefault("price", None)
    if values.get("category_path") is None:
        values["category_path"] = []
    return ProductItem(**values), store
