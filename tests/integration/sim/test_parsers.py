"""The real retailer parsers, crawling the simulator as the spiders do, get exactly the truth.

For one store of each retailer, the categories are those ``grocer.retailers.<retailer>``
returns for the simulator's category payload (``parse_categories``, Coles ``parse_menu``:
promotional roots skipped, DESIGN section 3).  Every listing page of those categories is
requested with the module's request builders and parsed with its listing parser until that
parser's end condition (Coles: ``ceil(noOfResults / pageSize)`` reached; Woolworths: no
products or ``TotalRecordCount`` reached; Aldi: HTTP 400 or empty ``data``; IGA: 404, empty,
a repeated page or ``total`` reached).  The SKUs seen, and each one's name, price, was-price,
unit price text, listing barcode (Woolworths and IGA) and availability, must equal
``/_sim/truth`` exactly, and every SKU must turn up in the category the truth files it under.

The parser functions are the ones ``tests/unit/retailers`` runs on the corpus captures and on
the reference payloads written from RETAILERS.md; the last tests make the issue's "corpus
and simulator payloads parse with the same parser functions" explicit: the simulator's
category payloads parse to the same categories as the corpus captures, and items parsed from
simulator listings fill every field that items parsed from the reference listings fill.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

import pytest

from grocer.items import ProductItem
from grocer.retailers import aldi, coles, iga, woolworths
from grocer.retailers.common import Category, is_promotional
from grocer.sim.identity import listing_fields
from grocer.sim.server import SimulatorServer
from tests.integration.sim.sim_helpers import coles_session, cookie_dict, send
from tests.prerequisites import missing
from tests.unit.retailers.conftest import CORPUS, FIXTURES, capture_body

MAX_PAGES = 400  # per category: a listing still going after this many pages never ends
STORES = {"aldi": "G102", "woolworths": "1147", "iga": "14850", "coles": "COL:401"}
Row = tuple[str | None, str | None, str | None, str | None, str | None, bool | None]


def _money(value: Decimal | str | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


@dataclass
class Crawl:
    """What a crawl of one store's listings was served, as the parsers read it."""

    company: str
    categories: list[Category]
    rows: dict[str, Row] = field(default_factory=dict)
    seen_in: dict[str, set[str]] = field(default_factory=dict)
    # What grocer's product identity is made of: name, brand, size, listing barcode.
    identity: dict[str, tuple[str | None, ...]] = field(default_factory=dict)
    pages: int = 0

    def add(self, items: Iterable[ProductItem], category: str) -> None:
        """Record one parsed page of ``category``; a SKU listed twice must read the same."""
        self.pages += 1
        for item in items:
            row: Row = (
                item.name,
                _money(item.price),
                _money(item.was_price),
                item.unit_price_text,
                item.barcode,
                item.is_available,
            )
            assert self.rows.setdefault(item.sku, row) == row, f"{item.sku} differs by category"
            self.seen_in.setdefault(item.sku, set()).add(category)
            self.identity[item.sku] = (item.name, item.brand, item.size, item.barcode)


def _pages(fetch_page: Callable[[int], int | None], first: int) -> None:
    """Follow a listing from ``first`` until ``fetch_page`` returns no next page."""
    page: int | None = first
    for _ in range(MAX_PAGES):
        if page is None:
            return
        page = fetch_page(page)
    pytest.fail(f"listing did not end within {MAX_PAGES} pages")


def crawl_aldi(sim: SimulatorServer, store: str) -> Crawl:
    """Aldi: leaves of ``/v2/product-category-tree``, ``/v3/product-search`` by offset."""
    base = sim.base_url("aldi")
    reply = send(aldi.categories_request(base, store_id=store))
    crawl = Crawl("aldi", aldi.parse_categories(reply.json()))
    for category in crawl.categories:

        def fetch_page(offset: int, category: Category = category) -> int | None:
            reply = send(aldi.search_request(base, category, offset, store_id=store))
            payload = reply.json() if reply.status == 200 else None
            if aldi.is_end_of_listing(reply.status, payload):
                return None
            assert reply.status == 200, reply.text
            page = aldi.parse_search(payload, store_id=store, offset=offset)
            crawl.add(page.items, category.key)
            return page.next_page

        _pages(fetch_page, 0)
    return crawl


