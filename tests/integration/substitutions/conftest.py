"""Fixtures: one real encoder per session (the model loads once), planted snapshot files."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import orjson
import pytest

from grocer.analysis.substitutions.embeddings import Encoder
from grocer.sim.catalogue import gtin_check_digit

STORES = {"coles": "COL:401", "aldi": "G102", "iga": "14850"}


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    """The packaged all-MiniLM-L6-v2, loaded on first use and shared by every test."""
    return Encoder()


def gtin(n: int) -> str:
    body = f"93{n:010d}"
    return body + gtin_check_digit(body)


def write_snapshot(path: Path, company: str, products: list[dict[str, Any]]) -> Path:
    """A corpus-shaped JSONL snapshot of ``products`` at the company's test store."""
    with gzip.open(path, "wb") as handle:
        for k, product in enumerate(products):
            record = {
                "product": {"sku": str(1000 + k), "price_current": 2.5, **product},
                "metadata": {
                    "company": company,
                    "store_id": STORES[company],
                    "scraped_date": "2025-09-20",
                },
            }
            handle.write(orjson.dumps(record) + b"\n")
    return path
