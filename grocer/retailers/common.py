"""Shared pieces of the retailer parsers: request specs, results, exceptions, value helpers.

Everything here is pure: no I/O, no Scrapy. Parsers never crash on junk values; they return
None for a value they cannot read and raise only the exceptions defined below.  A product's
name, brand and price are the exception: a value of the wrong JSON type there (a number as
brand, a list as name, a price text that is no number) is passed through as it came
(:func:`text_or_raw`, :func:`number_or_raw`), so validation rejects that one product with
``bad_type:<field>``, as ``grocer ingest`` does with the same record, and the page's other
products are kept.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from grocer.constants import PROMOTIONAL_ROOTS, STATE_TIMEZONES
from grocer.items import ProductItem


class RetailerError(Exception):
    """Base class of the errors a retailer parser raises on a whole payload."""


class MalformedPayload(RetailerError):
    """The body is not the JSON (or HTML) it should be: truncated, invalid or the wrong shape."""


class BlockedPage(RetailerError):
    """Coles served a bot-protection page instead of the app (no ``__NEXT_DATA__``)."""


class StoreMismatch(RetailerError):
    """The payload belongs to another store than the one requested; its prices must not land."""

    def __init__(self, expected: str, found: str | None) -> None:
        super().__init__(f"store mismatch: expected {expected}, page is for {found!r}")
        self.expected = expected
        self.found = found


@dataclass(frozen=True)
class RequestSpec:
    """A request described without Scrapy; spiders turn it into a ``scrapy.Request``."""

    url: str
    method: str = "GET"
    headers: Mapping[str, str] = field(default_factory=dict)
    cookies: Mapping[str, str] = field(default_factory=dict)
    body: Any = None  # JSON-able object, sent as JSON; None for no body
    meta: Mapping[str, Any] = field(default_factory=dict)

    def json_body(self) -> bytes | None:
        """The body encoded as compact JSON bytes, or None."""
        if self.body is None:
            return None
        return json.dumps(self.body, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Category:
    """A leaf category to crawl: its retailer key, its URL slug and its path, root first."""

    key: str
    slug: str
    path: tuple[str, ...]


@dataclass
class ListingPage:
    """One parsed listing page: its items and where the listing goes next.

    ``next_page`` is the next page number (Coles, Woolworths) or offset (Aldi ``offset``,
    IGA ``skip``); None means the listing has ended and no further page may be requested.
    """

    items: list[ProductItem]
    next_page: int | None
    total: int | None = None
    skus: frozenset[str] = frozenset()
    skipped: Counter[str] = field(default_factory=Counter)


def loads_json(text: str | bytes) -> Any:
    """Decode JSON text, raising :class:`MalformedPayload` (not ValueError) on bad input."""
    try:
        return json.loads(text)
    except (ValueError, TypeError) as exc:  # JSONDecodeError and UnicodeDecodeError
        raise MalformedPayload(f"invalid JSON: {exc}") from exc


def require_dict(payload: Any, what: str) -> dict[str, Any]:
    """Return ``payload`` if it is a JSON object, else raise :class:`MalformedPayload`."""
    if not isinstance(payload, dict):
        raise MalformedPayload(f"{what}: expected a JSON object, got {type(payload).__name__}")
    return payload


def dig(obj: Any, *path: str | int) -> Any:
    """Walk dict keys and list indexes; None as soon as a step is missing or the wrong type."""
    for step in path:
        if isinstance(step, int):
            if not isinstance(obj, list) or not -len(obj) <= step < len(obj):
                return None
        elif not isinstance(obj, dict):
            return None
        obj = obj[step] if isinstance(step, int) else obj.get(step)
    return obj


def objects_only(values: Iterable[Any], skipped: Counter[str]) -> Iterator[dict[str, Any]]:
    """The JSON objects among ``values``; anything else is counted as ``not_an_object``."""
    for value in values:
        if isinstance(value, dict):
            yield value
        else:
            skipped["not_an_object"] += 1


def as_list(value: Any) -> list[Any]:
    """The value if it is a JSON array, else an empty list (never iterate junk)."""
    return value if isinstance(value, list) else []


def to_decimal(value: Any) -> Decimal | None:
    """A finite Decimal from an int, float or numeric string; None for anything else."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            result = Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            return None
        return result if result.is_finite() else None
    return None


def cents_to_dollars(value: Any) -> Decimal | None:
    """Cents (469) to dollars (Decimal("4.69")); None when the value is not numeric."""
    cents = to_decimal(value)
    return None if cents is None else cents.scaleb(-2)


