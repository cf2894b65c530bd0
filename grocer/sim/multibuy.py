"""Multi-buy offers ("Buy 3 for $4") on Coles and Woolworths listings, in their payload shapes.

An offer runs for a price week, company-wide, on a listing not on special: 2 to 4 units for
10-25% less than as many at the shelf price, a round amount.  A product with a price band
(one grocer identifies across retailers) never gets a unit below its band's floor, so offers
make no cross-retailer bargain.  The shapes are the real payloads':

- Coles ``pricing``: ``promotionType`` "SPECIAL", ``specialType`` "MULTI_SAVE",
  ``offerDescription`` "Buy 3 for $4" or "Pick any 2 for $5.80", ``multiBuyPromotion``
  ``{type, id, minQuantity, reward}`` (``reward`` the unit price to the cent: 1.33 for 3 for $4);
- Woolworths ``CentreTag``: an HTML tag "2 for $15.00 - $18.75/1KG" with
  ``MultibuyData {Quantity, Price, CupTag}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from grocer.sim.money import display, json_number, scale_ratio
from grocer.sim.rng import mix, unit

if TYPE_CHECKING:
    from grocer.sim.catalogue import Product
    from grocer.sim.pricing import Listing

COMPANIES = ("coles", "woolworths")
RATE = 0.03  # of listings per week
QUANTITIES = (2, 2, 3, 4)
PICK_ANY_PER_MILLE = 350  # Coles offers worded "Pick any N for $X"
OFFER_ID_BASE = 728_100_000
_WOOLWORTHS_UNITS = {"g": "G", "kg": "KG", "ml": "ML", "l": "L", "ea": "EA", "sheets": "EA"}


def offer_for(seed: int, product: Product, regular: int, week: int) -> tuple[int, int] | None:
    """This week's offer on a listing at shelf price ``regular`` (cents): (quantity, cents for
    that many together), or None."""
    if product.company not in COMPANIES or unit(seed, product.seed, week, 15) >= RATE:
        return None
    quantity = QUANTITIES[mix(seed, product.seed, week, 16) % len(QUANTITIES)]
    percent_off = 10 + mix(seed, product.seed, week, 17) % 16
    total = regular * quantity * (100 - percent_off) // 100
    total -= total % (100 if total >= 1000 else 10)  # "$15", "$5.80"
    floor = product.band[0] if product.band is not None else 1
    if total >= regular * quantity or total < floor * quantity or total <= 0:
        return None
    return quantity, total


def _amount(cents: int) -> str:
    """Coles writes whole dollars without cents: "$6", "$5.80"."""
    return f"${cents // 100}" if cents % 100 == 0 else display(cents)


def coles_pricing(listing: Listing) -> dict[str, Any]:
    """The ``pricing`` fields of a Coles tile with a multi-buy (none without one)."""
    if listing.multibuy is None:
        return {}
    quantity, total = listing.multibuy
    pick_any = mix(listing.product.seed, 18) % 1000 < PICK_ANY_PER_MILLE
    words = "Pick any" if pick_any else "Buy"
    return {
        "promotionType": "SPECIAL",
        "specialType": "MULTI_SAVE",
        "offerDescription": f"{words} {quantity} for {_amount(total)}",
        "multiBuyPromotion": {
            "type": "MultibuyMultiSku" if pick_any else "MultibuySingleSku",
            "id": str(OFFER_ID_BASE + mix(listing.product.seed, 19) % 100_000),
            "minQuantity": quantity,
            "reward": round(total / quantity / 100, 2),
        },
    }


def woolworths_centre_tag(listing: Listing, empty: dict[str, Any]) -> dict[str, Any] | None:
    """The ``CentreTag`` of a Woolworths tile with a multi-buy; None without one.

    ``empty``: the tile's empty tag, whose keys the offer's tag keeps."""
    if listing.multibuy is None:
        return None
    quantity, total = listing.multibuy
    product = listing.product
    cup = None
    if product.unit is not None and product.unit_ratio is not None:
        per_unit = scale_ratio(total, (1, quantity))
        qty, basis, _ = product.unit
        cup = f"{display(scale_ratio(per_unit, product.unit_ratio))}/{qty}"
        cup += _WOOLWORTHS_UNITS.get(basis, basis.upper())
    text = f"{quantity} for {display(total)}" + (f" - {cup}" if cup else "")
    return empty | {
        "TagContent": f'<a title="{quantity} for {display(total)}" href="/Shop/OfferGroup/'
        f'{20_800_000 + mix(product.seed, 20) % 100_000}"><span>{text}</span>'
        '<i aria-hidden="true" class="iconAct-Chevron_Right"></i></a> ',
        "TagLink": "",
        "TagType": "Html",
        "MultibuyData": {"Quantity": quantity, "Price": json_number(total), "CupTag": cup},
        "TagContentText": f"{text} ",
    }
