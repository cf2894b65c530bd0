"""GTIN (barcode) validation and canonical form.

Accepts EAN-8, UPC-A (12), EAN-13 and GTIN-14 with a valid GS1 check digit and stores them as
GTIN-13 (or GTIN-14 when the 14-digit code has a non-zero indicator).  In-store
variable-measure codes (GS1 prefixes 20-29, and UPC number system 2, i.e. leading ``02``) are
valid codes but are not a product's identity: the same code names different goods in
different stores.
"""

from __future__ import annotations

from dataclasses import dataclass

_PLACEHOLDERS = frozenset({"notfound", "not found", "null", "none", "nan", "n/a", "undefined"})
_LENGTHS = frozenset({8, 12, 13, 14})


@dataclass(frozen=True)
class Gtin:
    """A cleaned barcode: ``code`` is None when nothing valid was found (see ``error``)."""

    code: str | None
    instore: bool = False
    error: str | None = None

    @property
    def is_identity(self) -> bool:
        """True when the code identifies one product across stores and retailers."""
        return self.code is not None and not self.instore


def check_digit_ok(digits: str) -> bool:
    """GS1 mod-10 check: weights 3,1,3,... from the right, excluding the check digit."""
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def _canonical(digits: str) -> str:
    if len(digits) == 14 and digits[0] == "0":
        return digits[1:]
    return digits.zfill(13) if len(digits) < 13 else digits


def _is_instore(code: str) -> bool:
    if len(code) != 13:
        return False
    return code[0] == "2" or code.startswith("02") or code.startswith("000002")


def clean_gtin(raw: object) -> Gtin:
    """Validate a raw barcode and return its canonical GTIN.

    Absent values (None, empty) give ``Gtin(None)`` with no error; placeholders such as
    ``notfound``, letters, wrong lengths and bad check digits give ``Gtin(None, error=...)``.
    Comma-separated lists take the first valid code.

    >>> clean_gtin("123456789012").code
    '0123456789012'
    >>> clean_gtin("9310631635079").error
    'bad check digit'
    """
    if raw is None or isinstance(raw, bool):
        return Gtin(None)
    text = str(raw).strip().lower()
    if not text:
        return Gtin(None)
    if text in _PLACEHOLDERS:
        return Gtin(None, error="placeholder")
    error = "not digits"
    for part in (p.strip() for p in text.split(",")):
        if not part.isdigit() or not part.isascii():
            continue
        if len(part) not in _LENGTHS:
            error = "bad length"
            continue
        if not check_digit_ok(part):
            error = "bad check digit"
            continue
        code = _canonical(part)
        return Gtin(code, instore=_is_instore(code))
    return Gtin(None, error=error)