_MONEY_RE = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")


def money_from_text(text: Any) -> Decimal | None:
    """The first amount in a display text ("$4.99", "was $12.00"); None without one."""
    if not isinstance(text, str):
        return None
    match = _MONEY_RE.search(text)
    return to_decimal(match.group(0)) if match else None


def to_float(value: Any) -> float | None:
    """A finite float from a number or numeric string (coordinates); None otherwise."""
    number = to_decimal(value)
    return float(number) if number is not None else None


def coordinates(latitude: Any, longitude: Any) -> tuple[float | None, float | None]:
    """(lat, lon) as floats; (None, None) when either is missing or both are 0 (junk)."""
    lat, lon = to_float(latitude), to_float(longitude)
    if lat is None or lon is None or (lat == 0 and lon == 0):
        return None, None
    return lat, lon


def clean_text(value: Any) -> str | None:
    """The value as text if it has any non-blank content, else None (verbatim otherwise)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value
    return None


def text_or_raw(value: Any) -> Any:
    """Text as :func:`clean_text` reads it (blank -> None); a value of another JSON type
    (number, boolean, list, object) unchanged, for validation to reject as ``bad_type``."""
    if value is None or isinstance(value, str):
        return clean_text(value)
    return value


def number_or_raw(value: Any, scale: int = 0) -> Any:
    """A number as :func:`to_decimal` reads it (times ``10**scale``: -2 for cents), None when
    absent or blank; anything else unchanged (``"abc"``, a list, NaN), for validation to
    reject as ``bad_type``."""
    number = to_decimal(value)
    if number is not None:
        return number.scaleb(scale) if scale else number
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value


def sku_text(value: Any) -> str:
    """A product id as text ("" when missing, so validation rejects it as missing_sku)."""
    text = clean_text(value)
    return text.strip() if text else ""


def to_bool(value: Any) -> bool | None:
    """A JSON boolean as bool; None for anything that is not a boolean."""
    return value if isinstance(value, bool) else None


_WORD_RE = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def title_case_word(match: re.Match[str]) -> str:
    """Capitalise one word, keeping an apostrophe's tail lower case ("Children's")."""
    word = match.group(0)
    return word[:1].upper() + word[1:].lower()


def title_case(text: str) -> str:
    """``str.title()`` without its apostrophe quirk: "children's" -> "Children's"."""
    return _WORD_RE.sub(title_case_word, text.strip())


def title_case_path(parts: Iterable[Any] | None) -> list[str]:
    """RETAILERS §8.3 category path: each part stripped and title-cased, blanks dropped,
    consecutive and repeated duplicates removed (order kept).

    Deliberately unlike ``str.title()``: "Children's" stays "Children's" (not "Children'S").
    Kept from ``title()``: "Fruit & Veg", "Graze Grass-Fed Lamb", "BBQ" -> "Bbq".
    """
    path: list[str] = []
    for part in parts or ():
        text = clean_text(part)
        if text is None:
            continue
        titled = title_case(text)
        if titled not in path:
            path.append(titled)
    return path


def lower_set(names: Iterable[str]) -> frozenset[str]:
    """Names lower-cased and stripped, for :func:`is_promotional`."""
    return frozenset(name.strip().lower() for name in names)


_PROMOTIONAL = lower_set(PROMOTIONAL_ROOTS)


def is_promotional(name: Any, slug: Any, roots: frozenset[str] = _PROMOTIONAL) -> bool:
    """True when a category's name or slug is one of ``roots`` (lower-cased, see
    :func:`lower_set`), compared case-insensitively; default: PROMOTIONAL_ROOTS."""
    return any(isinstance(v, str) and v.strip().lower() in roots for v in (name, slug))


def store_number(raw: Any) -> int | None:
    """The numeric part of a store id: "COL:0401" -> 401, "0401" -> 401, 1147 -> 1147."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if not isinstance(raw, str):
        return None
    tail = raw.strip().rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() and tail.isascii() else None


def clean_postcode(raw: Any) -> str | None:
    """Australian postcode text: 3 digits zero-padded ("800" -> "0800"), 4 kept, else None."""
    text = clean_text(raw)
    if text is None:
        return None
    text = text.strip()
    if text.isdigit() and len(text) == 3:
        return "0" + text
    return text if text.isdigit() and len(text) == 4 else None


def clean_state(raw: Any) -> str | None:
    """Australian state code ("nsw " -> "NSW"); None when it is not one of the eight."""
    text = clean_text(raw)
    code = text.strip().upper() if text else None
    return code if code in STATE_TIMEZONES else None
