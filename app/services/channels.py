"""Channel shift arithmetic: plain functions over plain numbers, no Flask, no database.

A transaction online costs the council about 15p, by phone £2.83 and face to face £8.62 (Socitm's
channel-cost figures); councils edit these. Post has no Socitm figure: it starts at the
face-to-face figure, and a kiosk at the online one, until the council enters its own.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CHANNEL_ORDER = ["online", "kiosk", "phone", "face_to_face", "post"]
DEFAULT_UNIT_COSTS = {"online": Decimal("0.15"), "kiosk": Decimal("0.15"), "phone": Decimal("2.83"),
                      "face_to_face": Decimal("8.62"), "post": Decimal("8.62")}
PENNY = Decimal("0.01")


@dataclass
class MonthShare:
    month: date
    total: int
    online: int

    @property
    def share(self) -> float:
        """Percentage of the month's transactions made online."""
        return 100.0 * self.online / self.total if self.total else 0.0


@dataclass
class CostLine:
    channel: str
    transactions: int
    unit_cost: Decimal

    @property
    def cost(self) -> Decimal:
        return (self.unit_cost * self.transactions).quantize(PENNY, ROUND_HALF_UP)


@dataclass
class Projection:
    target_share: Decimal
    now: list[CostLine]
    at_target: list[CostLine]
    moved: int  # transactions that would move online

    @property
    def total(self) -> int:
        return sum(line.transactions for line in self.now)

    @property
    def online_now(self) -> int:
        return sum(line.transactions for line in self.now if line.channel == "online")

    @property
    def share_now(self) -> float:
        return 100.0 * self.online_now / self.total if self.total else 0.0

    @property
    def cost_now(self) -> Decimal:
        return sum((line.cost for line in self.now), Decimal("0.00"))

    @property
    def cost_at_target(self) -> Decimal:
        return sum((line.cost for line in self.at_target), Decimal("0.00"))

    @property
    def saving(self) -> Decimal:
        return self.cost_now - self.cost_at_target


def monthly_shares(volumes: dict[date, dict[str, int]]) -> list[MonthShare]:
    """volumes: {first day of month: {channel: transactions}} -> the online share per month, oldest first."""
    return [MonthShare(month, sum(by_channel.values()), by_channel.get("online", 0))
            for month, by_channel in sorted(volumes.items())]


def totals(volumes: dict[date, dict[str, int]], months: list[date]) -> dict[str, int]:
    """Transactions per channel summed over `months`."""
    summed: dict[str, int] = {}
    for month in months:
        for channel, count in volumes.get(month, {}).items():
            summed[channel] = summed.get(channel, 0) + count
    return summed


def last_months(volumes: dict[date, dict[str, int]], count: int = 12) -> list[date]:
    """The `count` most recent months that have figures."""
    return sorted(volumes)[-count:]


def _spread(amount: int, weights: dict[str, int]) -> dict[str, int]:
    """Split `amount` over channels in proportion to `weights`, in whole transactions (largest
    remainder; ties by channel order), never taking more than a channel has."""
    total = sum(weights.values())
    if total == 0 or amount <= 0:
        return {c: 0 for c in weights}
    amount = min(amount, total)
    exact = {c: Decimal(amount) * w / total for c, w in weights.items()}
    taken = {c: int(v) for c, v in exact.items()}
    left = amount - sum(taken.values())
    order = sorted(weights, key=lambda c: (-(exact[c] - taken[c]), CHANNEL_ORDER.index(c) if c in CHANNEL_ORDER else 99))
    for c in order[:left]:
        taken[c] += 1
    return taken


def project(by_channel: dict[str, int], unit_costs: dict[str, Decimal], target_share: Decimal) -> Projection:
    """Cost now, and cost if `target_share` per cent of the same transactions were made online.

    The transactions that move come from the other channels in proportion to their volumes. A
    target at or below today's share moves nothing: we do not model moving people off line."""
    channels = [c for c in CHANNEL_ORDER if c in by_channel or c == "online"] + \
        [c for c in sorted(by_channel) if c not in CHANNEL_ORDER]
    now = [CostLine(c, by_channel.get(c, 0), unit_costs.get(c, DEFAULT_UNIT_COSTS.get(c, Decimal("0"))))
           for c in channels]
    total = sum(line.transactions for line in now)
    online = by_channel.get("online", 0)
    wanted = int((Decimal(total) * Decimal(target_share) / 100).quantize(Decimal("1"), ROUND_HALF_UP))
    moved = max(0, wanted - online)
    taken = _spread(moved, {line.channel: line.transactions for line in now if line.channel != "online"})
    moved = sum(taken.values())
    at_target = [CostLine(line.channel, line.transactions + moved if line.channel == "online"
                          else line.transactions - taken.get(line.channel, 0), line.unit_cost) for line in now]
    return Projection(Decimal(target_share), now, at_target, moved)
