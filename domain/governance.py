"""Colleges stream: the cooperative's voting colleges, their weights and their members.

As in a French multi-stakeholder cooperative (SCIC), every voting member sits in exactly one
college (producers, outlets, households, funders, employees), and each college weighs
between 10 % and 50 % of a vote, the weights summing to 100 %. Inside a college it is one
member, one vote. The cooperative has a single ``Colleges`` stream (a fixed id): the weights
must add up across colleges, so they live together, and a proposal copies the roll from it
when it opens (see ``domain.proposals``).
"""

from __future__ import annotations

import enum
from typing import Annotated, ClassVar
from uuid import UUID

import msgspec

from domain.base import Aggregate, Context, Created, Event
from domain.errors import AlreadyExists, DomainError, InvalidCommand, InvalidState
from domain.fields import BasisPoints, described
from domain.ids import name_id

BASIS_POINTS = 10_000
"""100 % in basis points."""
COLLEGE_WEIGHT_BP_MIN = 1_000  # SCIC statutes: a college weighs at least 10 % ...
COLLEGE_WEIGHT_BP_MAX = 5_000  # ... and at most 50 % of every vote.
ROLL_MEMBERS_MAX = 10_000
"""Members on the roll: the network has ~100 gardens and ~1,100 households; ten thousand is
far beyond it and keeps a proposal's copy of the roll bounded."""


class College(enum.StrEnum):
    """The colleges of the cooperative."""

    PRODUCERS = "producers"
    OUTLETS = "outlets"
    HOUSEHOLDS = "households"
    FUNDERS = "funders"
    EMPLOYEES = "employees"


class CollegeWeight(msgspec.Struct, frozen=True):
    """A college and its weight in every vote."""

    college: Annotated[College, described("The college", "producers")]
    weight_bp: Annotated[BasisPoints, described(
        "Its weight in every vote, in basis points (1 000 to 5 000)", 3_000)]
    """Bounded at the edge to basis points; check_weights (before any event) to 10-50 %."""


class RollEntry(msgspec.Struct, frozen=True):
    """A member and the college it votes in."""

    member_id: UUID
    college: College


class NotOnRoll(DomainError):
    """The member sits in no college (or was not on the proposal's roll when it opened)."""

    code = "not_on_roll"


def check_weights(weights: list[CollegeWeight]) -> None:
    """Refuse weights outside 10 % to 50 %, duplicated colleges, or a total other than 100 %."""
    colleges = [weight.college for weight in weights]
    if len(set(colleges)) != len(colleges):
        raise InvalidCommand("each college is weighted once", reason="college_weighted_twice")
    for weight in weights:
        if not COLLEGE_WEIGHT_BP_MIN <= weight.weight_bp <= COLLEGE_WEIGHT_BP_MAX:
            raise InvalidCommand(
                f"college {weight.college} weighs {weight.weight_bp} bp: every college weighs "
                f"between {COLLEGE_WEIGHT_BP_MIN} and {COLLEGE_WEIGHT_BP_MAX} bp",
                reason="college_weight_range", college=str(weight.college),
                weight_bp=weight.weight_bp, minimum_bp=COLLEGE_WEIGHT_BP_MIN,
                maximum_bp=COLLEGE_WEIGHT_BP_MAX)
    total_bp = sum(weight.weight_bp for weight in weights)
    if total_bp != BASIS_POINTS:
        raise InvalidCommand(f"college weights sum to {total_bp} bp, not {BASIS_POINTS} bp",
                             reason="college_weights_sum", total_bp=total_bp,
                             expected_bp=BASIS_POINTS)


class Colleges(Aggregate):
    """The colleges, their weights and who sits in which."""

    ID: ClassVar[UUID] = name_id("colleges", "singleton")

    weights: dict[College, int]
    members: dict[UUID, College]

    class Constituted(Created, frozen=True, kw_only=True):
        """The colleges were set up with their weights."""

        TOPIC: ClassVar[str] = "colleges.constituted"
        weights: list[CollegeWeight]

        def apply(self, colleges: Colleges) -> None:
            colleges.weights = {weight.college: weight.weight_bp for weight in self.weights}
            colleges.members = {}

    class MemberSeated(Event, frozen=True, kw_only=True):
        """A member took a seat in a college (moving from another one if ``previous``)."""

        TOPIC: ClassVar[str] = "colleges.member_seated"
        member_id: UUID
        college: College
        previous: College | None = None

        def apply(self, colleges: Colleges) -> None:
            colleges.members[self.member_id] = self.college

    class MemberUnseated(Event, frozen=True, kw_only=True):
        """A member left its college (and so stops voting)."""

        TOPIC: ClassVar[str] = "colleges.member_unseated"
        member_id: UUID
        college: College
        reason: str

        def apply(self, colleges: Colleges) -> None:
            del colleges.members[self.member_id]

    @classmethod
    def constitute(cls, context: Context, weights: list[CollegeWeight]) -> Colleges:
        """Set up the colleges (once)."""
        check_weights(weights)
        ordered = sorted(weights, key=lambda weight: list(College).index(weight.college))
        return cls._create(cls.Constituted, cls.ID, context=context, weights=ordered)

    def seat(self, context: Context, member_id: UUID, college: College) -> None:
        """Seat a member in a college; a member sits in one college only."""
        if college not in self.weights:
            known = ", ".join(self.weights)
            raise InvalidCommand(f"college {college} is not one of the cooperative's ({known})",
                                 reason="unknown_college", college=str(college))
        previous = self.members.get(member_id)
        if previous == college:
            raise AlreadyExists(f"member {member_id} already sits in college {college}",
                                reason="already_seated", member_id=str(member_id),
                                college=str(college))
        if previous is None and len(self.members) >= ROLL_MEMBERS_MAX:
            raise InvalidState(f"the roll is full: at most {ROLL_MEMBERS_MAX} members",
                               reason="roll_full", maximum=ROLL_MEMBERS_MAX)
        self._trigger(self.MemberSeated, context=context, member_id=member_id, college=college,
                      previous=previous)

    def unseat(self, context: Context, member_id: UUID, reason: str) -> None:
        """Take a member off the roll."""
        college = self.members.get(member_id)
        if college is None:
            raise NotOnRoll(f"member {member_id} sits in no college", reason="not_seated",
                            member_id=str(member_id))
        if not reason.strip():
            raise InvalidCommand("leaving a college must say why", reason="reason_missing",
                                 act="unseat_member")
        self._trigger(self.MemberUnseated, context=context, member_id=member_id,
                      college=college, reason=reason.strip())

    def college_of(self, member_id: UUID) -> College:
        """The college a member votes in; refused for members of none."""
        college = self.members.get(member_id)
        if college is None:
            raise NotOnRoll(f"member {member_id} sits in no college and may not take part "
                            "in votes", reason="not_seated", member_id=str(member_id))
        return college

    def roll(self) -> list[RollEntry]:
        """Every seated member, in a stable order (college, then member id)."""
        order = list(College)
        return sorted((RollEntry(member_id, college) for member_id, college
                       in self.members.items()),
                      key=lambda entry: (order.index(entry.college), str(entry.member_id)))

    def weight_list(self) -> list[CollegeWeight]:
        """The weights, in the colleges' order."""
        return [CollegeWeight(college, weight_bp) for college, weight_bp in self.weights.items()]


Colleges.Constituted.AGGREGATE = Colleges
