"""Server-rendered step charts of price intervals (the product page's SVG).

One chart per store: each price interval is one horizontal step from its ``first_seen`` to the
end of its ``last_seen`` at its price; risers join an interval to the next one of the series,
and a dashed line marks the unobserved days between them.  The geometry is computed here; the
template ``_chart.html`` writes the SVG (autoescaped).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from grocer.web.format import day, money

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 16, 46  # margins: price labels left, dates below


@dataclass(frozen=True)
class Step:
    """One price interval drawn as a horizontal step."""

    index: int
    x1: float
    x2: float
    y: float
    first_seen: date
    last_seen: date
    price: float
    was_price: float | None
    is_special: bool

    @property
    def title(self) -> str:
        """``$3.50 from 17 Sep 2025 to 20 Sep 2025 (special, was $4.00)``."""
        text = f"{money(self.price)} from {day(self.first_seen)} to {day(self.last_seen)}"
        if self.is_special:
            text += f" (special, was {money(self.was_price)})"
        return text


@dataclass(frozen=True)
class Line:
    """A decoration: a riser between steps, or a dashed unobserved gap."""

    x1: float
    y1: float
    x2: float
    y2: float
    kind: str  # "riser" or "gap"


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Chart:
    """Everything the template needs to draw one store's chart."""

    store_id: int
    label: str
    description: str
    steps: list[Step]
    lines: list[Line] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM


def _day(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def price_chart(store_id: int, label: str, intervals: Sequence[Mapping[str, Any]]) -> Chart:
    """The step chart of one store's ``intervals`` (items of ``price_history``: ``price``,
    ``was_price``, ``is_special``, ``first_seen``, ``last_seen``), in their order."""
    spans = [(_day(i["first_seen"]), _day(i["last_seen"])) for i in intervals]
    start = min(first for first, _ in spans)
    end = max(last for _, last in spans) + timedelta(days=1)
    days = max(1, (end - start).days)
    prices = [float(i["price"]) for i in intervals]
    low, high = min(prices), max(prices)
    pad = (high - low) * 0.1 if high > low else max(high * 0.1, 0.5)
    floor, ceiling = max(0.0, low - pad), high + pad
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(on: date) -> float:
        return round(LEFT + (on - start).days / days * plot_w, 2)

    def y(price: float) -> float:
        return round(TOP + (ceiling - price) / (ceiling - floor) * plot_h, 2)

    steps = [
        Step(
            index=n,
            x1=x(first),
            x2=x(last + timedelta(days=1)),
            y=y(price),
            first_seen=first,
            last_seen=last,
            price=price,
            was_price=None if i["was_price"] is None else float(i["was_price"]),
            is_special=bool(i["is_special"]),
        )  # fmt: skip
        for n, (i, (first, last), price) in enumerate(zip(intervals, spans, prices, strict=True))
    ]
    lines = []
    for before, after in zip(steps, steps[1:], strict=False):
        if after.first_seen <= before.last_seen:  # another listing's series: not joined
            continue
        if after.x1 > before.x2:
            lines.append(Line(before.x2, before.y, after.x1, before.y, "gap"))
        if after.y != before.y:
            lines.append(Line(after.x1, before.y, after.x1, after.y, "riser"))
    y_ticks = [Tick(y(price), money(price)) for price in sorted({low, high})]
    last_day = end - timedelta(days=1)
    x_ticks = [Tick(x(start), day(start))]
    if last_day != start:
        x_ticks.append(Tick(x(end), day(last_day)))
    latest = max(steps, key=lambda s: (s.last_seen, s.first_seen))
    count = f"{len(steps)} price interval{'s' if len(steps) != 1 else ''}"
    description = (
        f"Price history at {label}: {count} from {day(start)} to {day(last_day)}, between "
        f"{money(low)} and {money(high)}; {money(latest.price)} on {day(latest.last_seen)}."
    )
    return Chart(store_id, label, description, steps, lines, y_ticks, x_ticks)