def crawl_woolworths(sim: SimulatorServer, store: str) -> Crawl:
    """Woolworths: leaves of ``PiesCategoriesWithSpecials``, POST browse by page number."""
    base = sim.base_url("woolworths")
    reply = send(woolworths.categories_request(base))
    crawl = Crawl("woolworths", woolworths.parse_categories(reply.json()))
    for category in crawl.categories:

        def fetch_page(number: int, category: Category = category) -> int | None:
            reply = send(woolworths.browse_request(base, category, number, store_id=store))
            assert reply.status == 200, reply.text
            page = woolworths.parse_browse(reply.json(), store_id=store, page=number, base_url=base)
            crawl.add(page.items, category.key)
            return page.next_page

        _pages(fetch_page, 1)
    return crawl


def crawl_iga(sim: SimulatorServer, store: str) -> Crawl:
    """IGA: leaves of ``categoryHierarchy``, category search by ``skip``."""
    base = sim.base_url("iga")
    shop = next(s for s in sim.state.stores.stores["iga"] if s.store_id == store).tag
    assert shop is not None
    reply = send(iga.categories_request(base, shop_id=shop))
    crawl = Crawl("iga", iga.parse_categories(reply.json()))
    for category in crawl.categories:
        previous: frozenset[str] = frozenset()

        def fetch_page(skip: int, category: Category = category) -> int | None:
            nonlocal previous
            reply = send(iga.search_request(base, category, skip, shop_id=shop))
            if iga.is_end_of_listing(reply.status):
                return None
            assert reply.status == 200, reply.text
            page = iga.parse_search(reply.json(), store_id=store, skip=skip, previous_skus=previous)
            crawl.add(page.items, category.key)
            previous = page.skus
            return page.next_page

        _pages(fetch_page, 0)
    return crawl


def crawl_coles(sim: SimulatorServer, store: str) -> Crawl:
    """Coles: departments of ``menuItems``, HTML browse pages by page number (a session
    obtained by solving the challenge as its script would, see ``sim_helpers``)."""
    base = sim.base_url("coles")
    session = cookie_dict(coles_session(sim.url))
    reply = send(coles.menu_request(base, store_id=store), session)
    crawl = Crawl("coles", coles.parse_menu(reply.json()))
    for category in crawl.categories:

        def fetch_page(number: int, category: Category = category) -> int | None:
            reply = send(coles.browse_request(base, category.slug, number, store_id=store), session)
            assert reply.status == 200, reply.text[:200]
            page = coles.parse_browse_page(reply.text, store_id=store, page=number, base_url=base)
            crawl.add(page.items, category.slug)
            return page.next_page

        _pages(fetch_page, 1)
    return crawl


CRAWLERS: dict[str, Callable[[SimulatorServer, str], Crawl]] = {
    "aldi": crawl_aldi,
    "woolworths": crawl_woolworths,
    "iga": crawl_iga,
    "coles": crawl_coles,
}


def truth_rows(truth: dict[str, Any]) -> dict[str, Row]:
    """The truth in the crawl's terms (Aldi's walk-in listings say nothing on availability)."""
    company = truth["company"]
    return {
        p["sku"]: (
            p["name"],
            p["price"],
            p["was_price"],
            p["unit_price_text"],
            p["barcode"],
            None if company == "aldi" else p["available"],
        )
        for p in truth["products"]
    }


