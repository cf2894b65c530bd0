"""The simulator's multi-buy offers: served on a few Coles and Woolworths listings, never on a
special, never below a price band's floor, and in payload shapes grocer's parsers read back to
the same offer (Coles ``pricing.multiBuyPromotion``, Woolworths ``CentreTag.MultibuyData``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from grocer.retailers import coles, woolworths
from grocer.sim import coles_tiles
from grocer.sim import woolworths as woolworths_sim
from grocer.sim.pricing import Listing
from grocer.sim.state import SimConfig, SimState, build_state

DAY = date(2025, 9, 17)


@pytest.fixture(scope="module")
def state() -> SimState:
    return build_state(SimConfig(start=DAY, seed=0))


def _offered(state: SimState, company: str, store_id: str) -> list[Listing]:
    store = state.stores.get(company, store_id)
    assert store is not None
    return [lst for lst in state.listings(store, DAY).values() if lst.multibuy is not None]


@pytest.mark.parametrize(("company", "store_id"), [("coles", "COL:401"), ("woolworths", "5736")])
def test_a_few_listings_carry_an_offer_cheaper_than_its_units(
    state: SimState, company: str, store_id: str
) -> None:
    store = state.stores.get(company, store_id)
    assert store is not None
    listings = state.listings(store, DAY)
    offered = _offered(state, company, store_id)
    assert 0.005 < len(offered) / len(listings) < 0.08
    for listing in offered:
        assert listing.multibuy is not None
        quantity, total = listing.multibuy
        assert 2 <= quantity <= 4 and total < quantity * listing.price
        assert listing.was is None  # never on a special
        band = listing.product.band
        assert band is None or total >= band[0] * quantity


def test_coles_tiles_parse_back_to_the_offer(state: SimState) -> None:
    offered = _offered(state, "coles", "COL:401")
    wordings = set()
    for listing in offered[:200]:
        assert listing.multibuy is not None
        pricing = coles_tiles.tile(state, listing)["pricing"]
        assert pricing["specialType"] == "MULTI_SAVE"
        wordings.add(pricing["offerDescription"].split()[0])
        item = coles.parse_tile(
            coles_tiles.tile(state, listing), store_id="401", base_url="https://x"
        )
        quantity, total = listing.multibuy
        assert (item.multibuy_qty, item.multibuy_price) == (quantity, Decimal(total) / 100)
        assert item.promo_text == pricing["offerDescription"]
    assert wordings == {"Buy", "Pick"}


def test_woolworths_tiles_parse_back_to_the_offer(state: SimState) -> None:
    store = state.stores.get("woolworths", "5736")
    assert store is not None
    for listing in _offered(state, "woolworths", "5736")[:200]:
        assert listing.multibuy is not None
        tile = woolworths_sim.tile(state, listing, 5736, DAY)
        item = woolworths.parse_product(tile, store_id="5736", base_url="https://x")
        assert item is not None
        quantity, total = listing.multibuy
        assert (item.multibuy_qty, item.multibuy_price) == (quantity, Decimal(total) / 100)
        assert item.promo_text and item.promo_text.startswith(f"{quantity} for $")
