"""Enumerations shared across grocer: companies, banners, reasons."""

from __future__ import annotations

from typing import Final, Literal

Company = Literal["coles", "woolworths", "aldi", "iga"]

COLES: Final = "coles"
WOOLWORTHS: Final = "woolworths"
ALDI: Final = "aldi"
IGA: Final = "iga"
COMPANY_LIST: Final[tuple[Company, ...]] = (COLES, WOOLWORTHS, ALDI, IGA)
COMPANY_NAMES: Final[dict[str, str]] = {
    COLES: "Coles",
    WOOLWORTHS: "Woolworths",
    ALDI: "Aldi",
    IGA: "IGA",
}

# Australian state -> IANA time zone; an observation's date is the store's local date.
STATE_TIMEZONES: Final[dict[str, str]] = {
    "NSW": "Australia/Sydney",
    "ACT": "Australia/Sydney",
    "VIC": "Australia/Melbourne",
    "TAS": "Australia/Hobart",
    "QLD": "Australia/Brisbane",
    "SA": "Australia/Adelaide",
    "NT": "Australia/Darwin",
    "WA": "Australia/Perth",
}
DEFAULT_TIMEZONE: Final = "Australia/Sydney"

# crawl_runs.kind: a store's whole catalogue (or an ingested file), a sample of it, its Coles
# barcodes, a store locator's sweep.
FULL_RUN: Final = "full"
SAMPLE_RUN: Final = "sample"
BARCODE_RUN: Final = "barcodes"
LOCATOR_RUN: Final = "locator"
# crawl_runs.status (docs/ARCHITECTURE.md): made, being worked on, stopped to be resumed...
PENDING: Final = "pending"
RUNNING: Final = "running"
INTERRUPTED: Final = "interrupted"
# ... or ended.
COMPLETE: Final = "complete"
PARTIAL: Final = "partial"
FAILED: Final = "failed"
SKIPPED: Final = "skipped"
RUN_STATUSES: Final = (PENDING, RUNNING, INTERRUPTED, COMPLETE, PARTIAL, FAILED, SKIPPED)
# The finish reason of a crawl refused because the database is at another schema revision.
SCHEMA_MISMATCH: Final = "schema_mismatch"

# Category roots that are promotions, not merchandise (compared case-insensitively).
PROMOTIONAL_ROOTS: Final[frozenset[str]] = frozenset(
    {
        "specials",
        "down down",
        "down-down",
        "christmas",
        "limited time only",
        "front of store",
        "front-of-store",
        "seasonal",
        "weekly specials",
        "special buys",
        "everyday market",
        "everyday-market",
        "big night in",
        "big-night-in",
        "big pack value",
        "big-pack-value",
        "bonus entry products",
        "bonus-entry-products",
        "bonus credit products",
        "deliver more range",
        "deliver-more-range",
        "dinner",
        "lunch box",
        "lunch-box",
        "tobacco",
    }
)

# Reasons a store is kept but never crawled.
NOT_CRAWLABLE_LIQUOR: Final = "liquor-only banner without an online grocery catalogue"
NOT_CRAWLABLE_FUEL: Final = "fuel-site convenience store without an online grocery catalogue"
NOT_CRAWLABLE_NO_SHOP: Final = "no online shop id"

# Rejection reasons counted by validation (stats key suffixes).
REJECT_MALFORMED_JSON: Final = "malformed_json"
REJECT_MISSING_NAME: Final = "missing_name"
REJECT_MISSING_PRICE: Final = "missing_price"
REJECT_NON_NUMERIC_PRICE: Final = "non_numeric_price"
REJECT_NON_POSITIVE_PRICE: Final = "non_positive_price"
REJECT_ABSURD_PRICE: Final = "absurd_price"
REJECT_FIELD_TOO_LONG: Final = "field_too_long"
REJECT_MISSING_SKU: Final = "missing_sku"
REJECT_MISSING_STORE: Final = "missing_store"
REJECT_UNKNOWN_COMPANY: Final = "unknown_company"
REJECT_MISSING_DATE: Final = "missing_date"
REJECT_NOT_AN_OBJECT: Final = "not_an_object"
# Counted, but the item still lands without the field.
DROPPED_BAD_BARCODE: Final = "bad_barcode_dropped"
FLAGGED_INSTORE_CODE: Final = "instore_code_flagged"
UNIT_PRICE_DISAGREEMENT: Final = "unit_price_disagreement"

MAX_PRICE: Final = 10_000  # a price at or above this is absurd for groceries
