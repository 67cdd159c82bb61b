"""The demo's stage: its calendar, each territory's ids and stock, and the command sender."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from typing import Any
from uuid import UUID

import msgspec

from domain import commands as c
from domain.dates import PARIS, aware, paris_day
from domain.lots import Lot
from infra.demo.clock import execute_lived
from infra.demo.summary import DemoSummary
from infra.ledger.ledger import Ledger

END_TIME = day_time(18, 0)
"""``--end DATE`` means that day at 18:00 in Paris: the warehouse's day is over."""
CLOSING_WINDOW = timedelta(hours=2)
"""Weekly acts stop this long before the end; the closing scene happens in between."""


@dataclass
class Calendar:
    """When the demo's weeks fall: ``start`` is the Monday of week 0; nothing after ``end``."""

    start: date
    end: datetime

    def at(self, week: int, day: int, hour: int = 9) -> datetime:
        """A business time: day ``day`` of week ``week`` at ``hour`` UTC."""
        return datetime.combine(self.start + timedelta(weeks=week, days=day),
                                day_time(0, 0), tzinfo=UTC) + timedelta(hours=hour)

    def allows(self, moment: datetime) -> bool:
        """Whether a weekly act at ``moment`` happens (before the closing window)."""
        return moment <= self.end - CLOSING_WINDOW


def demo_calendar(weeks: int, end: datetime | date | None = None) -> Calendar:
    """The weeks up to the one holding ``end`` (a moment; a day means 18:00 in Paris that
    day; now when None)."""
    if end is None:
        moment = datetime.now(tz=UTC)
    elif isinstance(end, datetime):
        moment = aware(end)
    else:
        moment = datetime.combine(end, END_TIME, tzinfo=PARIS).astimezone(UTC)
    last_day = paris_day(moment)
    monday = last_day - timedelta(days=last_day.weekday())
    return Calendar(start=monday - timedelta(weeks=weeks - 1), end=moment)


@dataclass
class Territory:
    """Ids of one platform's territory, and what the demo tracks of its stock."""

    platform_id: UUID
    site_id: UUID
    garden_ids: list[UUID]
    outlet_ids: list[UUID]
    farm_id: UUID
    shop_id: UUID
    lots_by_producer: dict[UUID, list[UUID]] = field(default_factory=dict)
    children: dict[UUID, list[UUID]] = field(default_factory=dict)
    dated: dict[UUID, date] = field(default_factory=dict)
    """Lots that came into the warehouse, with their date (until cleared out)."""


class Sender:
    """Sends commands with deterministic ids and lot codes, counting what was written and
    remembering the latest business time."""

    def __init__(self, ledger: Ledger, seed: int, summary: DemoSummary) -> None:
        self.ledger = ledger
        self.prefix = f"demo-{seed}"
        self.counter = 0
        self.codes = 0
        self.summary = summary
        self.latest = datetime.min.replace(tzinfo=UTC)

    def next_id(self) -> str:
        """The next command id: ``demo-7-000000042``."""
        self.counter += 1
        return f"{self.prefix}-{self.counter:09d}"

    def code(self, prefix: str, day: date) -> str:
        """A lot code numbered by the demo: ``L261207-00042``."""
        self.codes += 1
        return f"{prefix}{day:%y%m%d}-{self.codes:05d}"

    def batch(self, commands: Sequence[msgspec.Struct]) -> list[c.CommandResult]:
        """Execute ``commands`` in one transaction (none: nothing happens)."""
        if not commands:
            return []
        results = execute_lived(self.ledger, commands)
        self.summary.commands += len(commands)
        self.summary.events_written += sum(result.events_written for result in results)
        for command in commands:
            moment = getattr(command, "occurred_at", None)
            if moment is not None and moment > self.latest:
                self.latest = moment
        return results

    def one(self, command: msgspec.Struct) -> c.CommandResult:
        """Execute one command."""
        return self.batch([command])[0]


def lot_of(ledger: Ledger, lot_id: UUID) -> Lot:
    """The lot stream ``lot_id``, as it stands."""
    lot: Any = ledger.repository.get(lot_id)
    assert isinstance(lot, Lot)
    return lot


def name_of(ledger: Ledger, member_id: UUID) -> str:
    """A member's name."""
    name: str = ledger.repository.get(member_id).name
    return name


def iso_week(day: date) -> str:
    """``2026-W02``: the ISO week holding ``day``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
