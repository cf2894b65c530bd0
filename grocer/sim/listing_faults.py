"""The ``wrong_type`` listing fault applied to a retailer's raw product JSON.

One field of a picked product is served with the wrong JSON type, in the retailer's own field
names (everything else stays as the retailer sends it):

========== ============= ========== ============================================
retailer   brand         name       price (a number on the real site)
========== ============= ========== ============================================
coles      ``brand``     ``name``   ``pricing.now``
woolworths ``Brand``     ``Name``   ``Price``
aldi       ``brandName`` ``name``   ``price.amount`` (cents)
iga        ``brand``     ``name``   ``wholePrice``, on special ``tprPrice[0].wholePrice``
========== ============= ========== ============================================

The brand becomes a number, the name a list holding the name, the price the text ``"abc"``.
Which products, and which of the three, is :meth:`FaultInjector.wrong_type`'s to say.
"""

from __future__ import annotations

from typing import Any

from grocer.sim.faults import FaultInjector
from grocer.sim.rng import text_seed
from grocer.sim.store_registry import Store

PRICE_TEXT = "abc"
FIELDS: dict[str, dict[str, tuple[str | int, ...]]] = {
    "coles": {"brand": ("brand",), "name": ("name",), "price": ("pricing", "now")},
    "woolworths": {"brand": ("Brand",), "name": ("Name",), "price": ("Price",)},
    "aldi": {"brand": ("brandName",), "name": ("name",), "price": ("price", "amount")},
    "iga": {"brand": ("brand",), "name": ("name",), "price": ("wholePrice",)},
}
IGA_SPECIAL_PRICE: tuple[str | int, ...] = ("tprPrice", 0, "wholePrice")


def wrong_value(kind: str, value: Any, sku: str) -> Any:
    """The wrong-typed stand-in for a field's value: a number for a brand, a list for a
    name, a text that is no number for a price."""
    if kind == "brand":
        return 1000 + text_seed(sku) % 9000
    if kind == "name":
        return [value]
    return PRICE_TEXT


def _replaced(node: Any, path: tuple[str | int, ...], kind: str, sku: str) -> Any:
    """A copy of ``node`` with the value at ``path`` replaced (copy on write: nested values
    of rendered tiles are shared between tiles)."""
    step, rest = path[0], path[1:]
    copy: Any = list(node) if isinstance(node, list) else dict(node)
    copy[step] = (
        _replaced(node[step], rest, kind, sku) if rest else wrong_value(kind, node[step], sku)
    )
    return copy


def field_path(company: str, kind: str, item: dict[str, Any]) -> tuple[str | int, ...]:
    """Where ``kind`` lives in one of ``company``'s raw products."""
    if company == "iga" and kind == "price" and item.get("wasWholePrice") is not None:
        return IGA_SPECIAL_PRICE  # on special the current price is the TPR price
    return FIELDS[company][kind]


def mistype(faults: FaultInjector, store: Store, sku: str, item: dict[str, Any]) -> dict[str, Any]:
    """``item`` (one raw product of ``store``'s listing) as ``wrong_type`` serves it: a copy
    with one field of the wrong type when the fault picks ``sku``, else ``item`` itself."""
    kind = faults.wrong_type(store.company, store.store_id, sku)
    if kind is None:
        return item
    result: dict[str, Any] = _replaced(item, field_path(store.company, kind, item), kind, sku)
    return result