@pytest.mark.slow
@pytest.mark.parametrize("company", ["aldi", "woolworths", "iga", "coles"])
def test_parser_crawl_of_non_promotional_categories_equals_truth(
    sim: SimulatorServer, company: str
) -> None:
    store = STORES[company]
    crawl = CRAWLERS[company](sim, store)
    truth = sim.truth(company, store)
    assert truth["crawlable"] and truth["count"] > 1000
    expected = truth_rows(truth)
    marketplace = {p["sku"] for p in truth["products"] if p["marketplace"]}
    if company == "woolworths":
        # The SoldBy(Woolworths) filter every browse request carries hides marketplace
        # sellers' products; the truth flags them.
        assert marketplace and not marketplace & crawl.rows.keys()
        expected = {sku: row for sku, row in expected.items() if sku not in marketplace}
    else:
        assert not marketplace
    missing = sorted(expected.keys() - crawl.rows.keys())
    assert not missing, f"{len(missing)} truth products unreachable, e.g. {missing[:5]}"
    assert crawl.rows == expected
    misfiled = [
        p["sku"]
        for p in truth["products"]
        if p["sku"] in crawl.rows and p["category"] not in crawl.seen_in[p["sku"]]
    ]
    assert not misfiled, f"not listed in their truth category: {misfiled[:5]}"
    promotional = [c.path for c in crawl.categories if c.path and is_promotional(c.path[0], None)]
    assert not promotional
    # The catalogue build groups products by the identity fields it expects the parsers to
    # read (grocer.sim.identity, docs/simulator-bargains.md): they must be what they read.
    expected_identity = {}
    for sku in crawl.identity:
        product = sim.state.product(company, sku)
        assert product is not None
        name, brand, size, barcode = listing_fields(product)
        expected_identity[sku] = (name, brand, size, None if company == "coles" else barcode)
    assert crawl.identity == expected_identity


def test_aldi_promotional_products_are_also_in_a_department(sim: SimulatorServer) -> None:
    """The issue's example: products the corpus has only under "Front of Store" or "Limited
    Time Only" sit in a merchandise leaf, and stay listed under their promotional root."""
    truth = {p["name"]: p for p in sim.truth("aldi", "G102")["products"]}
    tree = send(aldi.categories_request(sim.base_url("aldi"), store_id="G102")).json()
    leaves = {c.key: c.path for c in aldi.parse_categories(tree)}
    everything = {c.key: c.path for c in aldi.parse_categories(tree, skip_roots=())}
    for name, root in (
        ("Le Bag Recyclé", "Front Of Store"),
        ("Sweet & Sour Pork Meal Kit 800g", "Limited Time Only"),
    ):
        product = truth[name]
        assert product["category"] in leaves, leaves.get(product["category"])
        promo = next(k for k, path in everything.items() if path[0] == root and k not in leaves)
        reply = send(
            aldi.search_request(
                sim.base_url("aldi"), Category(promo, "", everything[promo]), 0, store_id="G102"
            )
        )
        page = aldi.parse_search(reply.json(), store_id="G102", offset=0)
        assert product["sku"] in page.skus


# ------------------------------------------------------------- corpus and simulator alike


def _corpus_capture(name: str) -> Any:
    path = CORPUS / "api_captures" / name
    if not path.is_file():
        missing(f"{path} is not present")
    return capture_body(gzip.decompress(path.read_bytes()).decode("utf-8"))


def test_simulator_category_payloads_parse_like_the_corpus_captures(
    sim: SimulatorServer,
) -> None:
    shop = next(s for s in sim.state.stores.stores["iga"] if s.store_id == "14850").tag
    assert shop is not None
    served = {
        "aldi": aldi.parse_categories(
            send(aldi.categories_request(sim.base_url("aldi"), store_id="G102")).json()
        ),
        "woolworths": woolworths.parse_categories(
            send(woolworths.categories_request(sim.base_url("woolworths"))).json()
        ),
        "iga": iga.parse_categories(
            send(iga.categories_request(sim.base_url("iga"), shop_id=shop)).json()
        ),
    }
    assert served["aldi"] == aldi.parse_categories(_corpus_capture("aldi_categories_api.txt.gz"))
    assert served["woolworths"] == woolworths.parse_categories(
        _corpus_capture("woolworths_categories_api.txt.gz")
    )
    assert served["iga"] == iga.parse_categories(_corpus_capture("iga_categories_api.txt.gz"))
    # The menu's product counts are the store's own: departments without products at this
    # store are left out, the rest are the captured menu's categories.
    corpus_menu = coles.parse_menu(_corpus_capture("coles_category_api.txt.gz"))
    session = cookie_dict(coles_session(sim.url))
    menu = send(coles.menu_request(sim.base_url("coles"), store_id="COL:401"), session).json()
    served_menu = coles.parse_menu(menu)
    departments = {p.leaf for p in sim.state.catalogue.products["coles"]}
    assert set(served_menu) <= set(corpus_menu)
    assert {c.slug for c in served_menu} == departments


