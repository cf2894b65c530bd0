"""The zones report: per company, each zone's anchor, member count and states, and a PNG map
of the stores coloured by zone (matplotlib, written next to the text report)."""

from __future__ import annotations

import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, select
from sqlalchemy.orm import aliased

from grocer.db.models import GroupMembership, Store
from grocer.db.store_rows import COMPANY_SLUGS

# Rough state centres, used to place stores the store master gave no coordinates.
STATE_CENTRES: dict[str, tuple[float, float]] = {
    "NSW": (-33.0, 147.0),
    "ACT": (-35.3, 149.1),
    "VIC": (-37.0, 144.5),
    "QLD": (-23.0, 146.0),
    "SA": (-32.0, 136.0),
    "WA": (-28.0, 121.0),
    "TAS": (-42.0, 146.6),
    "NT": (-19.5, 133.5),
}


@dataclass(frozen=True)
class StorePoint:
    store_id: int
    retailer_store_id: str
    name: str | None
    state: str | None
    latitude: float | None
    longitude: float | None


@dataclass
class Zone:
    """One group: its anchor and its stores (the anchor included)."""

    group_id: int
    anchor: StorePoint
    stores: list[StorePoint] = field(default_factory=list)

    @property
    def states(self) -> list[str]:
        return sorted({s.state for s in self.stores if s.state})


@dataclass
class ZonesReport:
    """Zones per company slug, largest first."""

    companies: dict[str, list[Zone]] = field(default_factory=dict)


def zones_report(connection: Connection, *, companies: list[str] | None = None) -> ZonesReport:
    """Read the current zones (open membership periods) in one query.

    Args:
        connection: an open connection.
        companies: company slugs to include (default all with stores in groups).

    Returns:
        The zones of each company, largest first, then by anchor store id.
    """
    anchor = aliased(Store, name="anchor")
    rows = connection.execute(
        select(
            GroupMembership.group_id,
            Store.company_id,
            Store.id,
            Store.retailer_store_id,
            Store.name,
            Store.state,
            Store.latitude,
            Store.longitude,
            anchor.id,
            anchor.retailer_store_id,
            anchor.name,
            anchor.state,
            anchor.latitude,
            anchor.longitude,
        )
        .join(Store, Store.id == GroupMembership.store_id)
        .join(anchor, anchor.id == GroupMembership.anchor_store_id)
        .where(GroupMembership.valid_to.is_(None))
    )
    zones: dict[tuple[str, int], Zone] = {}
    for row in rows:
        slug = COMPANY_SLUGS[row[1]]
        if companies and slug not in companies:
            continue
        zone = zones.setdefault((slug, row[0]), Zone(row[0], StorePoint(*row[8:14])))
        zone.stores.append(StorePoint(*row[2:8]))
    report = ZonesReport()
    grouped: dict[str, list[Zone]] = defaultdict(list)
    for (slug, _), zone in zones.items():
        zone.stores.sort(key=lambda s: s.retailer_store_id)
        grouped[slug].append(zone)
    for slug in sorted(grouped):
        report.companies[slug] = sorted(
            grouped[slug], key=lambda z: (-len(z.stores), z.anchor.retailer_store_id)
        )
    return report


def render_text(report: ZonesReport) -> str:
    """The report as plain text: per company, one line per zone."""
    lines: list[str] = []
    for slug, zones in report.companies.items():
        stores = sum(len(z.stores) for z in zones)
        lines.append(f"{slug}: {len(zones)} zones, {stores} stores")
        for zone in zones:
            name = zone.anchor.name or ""
            states = ",".join(zone.states) or "-"
            lines.append(
                f"  anchor {zone.anchor.retailer_store_id:<10} {name[:32]:<32} "
                f"members {len(zone.stores) - 1:>5}  states {states}"
            )
    return "\n".join(lines) + "\n"


def _position(store: StorePoint) -> tuple[float, float] | None:
    if store.latitude is not None and store.longitude is not None:
        return store.longitude, store.latitude
    centre = STATE_CENTRES.get((store.state or "").upper())
    if centre is None:
        return None
    # spread stores without coordinates around their state's centre, deterministically
    spread = zlib.crc32(store.retailer_store_id.encode())
    return centre[1] + (spread % 200) / 100 - 1, centre[0] + (spread // 200 % 200) / 100 - 1


def render_map(report: ZonesReport, path: Path) -> Path:
    """Draw every company's stores coloured by zone, one panel per company, as a PNG.

    Args:
        report: the zones.
        path: the PNG file to write (its folder is created).

    Returns:
        ``path``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    slugs = list(report.companies) or ["none"]
    figure, axes = plt.subplots(1, len(slugs), figsize=(5 * len(slugs), 5), squeeze=False)
    colours = plt.get_cmap("tab20")
    for axis, slug in zip(axes[0], slugs, strict=True):
        zones = report.companies.get(slug, [])
        for index, zone in enumerate(zones):
            points = [p for p in map(_position, zone.stores) if p is not None]
            if not points:
                continue
            xs, ys = zip(*points, strict=True)
            label = zone.anchor.retailer_store_id if index < 10 else None
            axis.scatter(xs, ys, s=14, color=colours(index % 20), label=label)
        axis.set_title(f"{slug}: {len(zones)} zones")
        axis.set_xlabel("longitude")
        axis.set_ylabel("latitude")
        if zones:
            axis.legend(title="anchor", fontsize="x-small", loc="best")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
