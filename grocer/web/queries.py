"""What the web view reads beyond the API's functions: stores' names and zone roles, and the
stored bargains with their stores named."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from grocer.api.deal_data import bargains_page
from grocer.db.models import Company, GroupMembership, Store
from grocer.web.format import company_name

BARGAINS_SHOWN = 200


@dataclass(frozen=True)
class StoreLabel:
    """A store as the product page names it, and its part in a price zone."""

    id: int
    company: str
    retailer_store_id: str
    name: str | None
    anchors: int | None = None  # the open zone it anchors: how many stores (itself included)
    member_of: int | None = None  # the anchor (stores.id) of the zone it is a member of

    @property
    def label(self) -> str:
        """``Coles Firle``, ``Aldi G102``: the company, then the store's name (the retailer's
        id when it has none) unless the name starts with the company's."""
        company = company_name(self.company)
        name = self.name or self.retailer_store_id
        return name if name.lower().startswith(company.lower()) else f"{company} {name}"

    @property
    def role(self) -> str | None:
        """``zone anchor (3 stores)``, ``zone member``, or None outside any zone."""
        if self.anchors is not None:
            return f"zone anchor ({self.anchors} store{'s' if self.anchors != 1 else ''})"
        if self.member_of is not None:
            return "zone member"
        return None


def store_labels(connection: Connection, store_ids: Iterable[int]) -> dict[int, StoreLabel]:
    """Names and open zone memberships of the stores ``store_ids`` (``stores.id``)."""
    wanted = sorted(set(store_ids))
    if not wanted:
        return {}
    rows = connection.execute(
        select(Store.id, Company.slug, Store.retailer_store_id, Store.name)
        .join(Company, Company.id == Store.company_id)
        .where(Store.id.in_(wanted))
    ).all()
    open_ = GroupMembership.valid_to.is_(None)
    anchors = dict(
        connection.execute(
            select(GroupMembership.anchor_store_id, func.count())
            .where(open_, GroupMembership.anchor_store_id.in_(wanted))
            .group_by(GroupMembership.anchor_store_id)
        ).all()
    )
    members = dict(
        connection.execute(
            select(GroupMembership.store_id, GroupMembership.anchor_store_id).where(
                open_,
                GroupMembership.store_id.in_(wanted),
                GroupMembership.anchor_store_id != GroupMembership.store_id,
            )
        ).all()
    )
    return {
        row.id: StoreLabel(
            row.id,
            row.slug,
            row.retailer_store_id,
            row.name,
            anchors=anchors.get(row.id),
            member_of=members.get(row.id),
        )  # fmt: skip
        for row in rows
    }


def stored_bargains(connection: Connection, limit: int = BARGAINS_SHOWN) -> list[dict[str, Any]]:
    """The stored bargains (``GET /v1/bargains``' items, each side's store named), bargains
    before reviews, largest discount first; at most ``limit`` of each kind."""
    items = []
    for kind in ("bargain", "review"):
        items += bargains_page(connection, kind=kind, limit=limit)[0]
    stores = [item[side]["store_id"] for item in items for side in ("cheap", "dear")]
    labels = store_labels(connection, stores)
    for item in items:
        for side in ("cheap", "dear"):
            item[side]["label"] = labels[item[side]["store_id"]].label
    return items
