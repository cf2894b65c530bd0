"""Text cleaning shared by every normaliser: entities, accents, case and punctuation."""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

_NOT_WORD = re.compile(r"[^a-z0-9\s]")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=65536)
def ascii_fold(text: str) -> str:
    """Unescape HTML entities (twice, for double-escaped ``&amp;#039;``) and fold to ASCII."""
    unescaped = html.unescape(html.unescape(text))
    return unicodedata.normalize("NFKD", unescaped).encode("ascii", "ignore").decode("ascii")


def clean_text(text: str | None) -> str:
    """Lower-case ASCII words separated by single spaces, punctuation removed.

    >>> clean_text("Arnott's Café &amp; Crème")
    'arnotts cafe creme'
    """
    if not text:
        return ""
    folded = ascii_fold(text).lower()
    return _SPACES.sub(" ", _NOT_WORD.sub("", folded)).strip()


def words(text: str | None) -> list[str]:
    """The cleaned words of ``text`` in order."""
    return clean_text(text).split()


@lru_cache(maxsize=65536)
def display_text(text: str | None) -> str | None:
    """Entities unescaped and white space collapsed, for names shown to people."""
    if text is None:
        return None
    cleaned = _SPACES.sub(" ", html.unescape(html.unescape(text))).strip()
    return cleaned or None