# The simulator's price model gives Aldi no specials (Aldi prices are per state only), so
# its product search never carries a ``wasPriceDisplay``; the reference payload has one.
KNOWN_GAPS = {"aldi": {"was_price"}}


def _filled(items: Iterable[ProductItem]) -> set[str]:
    """Names of the ProductItem fields some item fills (page bookkeeping left out)."""
    names = {f.name for f in fields(ProductItem)} - {"page", "observed_on", "store_id"}
    return {n for n in names for item in items if getattr(item, n) not in (None, "", [])}


def _reference(name: str) -> Any:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return text if name.endswith(".html") else json.loads(text)


def test_simulator_listings_fill_every_field_the_reference_listings_fill(
    sim: SimulatorServer,
) -> None:
    """The same listing parser on a reference payload and on simulator pages: whatever a
    real payload yields (was-price, unit price, barcode, ...) the simulator's yields too."""
    crawled: dict[str, list[ProductItem]] = {}
    reference: dict[str, list[ProductItem]] = {}
    base = sim.base_url("aldi")
    category = Category("950000000", "fruits-vegetables", ("Fruits & Vegetables",))
    crawled["aldi"] = []
    for offset in range(0, 300, 30):
        reply = send(aldi.search_request(base, category, offset, store_id="G102"))
        crawled["aldi"] += aldi.parse_search(reply.json(), store_id="G102", offset=offset).items
    reference["aldi"] = aldi.parse_search(
        _reference("aldi/product_search.json"), store_id="G102", offset=0
    ).items

    base = sim.base_url("woolworths")
    categories = woolworths.parse_categories(send(woolworths.categories_request(base)).json())
    crawled["woolworths"] = []
    for category in categories[:40]:
        reply = send(woolworths.browse_request(base, category, 1, store_id="1147"))
        crawled["woolworths"] += woolworths.parse_browse(
            reply.json(), store_id="1147", page=1, base_url=base
        ).items
    reference["woolworths"] = woolworths.parse_browse(
        _reference("woolworths/browse_page.json"), store_id="4373", page=1, base_url=base
    ).items

    shop = next(s for s in sim.state.stores.stores["iga"] if s.store_id == "14850").tag
    assert shop is not None
    base = sim.base_url("iga")
    categories = iga.parse_categories(send(iga.categories_request(base, shop_id=shop)).json())
    crawled["iga"] = []
    for category in categories[:40]:
        reply = send(iga.search_request(base, category, 0, shop_id=shop))
        crawled["iga"] += iga.parse_search(reply.json(), store_id="14850", skip=0).items
    reference["iga"] = [
        item
        for name in ("iga/search_fruit.json", "iga/search_special.json")
        for item in iga.parse_search(_reference(name), store_id="14573", skip=0).items
    ]

    base = sim.base_url("coles")
    session = cookie_dict(coles_session(sim.url))
    crawled["coles"] = []
    for slug in ("fruit-vegetables", "pantry", "drinks"):
        reply = send(coles.browse_request(base, slug, 1, store_id="COL:401"), session)
        crawled["coles"] += coles.parse_browse_page(
            reply.text, store_id="COL:401", page=1, base_url=base
        ).items
    reference["coles"] = coles.parse_browse_page(
        _reference("coles/browse_fruit_vegetables_page1.html"),
        store_id="COL:401",
        page=1,
        base_url=base,
    ).items

    for company, items in reference.items():
        assert items and crawled[company], company
        missing = _filled(items) - _filled(crawled[company]) - KNOWN_GAPS.get(company, set())
        assert not missing, f"{company}: simulator items never fill {sorted(missing)}"
