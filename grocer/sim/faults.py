"""Injectable faults, configurable per retailer and deterministic given a seed.

Spec syntax (CLI ``--faults``): comma-separated ``[company:]kind=value`` items, e.g.
``"aldi:429=0.05,woolworths:truncated=0.02,coles:wrong_store=0.01,latency=20ms"``.
Kinds with a probability: ``429``, ``503``, ``drop`` (connection closed without a response),
``timeout`` (hang for ``hang`` seconds, default 30, then close), ``malformed`` (broken JSON),
``truncated`` (JSON cut short), ``wrong_store`` (Coles ``initStoreId`` / Woolworths
``FulfilmentStoreId`` of another store).  ``latency`` takes ``20ms`` or seconds; ``retry_after``
(seconds, default 1) and ``hang`` are plain numbers.  Without a company prefix an item applies
to every retailer.

A fault is decided from (seed, retailer, request key, attempt number), so the same sequence of
requests meets the same faults; a request never fails more than ``MAX_CONSECUTIVE`` times in a
row, so a retried request always gets a good answer eventually.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from grocer.sim.rng import text_seed, unit

FAULT_KINDS = ("429", "503", "drop", "timeout", "malformed", "truncated", "wrong_store")
COMPANIES = ("coles", "woolworths", "aldi", "iga")
MAX_CONSECUTIVE = 2


@dataclass
class RetailerFaults:
    """The fault settings of one retailer."""

    rates: dict[str, float] = field(default_factory=dict)
    latency: float = 0.0  # seconds added to every response
    retry_after: int = 1
    hang: float = 30.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "rates": dict(self.rates),
            "latency": self.latency,
            "retry_after": self.retry_after,
            "hang": self.hang,
        }


def _seconds(value: str) -> float:
    text = value.strip().lower()
    if text.endswith("ms"):
        return float(text[:-2]) / 1000
    if text.endswith("s"):
        return float(text[:-1])
    return float(text)


def parse_faults(spec: str | dict[str, Any] | None) -> dict[str, RetailerFaults]:
    """Parse a fault spec string (or a dict of the same items) into per-retailer settings.

    A dict may map ``"company:kind"`` or ``"kind"`` to a value, or a company to a dict of
    kinds.  Unknown kinds or companies raise ``ValueError``.
    """
    items: list[tuple[str | None, str, str]] = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key in COMPANIES and isinstance(value, dict):
                items.extend((key, str(k), str(v)) for k, v in value.items())
            else:
                company, _, kind = key.rpartition(":")
                items.append((company or None, kind, str(value)))
    elif spec:
        for raw in spec.split(","):
            if not raw.strip():
                continue
            key, sep, value = raw.strip().partition("=")
            if not sep:
                raise ValueError(f"fault item without '=': {raw!r}")
            company, _, kind = key.strip().rpartition(":")
            items.append((company or None, kind.strip(), value.strip()))
    result = {company: RetailerFaults() for company in COMPANIES}
    for company, kind, value in items:
        if company is not None and company not in COMPANIES:
            raise ValueError(f"unknown retailer in fault spec: {company!r}")
        targets = [company] if company else list(COMPANIES)
        for target in targets:
            settings = result[target]
            if kind == "latency":
                settings.latency = _seconds(value)
            elif kind == "retry_after":
                settings.retry_after = int(_seconds(value))
            elif kind == "hang":
                settings.hang = _seconds(value)
            elif kind in FAULT_KINDS:
                rate = float(value)
                if not 0 <= rate <= 1:
                    raise ValueError(f"fault rate out of [0, 1]: {raw_item(company, kind, value)}")
                settings.rates[kind] = rate
            else:
                raise ValueError(f"unknown fault kind: {kind!r}")
    return result


def raw_item(company: str | None, kind: str, value: str) -> str:
    """A spec item as text (for messages)."""
    return f"{company + ':' if company else ''}{kind}={value}"


class FaultInjector:
    """Decides, per request, which fault (if any) to inject."""

    def __init__(self, spec: str | dict[str, Any] | None = None, seed: int = 0) -> None:
        self.seed = seed
        self.settings = parse_faults(spec)
        self._attempts: dict[tuple[str, str], int] = {}
        self._streak: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def configure(self, spec: str | dict[str, Any] | None) -> None:
        """Replace the fault settings (attempt counters are kept)."""
        self.settings = parse_faults(spec)

    def latency(self, company: str) -> float:
        """Seconds of latency to add to every response of ``company``."""
        return self.settings[company].latency

    def decide(self, company: str, key: str) -> str | None:
        """The fault kind to inject for this request, or None for a good answer."""
        settings = self.settings[company]
        if not settings.rates:
            return None
        with self._lock:
            counter = (company, key)
            attempt = self._attempts.get(counter, 0)
            self._attempts[counter] = attempt + 1
            if self._streak.get(counter, 0) >= MAX_CONSECUTIVE:
                self._streak[counter] = 0
                return None
            draw = unit(self.seed, text_seed(company), text_seed(key), attempt)
            chosen = None
            threshold = 0.0
            for kind in FAULT_KINDS:
                threshold += settings.rates.get(kind, 0.0)
                if draw < threshold:
                    chosen = kind
                    break
            self._streak[counter] = self._streak.get(counter, 0) + 1 if chosen else 0
            return chosen

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready settings."""
        return {company: s.as_dict() for company, s in self.settings.items()}
