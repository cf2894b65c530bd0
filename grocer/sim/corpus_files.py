"""Reading the shared corpus's files for the catalogue build: gzip JSON lines, browser
"copy request" captures and ``Key: value`` record lists.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The records of a gzip JSON-lines file (blank lines skipped)."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def priced_products(path: Path) -> list[dict[str, Any]]:
    """The ``product`` of each record of a JSON-lines snapshot that has a name and a price."""
    return [
        row["product"]
        for row in read_jsonl(path)
        if row["product"].get("price_current") not in (None, 0) and row["product"].get("name")
    ]


def capture_json(path: Path) -> Any:
    """The JSON body of a browser "copy request" capture (the last top-level JSON value)."""
    text = gzip.open(path, "rt", encoding="utf-8").read()
    decoder = json.JSONDecoder()
    found: Any = None
    offset = 0
    for line in text.split("\n"):
        if line.startswith("{") or line.startswith("["):
            try:
                found, _ = decoder.raw_decode(text, offset)
            except json.JSONDecodeError:
                pass
        offset += len(line) + 1
    if found is None:
        raise ValueError(f"no JSON body in {path}")
    return found


def read_record_blocks(path: Path) -> list[dict[str, str]]:
    """The records of a gzip text list: ``Key: value`` lines, records between 50-dash rules
    (only records with a ``Name``)."""
    text = gzip.open(path, "rt", encoding="utf-8").read()
    records = []
    for block in text.split("-" * 50):
        fields: dict[str, str] = {}
        for line in block.strip().splitlines():
            if ": " in line:
                key, value = line.split(": ", 1)
                fields[key.strip()] = value.strip()
        if "Name" in fields:
            records.append(fields)
    return records
