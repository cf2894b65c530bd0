"""The synthetic database of bench/api.py: a chain of stores, products named from word lists
and a change-only price history, written through grocer's own schema and bulk helpers.

Products are ``<brand> <descriptor> <noun> <size>`` ("Helga's Wholemeal Bread 750g") from
category word lists, so a one-word search (a noun or a brand) matches a few hundred products
and a two-word one (descriptor and noun) a few dozen.  Each product has one or two listings
(companies' SKUs); each listing is priced at a few stores of its company, each (store, listing)
as several contiguous intervals over :data:`DAYS` days up to :data:`AS_OF` (regular prices
drifting, specials with a was-price between them).  Rows are inserted day by day, as crawls
would have written them.  Four products in five have a GTIN; most have up to three
substitutes (same noun).  Every store has one complete crawl run observed on ``AS_OF``, so
``default_as_of()`` is ``AS_OF``.  No zones, categories or embeddings.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, insert

from grocer.constants import COMPANY_LIST, COMPLETE
from grocer.db.bulk import insert_returning_ids, insert_rows
from grocer.db.models import Brand, CrawlRun, Listing, Price, Product, Store, Substitution
from grocer.db.search import rebuild
from grocer.db.store_rows import COMPANY_IDS, timezone_for_state
from grocer.normalize.price_state import price_hash
from grocer.normalize.sizes import extract_sizes, format_sizes
from grocer.progress import progress

AS_OF = date(2025, 9, 30)
DAYS = 60
STORES = 200
INTERVALS = 5  # the mean price intervals per (store, listing) aimed at
BATCH = 50_000
VERSION = 1  # bump when the data written changes: a reused database is rebuilt

# (label, brands, descriptors, nouns, unit, sizes, dollars per unit low-high)
_CATEGORIES = [
    ("Bakery", "Helga's,Tip Top,Wonder,Bürgen,Abbott's Village Bakery,Mighty Soft,Country Life",
     "Wholemeal,White,Multigrain,Sourdough,Rye,Seeded,Spelt,Soft,Rustic,Toasted",
     "Bread,Loaf,Rolls,Wraps,Crumpets,Muffins,Bagels,Buns,Pita,Scrolls",
     "kg", "400g,500g,600g,680g,750g,800g", (4, 12)),
    ("Breakfast", "Kellogg's,Sanitarium,Uncle Tobys,Carman's,Freedom Foods,Be Natural,Vogel's",
     "Original,Crunchy,Toasted,Honey,Natural,Classic,Protein,Fruity",
     "Cereal,Muesli,Oats,Granola,Flakes,Porridge,Clusters,Bars", "kg", "300g,500g,750g,1kg",
     (6, 20)),
    ("Pantry", "SunRice,San Remo,Barilla,Latina,White Wings,CSR,Macro,McKenzie's",
     "Organic,Brown,Jasmine,Basmati,Wholegrain,Premium,Plain,Fine,Long,Medium",
     "Rice,Pasta,Spaghetti,Penne,Fettuccine,Flour,Sugar,Lentils,Couscous,Quinoa,Noodles", "kg",
     "500g,1kg,2kg,5kg", (2, 8)),
    ("Milk", "Pauls,Dairy Farmers,a2,Devondale,Norco,Harvey Fresh,Sungold,Oak",
     "Skim,Lite,Lactose,Organic,Barista,Fresh,Full,Farmhouse", "Milk,Cream,Custard,Kefir",
     "l", "600ml,1L,2L,3L", (1.5, 4)),
    ("Dairy", "Bega,Western Star,Mainland,Perfect Italiano,Jalna,Chobani,Yoplait,Danone",
     "Tasty,Mild,Vintage,Smoked,Greek,Natural,Vanilla,Strawberry,Light,Creamy",
     "Cheese,Cheddar,Mozzarella,Parmesan,Feta,Butter,Spread,Yoghurt,Dip", "kg",
     "150g,250g,500g,1kg", (10, 30)),
    ("Snacks", "Smith's,Red Rock Deli,Kettle,Doritos,Arnott's,Cadbury,Lindt,Nestlé,Allen's",
     "Salted,Crinkle,Sweet,Chilli,Sour,Milk,Dark,Caramel,Original,Barbecue",
     "Chips,Crisps,Crackers,Biscuits,Cookies,Chocolate,Lollies,Popcorn,Pretzels,Wafers,Nuts",
     "kg", "45g,150g,170g,250g,380g", (10, 40)),
    ("Drinks", "Coca-Cola,Pepsi,Schweppes,Bundaberg,Kirks,Nudie,Berri,Golden Circle,Remedy",
     "Zero,Diet,Classic,Sparkling,Still,Orange,Apple,Tropical,Lemon,Ginger",
     "Cola,Lemonade,Juice,Water,Cordial,Kombucha,Soda,Tonic", "l", "375ml,600ml,1.25L,2L",
     (1, 6)),
    ("Hot drinks", "Moccona,Nescafé,Vittoria,Lavazza,Twinings,Lipton,Bushells,Dilmah,Milo",
     "Classic,Dark,Roast,Espresso,Decaf,Smooth,Rich,Green,Earl,Herbal",
     "Coffee,Beans,Capsules,Tea,Teabags,Chai,Cocoa,Malt", "kg", "50g,100g,200g,500g,1kg",
     (20, 80)),
    ("Meat", "Ingham's,Steggles,Primo,Don,KR Castlemaine,John West,Sirena,Tassal,Hans",
     "Lean,Smoked,Marinated,Crumbed,Honey,Peppered,Lemon,Garlic,Premium,Free",
     "Chicken,Beef,Mince,Lamb,Pork,Sausages,Bacon,Ham,Salmon,Tuna,Prawns,Schnitzel,Fillets",
     "kg", "250g,500g,750g,1kg", (8, 40)),
    ("Frozen", "Birds Eye,McCain,Patties,Streets,Peters,Connoisseur,Bulla,Four'N Twenty",
     "Classic,Family,Gourmet,Crispy,Golden,Steam,Mixed,Deluxe,Mini,Beef",
     "Peas,Corn,Vegetables,Fries,Wedges,Pies,Pizza,Lasagne,Dumplings,Icecream,Nuggets", "kg",
     "300g,500g,1kg,2kg", (4, 15)),
    ("Produce", "Perfection Fresh,Costa,Zespri,Driscoll's,Mr Apple,Harvest Fresh,OneHarvest",
     "Fresh,Organic,Baby,Red,Green,Sweet,Gala,Snack,Royal,Kent",
     "Apples,Bananas,Carrots,Potatoes,Tomatoes,Onions,Mushrooms,Spinach,Grapes,Strawberries,"
     "Blueberries,Avocados,Capsicums,Lemons,Pears,Mandarins", "kg", "250g,500g,1kg,1.5kg,2kg",
     (2, 20)),
    ("Cleaning", "Finish,Morning Fresh,Omo,Cold Power,Dynamo,Earth Choice,Pine O Cleen,Ajax",
     "Lemon,Original,Lavender,Sensitive,Concentrated,Ultra,Eucalyptus,Power,Citrus,Fresh",
     "Detergent,Liquid,Cleaner,Bleach,Softener,Disinfectant,Spray,Dishwash", "l",
     "500ml,1L,2L,4L", (3, 15)),
    ("Paper", "Kleenex,Sorbent,Quilton,Huggies,Babylove,Colgate,Oral-B,Gillette,Duracell,Glad",
     "Soft,Ultra,Extra,Sensitive,Whitening,Premium,Value,Jumbo,Compact,Gentle",
     "Tissues,Towels,Nappies,Wipes,Toothbrush,Razors,Batteries,Bags,Sponges,Cloths", "ea",
     "4 pack,6 pack,9 pack,12 pack,24 pack,100 pack", (0.05, 2)),
    ("Personal", "Dove,Pantene,Palmolive,Sukin,Nivea,Rexona,Listerine,Herbal Essences,Tresemmé",
     "Moisturising,Repair,Volume,Fresh,Sensitive,Coconut,Argan,Men,Natural,Daily",
     "Shampoo,Conditioner,Bodywash,Deodorant,Lotion,Mouthwash,Soap,Handwash,Serum", "l",
     "250ml,400ml,500ml,1L", (8, 40)),
    ("Condiments", "Heinz,MasterFoods,Leggo's,Praise,Fountain,Beerenberg,Mutti,Dolmio,Kewpie",
     "Tomato,Barbecue,Smoky,Sweet,Hot,Original,Whole,Garlic,Basil,Mild",
     "Sauce,Ketchup,Mayonnaise,Mustard,Relish,Chutney,Salsa,Pesto,Passata,Gravy,Stock,Soup",
     "kg", "250g,375g,500g,700g,1kg", (4, 20)),
    ("Canned", "SPC,Edgell,Golden Circle,Ardmona,Campbell's,Continental,Maggi,Heinz",
     "Diced,Baked,Sliced,Chunky,Creamy,Crushed,Condensed,Instant,Classic,Reduced",
     "Beans,Peaches,Pineapple,Chickpeas,Tomatoes,Beetroot,Noodles,Spaghetti,Corn,Soup", "kg",
     "220g,300g,400g,800g", (2, 10)),
]  # fmt: skip
_CITIES = [  # (state, latitude, longitude, stores' share)
    ("NSW", -33.87, 151.21, 0.32), ("VIC", -37.81, 144.96, 0.26), ("QLD", -27.47, 153.03, 0.2),
    ("WA", -31.95, 115.86, 0.11), ("SA", -34.93, 138.60, 0.08), ("TAS", -42.88, 147.33, 0.03),
]  # fmt: skip
_COMPANY_SHARE = {"coles": 0.3, "woolworths": 0.3, "aldi": 0.15, "iga": 0.25}
_SITES = {"coles": "https://www.coles.com.au/product/", "aldi": "https://www.aldi.com.au/product/",
          "woolworths": "https://www.woolworths.com.au/shop/productdetails/",
          "iga": "https://www.igashop.com.au/product/"}  # fmt: skip


@dataclass(frozen=True)
class Category:
    label: str
    brands: tuple[str, ...]
    descriptors: tuple[str, ...]
    nouns: tuple[str, ...]
    unit: str  # "kg", "l" or "ea"
    sizes: tuple[tuple[str, float], ...]  # (size text, quantity in unit)
    per_unit: tuple[float, float]  # dollars per unit, low and high


def _quantity(size: str) -> float:
    number = float("".join(ch for ch in size if ch.isdigit() or ch == "."))
    return number / 1000 if size.endswith(("g", "ml")) and not size.endswith("kg") else number


CATEGORIES = tuple(
    Category(label, tuple(b.split(",")), tuple(d.split(",")), tuple(n.split(",")), unit,
             tuple((s, _quantity(s)) for s in sizes.split(",")), per_unit)
    for label, b, d, n, unit, sizes, per_unit in _CATEGORIES
)  # fmt: skip


def random_query(rng: random.Random) -> str:
    """A search as a shopper types it: a noun (40%), a brand's first word (20%), or a
    descriptor and a noun of one category (40%), in lower case."""
    category = rng.choice(CATEGORIES)
    roll = rng.random()
    if roll < 0.4:
        return rng.choice(category.nouns).lower()
    if roll < 0.6:
        return rng.choice(category.brands).split()[0].lower()
    return f"{rng.choice(category.descriptors)} {rng.choice(category.nouns)}".lower()


def _gtin13(number: int) -> str:
    body = f"93{number:010d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _cents(value: int) -> Decimal:
    return Decimal(value).scaleb(-2)


@dataclass
class _States:
    """Distinct price states (with their hash) by key, and their columns for inserting."""

    index: dict[tuple[Any, ...], int]
    rows: list[dict[str, Any]]

    def state(self, price: int, was: int | None, quantity: float, unit: str, promo: str | None
              ) -> int:  # fmt: skip
        key = (price, was, quantity, unit, promo)
        found = self.index.get(key)
        if found is not None:
            return found
        money, was_money = _cents(price), None if was is None else _cents(was)
        unit_price = (money / Decimal(repr(quantity))).quantize(Decimal("0.0001"))
        special = was is not None
        digest = price_hash(money, was_money, unit_price, unit, special, promo)
        # stored as grocer.db.bulk's adapters store Decimals: text, which NUMERIC affinity
        # makes a number; converted once here rather than for each of a million rows
        self.rows.append(
            {"price": str(money), "was_price": None if was_money is None else str(was_money),
             "unit_price": str(unit_price), "unit": unit,
             "unit_text": f"${unit_price:.2f} per 1{unit}", "is_special": special,
             "promo_text": promo, "price_hash": digest}
        )  # fmt: skip
        self.index[key] = len(self.rows) - 1
        return len(self.rows) - 1


def _intervals(rng: random.Random, count: int) -> list[tuple[int, int]]:
    """``count`` contiguous (first day, last day) indexes; most reach the last day."""
    start = rng.randint(1, 20) if rng.random() < 0.15 else 0
    end = rng.randint(DAYS - 30, DAYS - 9) if rng.random() < 0.03 else DAYS - 1
    if end - start + 1 < count:
        start, end = 0, DAYS - 1
    cuts = sorted(rng.sample(range(start + 1, end + 1), count - 1))
    firsts = [start, *cuts]
    return [(a, b - 1) for a, b in zip(firsts, [*cuts, end + 1], strict=True)]


def _pair_prices(rng: random.Random, regular: int, count: int) -> Iterator[tuple[int, int | None]]:
    """(price, was price) of ``count`` consecutive intervals: drifting regular prices and
    specials (never two in a row)."""
    previous: tuple[int, int | None] | None = None
    for _ in range(count):
        if previous is not None and previous[1] is None and rng.random() < 0.35:
            cut = rng.choice((0.5, 0.6, 0.7, 0.75, 0.8, 0.85))
            current: tuple[int, int | None] = (max(10, round(regular * cut)), regular)
        else:
            step = rng.choice((-20, -10, 10, 20, 30, 50)) if previous else 0
            regular = max(50, regular + step)
            current = (regular, None)
        yield current
        previous = current


def _promo(price: int, was: int | None) -> str | None:
    if was is None:
        return None
    return "1/2 Price" if price * 2 == was else f"Save ${(was - price) / 100:.2f}"


def build(engine: Engine, products: int, prices: int, seed: int = 1) -> None:
    """Write the chain, ``products`` products and exactly ``prices`` price rows into the
    freshly migrated database of ``engine``, then rebuild the search index."""
    rng = random.Random(seed)
    start = datetime.combine(AS_OF, time(6), tzinfo=UTC)
    bar = progress(products * 2 + prices, "building", unit="rows")
    with engine.begin() as c:
        stores = _stores(c, rng)
        brand_ids = _brands(c)
        made = [_product(rng) for _ in range(products)]
        product_ids = insert_returning_ids(c, Product.__table__, [
            {"name": p.name, "brand_id": brand_ids[p.brand], "size_text": p.size,
             "sizes": _sizes(p.size), "matching_key": f"bench:{i}",
             "barcode": _gtin13(i) if i % 5 else None, "barcode_checked_at": None,
             "created_at": start - timedelta(days=DAYS)}
            for i, p in enumerate(made)
        ])  # fmt: skip
        _substitutes(c, rng, product_ids, made)
        bar.update(products)
        listing_rows, regulars = [], []
        skus = dict.fromkeys(COMPANY_LIST, 0)
        for pid, p in zip(product_ids, made, strict=True):
            companies = rng.choices(list(_COMPANY_SHARE), list(_COMPANY_SHARE.values()), k=2)
            for company in dict.fromkeys(companies[: 1 + (rng.random() < 0.5)]):
                skus[company] += 1
                sku = f"{COMPANY_IDS[company]}{skus[company]:06d}"
                listing_rows.append({
                    "company_id": COMPANY_IDS[company], "sku": sku, "product_id": pid,
                    "category_id": None, "url": f"{_SITES[company]}{sku}", "instore_code": None,
                })  # fmt: skip
                cents = round(p.cents * rng.uniform(0.9, 1.1) / 10) * 10 - 1  # $x.x9
                regulars.append((company, (cents, p.quantity, p.unit)))
        listing_ids = insert_returning_ids(c, Listing.__table__, listing_rows)
        bar.update(products)
        # per listing, a few stores of its company: about INTERVALS rows per (store, listing)
        per_listing = max(1, min(min(map(len, stores.values())),
                                 round(prices / (len(listing_ids) * INTERVALS))))  # fmt: skip
        pairs = [
            (store, lid, regular)
            for lid, (company, regular) in zip(listing_ids, regulars, strict=True)
            for store in rng.sample(stores[company], per_listing)
        ]
        base_count, extra = divmod(prices, len(pairs))
        counts = [base_count + (i < extra) for i in range(len(pairs))]
        if max(counts) > DAYS // 2:
            raise SystemExit(f"{prices} price rows is too many for {len(listing_ids)} listings")
        for i in range(0, len(pairs) - 1, 2):  # vary the counts, keeping their sum
            shift = rng.randint(0, min(counts[i], counts[i + 1]) - 1)
            counts[i], counts[i + 1] = counts[i] + shift, counts[i + 1] - shift
        states = _States({}, [])
        by_day: list[list[tuple[int, int, int, int, int]]] = [[] for _ in range(DAYS)]
        per_store = dict.fromkeys((store for store, *_ in pairs), 0)
        for (store, lid, (regular, quantity, unit)), count in zip(pairs, counts, strict=True):
            spans = _intervals(rng, count)
            for (first, last), (price, was) in zip(
                spans, _pair_prices(rng, regular, count), strict=True
            ):
                state = states.state(price, was, quantity, unit, _promo(price, was))
                by_day[first].append((store, lid, state, first, last))
            per_store[store] += spans[-1][1] == DAYS - 1
    _insert_prices(engine, by_day, states.rows, bar)
    with engine.begin() as c:
        c.execute(insert(CrawlRun), [
            {"spider": slug, "company_id": COMPANY_IDS[slug], "store_id": store,
             "observed_on": AS_OF, "started_at": start, "finished_at": start + timedelta(hours=1),
             "finish_reason": "finished", "status": COMPLETE, "attempt": 1, "node": "local",
             "items": per_store.get(store, 0), "rejected": 0}
            for slug, ids in stores.items() for store in ids
        ])  # fmt: skip
        rebuild(c)
    bar.close()
    with engine.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


class _Made(NamedTuple):
    name: str
    brand: str
    noun: str
    size: str
    cents: int  # the regular price
    quantity: float  # the size in ``unit``
    unit: str


def _product(rng: random.Random) -> _Made:
    category = rng.choices(CATEGORIES, [len(c.nouns) for c in CATEGORIES])[0]
    brand, noun = rng.choice(category.brands), rng.choice(category.nouns)
    size, quantity = rng.choice(category.sizes)
    name = f"{brand} {rng.choice(category.descriptors)} {noun} {size}"
    cents = max(50, round(100 * quantity * rng.uniform(*category.per_unit)))
    return _Made(name, brand, noun, size, cents, quantity, category.unit)


_SIZES: dict[str, str] = {}


def _sizes(text: str) -> str:
    if text not in _SIZES:
        _SIZES[text] = format_sizes(extract_sizes(text))
    return _SIZES[text]


def _stores(c: Connection, rng: random.Random) -> dict[str, list[int]]:
    """STORES stores over the companies and cities; their ids by company slug."""
    rows = []
    for n in range(STORES):
        company = COMPANY_LIST[n % len(COMPANY_LIST)]
        state, lat, lon, _ = rng.choices(_CITIES, [city[3] for city in _CITIES])[0]
        rows.append({"company_id": COMPANY_IDS[company], "retailer_store_id": f"B{n:04d}",
                     "name": f"{company.title()} Bench {n}", "address": f"{n} Bench Street",
                     "suburb": f"Suburb {n % 37}", "state": state, "postcode": f"{2000 + n}",
                     "latitude": round(lat + rng.uniform(-0.3, 0.3), 5),
                     "longitude": round(lon + rng.uniform(-0.3, 0.3), 5),
                     "timezone": timezone_for_state(state)})  # fmt: skip
    c.execute(insert(Store), rows)
    ids: dict[str, list[int]] = {slug: [] for slug in COMPANY_LIST}
    for store_id, company_id in c.exec_driver_sql("SELECT id, company_id FROM stores"):
        ids[COMPANY_LIST[company_id - 1]].append(store_id)
    return ids


def _brands(c: Connection) -> dict[str, int]:
    names = sorted({brand for category in CATEGORIES for brand in category.brands})
    c.execute(insert(Brand), [{"key": name.lower(), "name": name} for name in names])
    return {name: bid for bid, name in c.exec_driver_sql("SELECT id, name FROM brands")}


def _substitutes(c: Connection, rng: random.Random, ids: list[int], made: list[_Made]) -> None:
    """Up to three substitutes (same noun) for most products."""
    by_noun: dict[str, list[int]] = {}
    for pid, p in zip(ids, made, strict=True):
        by_noun.setdefault(p.noun, []).append(pid)
    links: dict[tuple[int, int], dict[str, Any]] = {}
    for pid, p in zip(ids, made, strict=True):
        same = by_noun[p.noun]
        for other in rng.sample(same, min(len(same), rng.randint(0, 3))):
            if other != pid:
                a, b = sorted((pid, other))
                links[a, b] = {"product_a": a, "product_b": b, "level": rng.randint(1, 4),
                               "score": round(rng.uniform(0.5, 1), 3)}  # fmt: skip
    insert_rows(c, Substitution.__table__, list(links.values()))


def _insert_prices(engine: Engine, by_day: list[list[tuple[int, ...]]],
                   states: list[dict[str, Any]], bar: Any) -> None:  # fmt: skip
    """The rows day by day (by store and listing within a day) on one connection, without
    foreign key checks, with a large page cache and the secondary indexes of ``prices``
    dropped, then built once."""
    days = [(AS_OF - timedelta(days=DAYS - 1 - d)).isoformat() for d in range(DAYS)]
    with engine.connect() as c:
        raw = c.connection.driver_connection  # outside grocer's transactions, as PRAGMAs must be
        for pragma in ("foreign_keys=OFF", "synchronous=OFF", "cache_size=-262144"):
            raw.execute(f"PRAGMA {pragma}")
        indexes = c.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'prices' "
            "AND sql IS NOT NULL"
        ).all()
        for name, _sql in indexes:
            c.exec_driver_sql(f"DROP INDEX {name}")
        c.commit()
        batch: list[dict[str, Any]] = []
        for rows in by_day:
            rows.sort()
            for store, listing, state, first, last in rows:
                batch.append({"store_id": store, "listing_id": listing, **states[state],
                              "first_seen": days[first], "last_seen": days[last]})  # fmt: skip
                if len(batch) == BATCH:
                    insert_rows(c, Price.__table__, batch)
                    c.commit()
                    bar.update(len(batch))
                    batch = []
        insert_rows(c, Price.__table__, batch)
        bar.update(len(batch))
        for _name, sql in indexes:
            c.exec_driver_sql(sql)
        c.commit()
        for pragma in ("foreign_keys=ON", "synchronous=NORMAL", "cache_size=-2000"):
            raw.execute(f"PRAGMA {pragma}")
