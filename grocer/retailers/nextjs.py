"""Reading Next.js HTML pages: the ``__NEXT_DATA__`` JSON and ld+json Product GTINs.

String scanning only (no DOM parse): browse pages are large and parsed once per 48 products.
"""

from __future__ import annotations

import re
from typing import Any

from grocer.retailers.common import (
    BlockedPage,
    MalformedPayload,
    clean_text,
    dig,
    loads_json,
    require_dict,
)

_NEXT_DATA_RE = re.compile(r"""<script\b[^>]*\bid\s*=\s*["']__NEXT_DATA__["'][^>]*>""", re.I)
_LD_JSON_RE = re.compile(
    r"""<script\b[^>]*\btype\s*=\s*["']application/ld\+json["'][^>]*>(.*?)</script>""",
    re.I | re.S,
)
GTIN_KEYS = ("gtin", "gtin13", "gtin14")  # never ``mpn``: it is a manufacturer part number


def has_next_data(html: str) -> bool:
    """True when the page carries a ``<script id="__NEXT_DATA__">`` (i.e. is not blocked)."""
    return _NEXT_DATA_RE.search(html) is not None


def extract_next_data(html: str) -> dict[str, Any]:
    """The decoded ``__NEXT_DATA__`` object of an HTML page.

    Raises BlockedPage when the script is absent, MalformedPayload when it is cut off or
    is not a JSON object.
    """
    match = _NEXT_DATA_RE.search(html)
    if match is None:
        raise BlockedPage("no __NEXT_DATA__ script: bot-protection page")
    end = html.find("</script>", match.end())
    if end < 0:
        raise MalformedPayload("__NEXT_DATA__ script is not closed (truncated page)")
    return require_dict(loads_json(html[match.end() : end]), "__NEXT_DATA__")


def page_props(data: dict[str, Any]) -> dict[str, Any]:
    """``props.pageProps`` (HTML) or top-level ``pageProps`` (``/_next/data/...json``)."""
    props = dig(data, "props", "pageProps")
    if not isinstance(props, dict):
        props = dig(data, "pageProps")
    if not isinstance(props, dict):
        raise MalformedPayload("no pageProps object")
    return props


def ld_json_gtin(html: str) -> str | None:
    """``gtin``, ``gtin13`` or ``gtin14`` of the first ld+json ``Product``; None without one.

    Scripts that are not valid JSON are skipped; ``@graph`` lists and ``@type`` lists work.
    """
    for match in _LD_JSON_RE.finditer(html):
        try:
            data = loads_json(match.group(1))
        except MalformedPayload:
            continue
        nodes = data if isinstance(data, list) else [data]
        if isinstance(data, dict) and isinstance(data.get("@graph"), list):
            nodes = data["@graph"]
        for node in nodes:
            kind = dig(node, "@type")
            if kind == "Product" or (isinstance(kind, list) and "Product" in kind):
                for key in GTIN_KEYS:
                    gtin = clean_text(node.get(key))
                    if gtin:
                        return gtin.strip()
                return None
    return None
