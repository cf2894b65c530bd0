"""Per-retailer URLs, request builders and pure payload parsers (no I/O, no Scrapy).

Spiders stay thin and call these functions; ``RETAILERS`` maps a company slug to its module.
"""

from __future__ import annotations

from types import MappingProxyType, ModuleType

from grocer.constants import ALDI, COLES, IGA, WOOLWORTHS
from grocer.retailers import aldi, coles, iga, woolworths

RETAILERS: MappingProxyType[str, ModuleType] = MappingProxyType(
    {COLES: coles, WOOLWORTHS: woolworths, ALDI: aldi, IGA: iga}
)

__all__ = ["RETAILERS", "aldi", "coles", "iga", "woolworths"]
