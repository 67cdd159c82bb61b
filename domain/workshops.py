"""Workshop stream: a cooking, gardening or nutrition workshop an outlet or a garden held.

Basket programmes count the workshops they run beside the baskets (the network reported
950 of them in 2017). An outlet or a garden records each workshop once it is held: its
kind, its day, how many people attended (a count, never names) and, when it belongs to a
basket programme, which one. A workshop recorded by mistake is cancelled with a reason.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import ClassVar
from uuid import UUID

from domain.base import Aggregate, Context, Created, Event
from domain.errors import InvalidCommand, InvalidState, RoleRequired
from domain.input_bounds import check_text

ATTENDANCE_MAX = 500
"""People at one workshop: a garden or a social grocery hosts a dozen; 500 is a typo."""


class WorkshopKind(enum.StrEnum):
    """What a workshop was about."""

    COOKING = "cooking"
    GARDENING = "gardening"
    NUTRITION = "nutrition"


class Workshop(Aggregate):
    """A workshop held by an outlet or a garden."""

    organiser_id: UUID
    programme_id: UUID | None
    kind: WorkshopKind
    held_on: date
    attendance_count: int
    cancelled: bool

    class Held(Created, frozen=True, kw_only=True):
        """A workshop was held, with so many people attending."""

        TOPIC: ClassVar[str] = "workshop.held"
        organiser_id: UUID
        programme_id: UUID | None
        kind: WorkshopKind
        held_on: date
        attendance_count: int
        title: str

        def apply(self, workshop: Workshop) -> None:
            workshop.organiser_id = self.organiser_id
            workshop.programme_id = self.programme_id
            workshop.kind = self.kind
            workshop.held_on = self.held_on
            workshop.attendance_count = self.attendance_count
            workshop.cancelled = False

    class Cancelled(Event, frozen=True, kw_only=True):
        """The workshop was recorded by mistake: it counts nowhere any more."""

        TOPIC: ClassVar[str] = "workshop.cancelled"
        reason: str

        def apply(self, workshop: Workshop) -> None:
            workshop.cancelled = True

    @classmethod
    def hold(cls, workshop_id: UUID, context: Context, *, programme_id: UUID | None,
             kind: WorkshopKind, held_on: date, attendance_count: int, title: str,
             act_day: date) -> Workshop:
        """Record a workshop the acting member held (``act_day``: the act's own day)."""
        if not 1 <= attendance_count <= ATTENDANCE_MAX:
            raise InvalidCommand(f"attendance must be 1 to {ATTENDANCE_MAX} people, "
                                 f"got {attendance_count}", reason="attendance_range",
                                 count=attendance_count, maximum=ATTENDANCE_MAX)
        if held_on > act_day:
            raise InvalidCommand(f"a workshop held on {held_on:%d/%m/%Y} cannot be recorded "
                                 f"on {act_day:%d/%m/%Y}, before it was held",
                                 reason="workshop_in_future", held_date=held_on.isoformat(),
                                 act_date=act_day.isoformat())
        return cls._create(cls.Held, workshop_id, context=context,
                           organiser_id=context.member_id, programme_id=programme_id,
                           kind=kind, held_on=held_on, attendance_count=attendance_count,
                           title=check_text("title", title, required=False))

    def cancel(self, context: Context, reason: str) -> None:
        """Withdraw a workshop recorded by mistake (its organiser only)."""
        if context.member_id != self.organiser_id:
            raise RoleRequired("only the member that recorded a workshop may cancel it",
                               reason="workshop_of_another_member")
        if self.cancelled:
            raise InvalidState(f"workshop {self.id} is already cancelled",
                               reason="workshop_already_cancelled")
        self._trigger(self.Cancelled, context=context, reason=check_text("reason", reason))


Workshop.Held.AGGREGATE = Workshop
