"""Allocation round stream: a platform's weekly sharing of stock among its outlets.

Outlets declare needs; the platform computes lines with the allocation key in force
(recording the key, the decision that set it and every input); the round is then confirmed,
which reserves the lines' stock, or adjusted first (who, why).
"""

from __future__ import annotations

import enum
import re
from datetime import date
from typing import ClassVar
from uuid import UUID

from domain.allocation_keys import Line, LotAvailability, Need
from domain.base import Aggregate, Context, Created, Event
from domain.errors import InvalidCommand, InvalidState

WEEK_PATTERN = re.compile(r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$")
NEEDS_MAX = 1_000  # Outlets x products in one round; a platform serves tens of outlets.


def week_monday(week: str) -> date:
    """The Monday of an ISO week like ``2026-W07``."""
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 1)


class RoundStatus(enum.StrEnum):
    """Where a round is."""

    OPEN = "open"
    COMPUTED = "computed"
    CONFIRMED = "confirmed"


class AllocationRound(Aggregate):
    """One platform's allocation round for one ISO week."""

    platform_id: UUID
    site_id: UUID
    week: str
    status: RoundStatus
    needs: dict[tuple[UUID, str], Need]
    lines: list[Line]
    key: str
    decision_id: UUID | None

    class Opened(Created, frozen=True, kw_only=True):
        """A platform opened a round for a week at one of its sites."""

        TOPIC: ClassVar[str] = "allocation_round.opened"
        platform_id: UUID
        site_id: UUID
        week: str

        def apply(self, allocation: AllocationRound) -> None:
            allocation.platform_id = self.platform_id
            allocation.site_id = self.site_id
            allocation.week = self.week
            allocation.status = RoundStatus.OPEN
            allocation.needs = {}
            allocation.lines = []
            allocation.key = ""
            allocation.decision_id = None

    class NeedDeclared(Event, frozen=True, kw_only=True):
        """An outlet declared (or re-declared) its need for a product."""

        TOPIC: ClassVar[str] = "allocation_round.need_declared"
        need: Need

        def apply(self, allocation: AllocationRound) -> None:
            allocation.needs[(self.need.outlet_id, self.need.product)] = self.need

    class Computed(Event, frozen=True, kw_only=True):
        """Lines were computed with a key from the recorded inputs."""

        TOPIC: ClassVar[str] = "allocation_round.computed"
        key: str
        key_parameters: dict[str, int]
        decision_id: UUID | None
        needs: list[Need]
        lots: list[LotAvailability]
        lines: list[Line]

        def apply(self, allocation: AllocationRound) -> None:
            allocation.status = RoundStatus.COMPUTED
            allocation.lines = list(self.lines)
            allocation.key = self.key
            allocation.decision_id = self.decision_id

    class Adjusted(Event, frozen=True, kw_only=True):
        """Someone replaced the computed lines, saying why."""

        TOPIC: ClassVar[str] = "allocation_round.adjusted"
        lines: list[Line]
        reason: str

        def apply(self, allocation: AllocationRound) -> None:
            allocation.lines = list(self.lines)

    class Confirmed(Event, frozen=True, kw_only=True):
        """The lines were confirmed and their stock reserved."""

        TOPIC: ClassVar[str] = "allocation_round.confirmed"

        def apply(self, allocation: AllocationRound) -> None:
            allocation.status = RoundStatus.CONFIRMED

    @classmethod
    def open(cls, round_id: UUID, context: Context, *, site_id: UUID,
             week: str) -> AllocationRound:
        """Open a round (``week`` as ISO ``2026-W07``)."""
        if not WEEK_PATTERN.match(week):
            raise InvalidCommand(f"week {week!r} is not an ISO week like 2026-W07",
                                 reason="week_format", week_text=week)
        return cls._create(cls.Opened, round_id, context=context,
                           platform_id=context.member_id, site_id=site_id, week=week)

    def declare_need(self, context: Context, need: Need) -> None:
        """Record an outlet's need (re-declaring replaces the earlier one)."""
        if self.status != RoundStatus.OPEN:
            raise InvalidState(f"round {self.week} is {self.status}: needs can no longer change",
                               reason="round_needs_closed", week=self.week,
                               status=str(self.status))
        if need.quantity_g < 0 or need.households_served < 0:
            raise InvalidCommand("need quantity and households served must not be negative",
                                 reason="need_negative", quantity_g=need.quantity_g,
                                 households=need.households_served)
        if len(self.needs) >= NEEDS_MAX and (need.outlet_id, need.product) not in self.needs:
            raise InvalidCommand(f"a round takes at most {NEEDS_MAX} needs",
                                 reason="round_needs_full", maximum=NEEDS_MAX)
        self._trigger(self.NeedDeclared, context=context, need=need)

    def record_computation(self, context: Context, *, key: str, key_parameters: dict[str, int],
                           decision_id: UUID | None, lots: list[LotAvailability],
                           lines: list[Line]) -> None:
        """Record computed lines and every input that produced them."""
        if self.status == RoundStatus.CONFIRMED:
            raise InvalidState(f"round {self.week} is already confirmed",
                               reason="round_already_confirmed", week=self.week)
        if not self.needs:
            raise InvalidState(f"round {self.week} has no declared needs to allocate",
                               reason="round_without_needs", week=self.week)
        self._trigger(self.Computed, context=context, key=key, key_parameters=key_parameters,
                      decision_id=decision_id, needs=list(self.needs.values()), lots=lots,
                      lines=lines)

    def adjust(self, context: Context, *, lines: list[Line], reason: str) -> None:
        """Replace the computed lines."""
        if self.status != RoundStatus.COMPUTED:
            raise InvalidState(f"round {self.week} is {self.status}: only computed lines "
                               "can be adjusted", reason="round_not_computed", week=self.week,
                               status=str(self.status))
        if not reason.strip():
            raise InvalidCommand("an adjustment must say why", reason="reason_missing",
                                 act="adjust_round")
        for line in lines:
            if line.quantity_g <= 0:
                raise InvalidCommand(f"adjusted line for lot {line.lot_id} must be > 0 g",
                                     reason="line_not_positive", quantity_g=line.quantity_g,
                                     lot_id=str(line.lot_id))
        self._trigger(self.Adjusted, context=context, lines=lines, reason=reason.strip())

    def check_confirmable(self) -> None:
        """Refuse unless the round has computed lines waiting for confirmation."""
        if self.status != RoundStatus.COMPUTED:
            raise InvalidState(f"round {self.week} is {self.status}: compute it before "
                               "confirming", reason="round_not_computed", week=self.week,
                               status=str(self.status))

    def confirm(self, context: Context) -> None:
        """Confirm the lines (callers reserve the stock in the same save)."""
        self.check_confirmable()
        self._trigger(self.Confirmed, context=context)


AllocationRound.Opened.AGGREGATE = AllocationRound
