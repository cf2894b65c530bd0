"""Coles barcode enrichment in the database: the work list of a store, and each page's outcome.

A Coles listing has no barcode; its product page may.  :func:`select_work` picks, for one
store, the products of its Coles listings that have no barcode and were never checked;
:func:`record_barcode` writes what a product page said — the barcode (merging with the product
that already owns it), an in-store code on the listing, or nothing — and marks the product
checked in the same transaction, so a restart never asks for it again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, Engine, exists, select, update

from grocer.constants import COLES
from grocer.db import leases
from grocer.db.leases import Lease
from grocer.db.merge import merge_products
from grocer.db.models import Listing, Price, Product
from grocer.db.product_links import break_links
from grocer.db.store_rows import COMPANY_IDS
from grocer.db.transactions import in_transaction
from grocer.normalize.gtin import Gtin

logger = logging.getLogger(__name__)

# Outcomes of one product page (stats keys ``grocer/barcodes/<outcome>``).
FOUND = "found"  # a new barcode set on the product
MERGED = "merged"  # the barcode belonged to another product: the two were merged
INSTORE = "instore"  # a variable-measure in-store code, kept on the listing, not an identity
NONE = "none"  # the page has no GTIN
INVALID = "invalid"  # the page has a GTIN that fails validation
NOT_FOUND = "not_found"  # HTTP 404
ALREADY = "already"  # the product got this barcode meanwhile
CONFLICT = "conflict"  # the product got another barcode meanwhile: kept, not overwritten
UNKNOWN_SKU = "unknown_sku"  # no such Coles listing (nothing written)


@dataclass(frozen=True)
class BarcodeTask:
    """One product page to request: the product, and the sku and url of one of its listings."""

    product_id: int
    sku: str
    url: str


@dataclass
class BarcodeWork:
    """A store's work list and what was left out (counted per product)."""

    tasks: list[BarcodeTask] = field(default_factory=list)
    known: int = 0  # the product already has a barcode (another retailer, an earlier run)
    checked: int = 0  # checked before, no barcode found
    no_url: int = 0  # no listing of the product has a URL to request


def select_work(connection: Connection, store_pk: int) -> BarcodeWork:
    """The products of the Coles listings priced at store ``store_pk`` that need a page."""
    coles = COMPANY_IDS[COLES]
    priced_here = exists().where(Price.listing_id == Listing.id, Price.store_id == store_pk)
    rows = connection.execute(
        select(Listing.sku, Listing.url, Product.id, Product.barcode, Product.barcode_checked_at)
        .join(Product, Product.id == Listing.product_id)
        .where(Listing.company_id == coles, priced_here)
        .order_by(Listing.id)
    )
    work = BarcodeWork()
    seen: set[int] = set()
    missing_url: set[int] = set()
    for sku, url, product_id, barcode, checked_at in rows:
        if product_id in seen:
            continue
        if barcode is not None or checked_at is not None:
            seen.add(product_id)
            if barcode is not None:
                work.known += 1
            else:
                work.checked += 1
        elif url:
            seen.add(product_id)
            missing_url.discard(product_id)
            work.tasks.append(BarcodeTask(product_id, sku, url))
        else:
            missing_url.add(product_id)
    work.no_url = len(missing_url)
    return work


def record_barcode(
    connection: Connection, *, sku: str, gtin: Gtin | None, status: str, checked_at: datetime
) -> str:
    """Write one product page's outcome for Coles listing ``sku``; returns the outcome.

    ``gtin`` is the cleaned GTIN of the page (None without one); ``status`` is the
    BarcodeItem status (``not_found`` for HTTP 404).  The product is marked checked.
    """
    row = connection.execute(
        select(Listing.id, Listing.product_id, Product.barcode)
        .join(Product, Product.id == Listing.product_id)
        .where(Listing.company_id == COMPANY_IDS[COLES], Listing.sku == sku)
    ).one_or_none()
    if row is None:
        return UNKNOWN_SKU
    listing_id, product_id, current = row
    if gtin is not None and gtin.code is not None and gtin.instore:
        connection.execute(
            update(Listing).where(Listing.id == listing_id).values(instore_code=gtin.code)
        )
        outcome = INSTORE
    elif gtin is not None and gtin.code is not None:
        outcome, product_id = _attach(connection, product_id, current, gtin.code, sku)
    elif status == NOT_FOUND:
        outcome = NOT_FOUND
    elif gtin is not None and gtin.error:
        outcome = INVALID
    else:
        outcome = NONE
    connection.execute(
        update(Product).where(Product.id == product_id).values(barcode_checked_at=checked_at)
    )
    return outcome


def _attach(
    connection: Connection, product_id: int, current: str | None, code: str, sku: str
) -> tuple[str, int]:
    """Give ``code`` to the product, or merge it into the product owning ``code`` (the
    survivor); returns the outcome and the product the listing now belongs to."""
    if current == code:
        return ALREADY, product_id
    if current is not None:
        logger.warning("coles %s: page barcode %s, product already has %s", sku, code, current)
        return CONFLICT, product_id
    owner = connection.execute(select(Product.id).where(Product.barcode == code)).scalar()
    if owner is None:
        connection.execute(update(Product).where(Product.id == product_id).values(barcode=code))
        break_links(connection, [product_id])
        return FOUND, product_id
    merge_products(connection, owner, product_id, reason=f"barcode {code} of coles {sku}")
    return MERGED, owner


def write_outcome(
    engine: Engine,
    *,
    sku: str,
    gtin: Gtin | None,
    status: str,
    checked_at: datetime,
    lease: Lease | None = None,
) -> str:
    """:func:`record_barcode` in its own transaction (after checking the crawl's ``lease``
    still admits it), retried while SQLite is busy or a concurrent writer took the same
    barcode first (the retry then sees it and merges)."""

    def work(connection: Connection) -> str:
        if lease is not None:
            leases.check(connection, lease)
        return record_barcode(connection, sku=sku, gtin=gtin, status=status, checked_at=checked_at)

    return in_transaction(engine, work, integrity_retries=5)
