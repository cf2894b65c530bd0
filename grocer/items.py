"""Items yielded by grocer spiders (itemadapter-compatible dataclasses).

Parsers in :mod:`grocer.retailers` build these from retailer payloads; the item pipelines and
``grocer ingest`` validate and normalise them.  Values are kept as the retailer gave them
(prices as :class:`~decimal.Decimal` dollars, texts verbatim); deriving canonical fields is the
job of :mod:`grocer.normalize`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass
class ProductItem:
    """One observation of a retailer product's shelf price at one store on one day."""

    company: str  # coles | woolworths | aldi | iga
    store_id: str  # the retailer's own store id as in the store master (COL:401, 1147, G102)
    sku: str  # the retailer's product id, as text (Aldi keeps its zero padding)
    name: str | None
    price: Decimal | None  # current shelf price in dollars
    observed_on: date | None = None  # the response's date in the store's local time zone
    brand: str | None = None
    description: str | None = None
    size: str | None = None  # the retailer's size text, without any sell-by word
    barcode: str | None = None  # raw; validated and canonicalised by normalisation
    url: str | None = None
    category_path: list[str] = field(default_factory=list)
    was_price: Decimal | None = None
    unit_price_value: Decimal | None = None  # the retailer's numeric unit price, in dollars
    unit_price_measure: str | None = None  # the retailer's unit basis: "g", "100G", "1EA"
    unit_price_text: str | None = None  # "$40.00 per 1kg", "$2.26/100g"
    is_available: bool | None = None
    promo_text: str | None = None
    multibuy_qty: int | None = None  # a multi-buy offer: this many units together ...
    multibuy_price: Decimal | None = None  # ... for this many dollars
    page: str | None = None  # the listing page this came from (resume bookkeeping)


@dataclass
class StoreItem:
    """A store as a retailer's store locator (or the store master) describes it."""

    company: str
    store_id: str
    name: str | None = None
    banner: str | None = None  # "Coles", "Liquorland", "Ampol Foodary", "IGA", ...
    address: str | None = None
    suburb: str | None = None
    state: str | None = None
    postcode: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    aux_id: str | None = None  # IGA's separate online-shop (retailer) store id
    has_online_shop: bool | None = None  # None when the source does not say


@dataclass
class BarcodeItem:
    """The outcome of looking for a Coles product's barcode on its product page."""

    company: str
    sku: str
    barcode: str | None  # raw GTIN text as found, None when the page had none
    status: str  # "found" | "none" (page without a GTIN) | "not_found" (HTTP 404)


# The page key marking a category's listing as ended: ``"<category>#end"``.
END = "end"


@dataclass
class ListingPageItem:
    """One listing page of a store: its products are written together with its done-mark.

    ``page`` is the resume key ``"<category>#<page or offset>"``; a page with ``ended`` set
    marks the category's listing as finished.  ``observations`` is filled by the normalise
    pipeline and emptied by the database writer, so feed exports carry only ``products``.
    """

    company: str
    store_id: str
    page: str
    products: list[ProductItem] = field(default_factory=list)
    ended: bool = False
    observations: list[object] = field(default_factory=list)

    def done_marks(self) -> list[str]:
        """The keys to mark done with this page: itself, and its category's end if it ended."""
        if not self.ended:
            return [self.page]
        return [self.page, f"{self.page.rpartition('#')[0]}#{END}"]
