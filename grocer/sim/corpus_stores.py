"""The simulator's store list, from the corpus's store master and locator captures (build time)."""

from __future__ import annotations

import glob
import gzip
import json
from decimal import Decimal
from pathlib import Path
from typing import Any


def build_stores(corpus: Path) -> dict[str, list[dict[str, Any]]]:
    """Real stores per company from the store master, with locator-only details."""
    master = json.load(gzip.open(corpus / "stores" / "companies.store.json.gz", "rt"))
    aldi_extra: dict[str, dict[str, Any]] = {}
    for path in glob.glob(str(corpus / "stores" / "aldi" / "*.json.gz")):
        data = json.load(gzip.open(path, "rt"))
        for store in data.get("stores", []) if isinstance(data, dict) else []:
            aldi_extra[store["id"]] = store
    coles_extra: dict[str, dict[str, Any]] = {}
    with gzip.open(corpus / "store_locator_raw" / "coles_graphql_raw_output.jsonl.gz", "rt") as fh:
        for line in fh:
            for result in json.loads(line)["data"]["stores"]["results"]:
                coles_extra[result["store"]["id"]] = result["store"]
    out: dict[str, list[dict[str, Any]]] = {"aldi": [], "coles": [], "iga": [], "woolworths": []}
    company_names = {1: "aldi", 2: "coles", 3: "iga", 4: "woolworths"}
    for record in master:
        f = record["fields"]
        company = company_names[f["company"]]
        lat, lon = Decimal(f["latitude"] or "0"), Decimal(f["longitude"] or "0")
        base = {
            "id": f["store_id"],
            "name": (f["store_name"] or "").strip(),
            "address": (f["address_line_1"] or "").replace("\r\n", ", ").strip(", "),
            "suburb": f["suburb"] or "",
            "state": f["state"] or "",
            "postcode": f["postcode"] or "",
            "lat": str(lat),
            "lon": str(lon),
        }
        if company == "coles":
            prefix = f["store_id"].split(":")[0]
            if prefix not in ("COL", "LQR", "VIN"):
                continue
            extra = coles_extra.get(f["store_id"], {})
            base["brand"] = prefix
            base["phone"] = extra.get("phone")
        elif company == "woolworths":
            base["division"] = {5: "AMPOL", 6: "SUPERMARKETS", 7: "EG"}.get(f["division"], "EG")
        elif company == "iga":
            base["tag"] = f["retailer_store_id"]
        elif company == "aldi":
            extra = aldi_extra.get(f["store_id"], {})
            base["phone"] = extra.get("publicPhoneNumber")
            base["alcohol"] = extra.get("alcoholAvailability", [])
        out[company].append(base)
    for stores in out.values():
        stores.sort(key=lambda s: s["id"])
    return out
