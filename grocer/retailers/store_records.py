"""Store ids, banners and crawlability, and the corpus store-master import.

Store ids are the retailers' own (``COL:401``, ``1147``, ``G102``, IGA's numeric id), accepted
case-insensitively and zero-padded; :func:`canonical_store_id` gives the one stored form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from grocer.constants import (
    ALDI,
    COLES,
    IGA,
    NOT_CRAWLABLE_FUEL,
    NOT_CRAWLABLE_LIQUOR,
    NOT_CRAWLABLE_NO_SHOP,
    WOOLWORTHS,
)
from grocer.items import StoreItem
from grocer.retailers.common import (
    clean_postcode,
    clean_state,
    clean_text,
    coordinates,
    store_number,
)

COLES_BANNERS: dict[str, str] = {"COL": "Coles", "LQR": "Liquorland", "VIN": "Vintage Cellars"}
LIQUOR_BANNERS = frozenset({"Liquorland", "Vintage Cellars"})
WOOLWORTHS_BANNER = "Woolworths"
AMPOL_BANNER = "Ampol Foodary"
EG_BANNER = "EG"
FUEL_BANNERS = frozenset({AMPOL_BANNER, EG_BANNER})
# Woolworths store-locator ``Division`` -> banner.  EG sites (ids 9xxxx, "EG" division in the
# live locator) are EG Group fuel/convenience sites; none is in the online fulfilment list.
WOOLWORTHS_DIVISIONS: dict[str, str] = {
    "SUPERMARKETS": WOOLWORTHS_BANNER,
    "AMPOL": AMPOL_BANNER,
    "EG": EG_BANNER,
}
DEFAULT_BANNERS: dict[str, str] = {
    COLES: "Coles",
    WOOLWORTHS: WOOLWORTHS_BANNER,
    ALDI: "Aldi",
    IGA: "IGA",
}

# Store master (Django fixture ``companies.store``): company pk -> slug, division pk -> banner.
MASTER_COMPANIES: dict[int, str] = {1: ALDI, 2: COLES, 3: IGA, 4: WOOLWORTHS}
MASTER_DIVISIONS: dict[int, str] = {
    1: "Coles",
    2: "Liquorland",
    3: "Vintage Cellars",
    5: AMPOL_BANNER,  # Ampol Foodary, U-Go and "Eg Ampol" fuel sites
    6: WOOLWORTHS_BANNER,  # supermarkets and Metro
    7: EG_BANNER,  # EG fuel sites (ids 91005-99976; 91834 is "EG" in the live locator)
}

_COLES_RE = re.compile(r"^(?:([A-Z]{3}):)?0*(\d+)$")
_ALDI_RE = re.compile(r"^G0*(\d+)$")


def canonical_store_id(company: str, raw: Any) -> str:
    """The stored form of a store id: ``col:0401`` -> ``COL:401``, ``g102`` -> ``G102``,
    ``0401`` (Coles) -> ``COL:401``, ``01147`` (Woolworths/IGA) -> ``1147``.

    Raises ValueError for an id that cannot belong to ``company``.
    """
    text = str(raw).strip().upper() if isinstance(raw, str | int) else ""
    if company == COLES:
        match = _COLES_RE.match(text)
        if match:
            return f"{match.group(1) or 'COL'}:{int(match.group(2))}"
    elif company == ALDI:
        match = _ALDI_RE.match(text)
        if match:
            return f"G{int(match.group(1)):03d}"
    elif company in (WOOLWORTHS, IGA):
        if text.isdigit() and text.isascii():
            return str(int(text))
    else:
        raise ValueError(f"unknown company {company!r}")
    raise ValueError(f"{raw!r} is not a {company} store id")


def coles_cookie_store_id(store_id: str) -> str:
    """The ``fulfillmentStoreId`` cookie value of a Coles store: ``COL:401`` -> ``401``."""
    number = store_number(canonical_store_id(COLES, store_id))
    return str(number)


def coles_banner(store_id: str) -> str:
    """Coles-group banner from the id prefix: COL -> Coles, LQR -> Liquorland, ..."""
    prefix = store_id.split(":", 1)[0].upper() if ":" in store_id else "COL"
    return COLES_BANNERS.get(prefix, "Coles")


def classify_store(item: StoreItem) -> tuple[str, bool, str | None]:
    """(banner, crawlable, reason): liquor banners, fuel sites and IGA stores without an online
    shop id are kept but never crawled; the reason is one of the ``NOT_CRAWLABLE_*`` texts."""
    company = item.company
    banner = item.banner or DEFAULT_BANNERS.get(company, company)
    if company == COLES:
        banner = item.banner or coles_banner(item.store_id)
        if banner in LIQUOR_BANNERS:
            return banner, False, NOT_CRAWLABLE_LIQUOR
    elif company == WOOLWORTHS:
        if banner in FUEL_BANNERS:
            return banner, False, NOT_CRAWLABLE_FUEL
    elif company == IGA and not item.aux_id:
        return banner, False, NOT_CRAWLABLE_NO_SHOP
    if item.has_online_shop is False:
        return banner, False, NOT_CRAWLABLE_NO_SHOP
    return banner, True, None


def _master_banner(company: str, division: Any, store_id: str) -> str:
    if company == COLES:
        # The id prefix is authoritative; division 4 holds two bare-numbered Coles rows.
        return coles_banner(store_id)
    if company == WOOLWORTHS and isinstance(division, int):
        return MASTER_DIVISIONS.get(division, WOOLWORTHS_BANNER)
    return DEFAULT_BANNERS[company]


def parse_store_master_record(record: Any) -> StoreItem | None:
    """One ``companies.store`` fixture record as a StoreItem; None when it is unusable."""
    fields = record.get("fields") if isinstance(record, dict) else None
    if not isinstance(fields, dict):
        return None
    company_pk = fields.get("company")
    company = MASTER_COMPANIES.get(company_pk) if isinstance(company_pk, int) else None
    if company is None:
        return None
    try:
        store_id = canonical_store_id(company, fields.get("store_id"))
    except ValueError:
        return None
    banner = _master_banner(company, fields.get("division"), store_id)
    name = clean_text(fields.get("store_name"))
    aux_id = clean_text(fields.get("retailer_store_id"))
    lat, lon = coordinates(fields.get("latitude"), fields.get("longitude"))
    return StoreItem(
        company=company,
        store_id=store_id,
        name=None if name is None or name.strip().upper() == "N/A" else name.strip(),
        banner=banner,
        address=clean_text(fields.get("address_line_1")),
        suburb=clean_text(fields.get("suburb")),
        state=clean_state(fields.get("state")),
        postcode=clean_postcode(fields.get("postcode")),
        latitude=lat,
        longitude=lon,
        aux_id=aux_id.strip() if aux_id else None,
        has_online_shop=(aux_id is not None) if company == IGA else None,
    )


def merge_store(first: StoreItem, other: StoreItem) -> StoreItem:
    """``first`` with its None fields filled from ``other`` (never overwrite with nulls)."""
    for name, value in vars(other).items():
        if getattr(first, name) is None and value is not None:
            setattr(first, name, value)
    return first


def parse_store_master(records: Iterable[Any]) -> list[StoreItem]:
    """The corpus store master (``stores/companies.store.json``) as StoreItems.

    One item per (company, canonical id): the master's two bare-numbered Coles rows ("414",
    "419", named "N/A") duplicate ``COL:414`` and ``COL:419`` and are merged into them.
    Unusable records (unknown company, malformed id) are left out.
    """
    stores: dict[tuple[str, str], StoreItem] = {}
    for record in records:
        item = parse_store_master_record(record)
        if item is None:
            continue
        key = (item.company, item.store_id)
        stores[key] = merge_store(stores[key], item) if key in stores else item
    return list(stores.values())
