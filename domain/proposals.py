"""Proposal stream: a decision put to the colleges, its votes, and the weighted outcome.

A proposal is submitted with a typed payload (``domain.rules``), an opening and a closing
time, a quorum and a threshold; it copies the roll of members and the college weights as
they stand when it is submitted, so the electorate is fixed for the whole vote. Members on
that roll vote yes, no or abstain, and may change their vote until closing: every vote is a
``VoteCast`` event, the last one per member counts. Closing (at or after the closing time)
tallies the votes and records ``Adopted`` or ``Rejected`` with the full tally, the roll and
the weights it used.

How the tally works (``tally``, a pure function anyone can run again — see ``recount``):

1. Inside each college it is one member, one vote: count yes, no and abstain.
2. Participation: each college with members on the roll contributes its weight times the
   share of its members who voted (abstaining counts as taking part); colleges with nobody on
   the roll are left out and the others' weights renormalised. The quorum is met when
   participation is at least ``quorum_bp``.
3. Result: each college where someone voted yes or no contributes its weight times its share
   of yes among yes + no (abstentions are not expressed votes); colleges where nobody
   expressed a vote are left out and the others' weights renormalised, as SCIC statutes do
   for an absent college. The proposal is adopted when the quorum is met and the weighted yes
   share is strictly more than ``threshold_bp`` (5 000 bp: a simple majority; 6 666 bp:
   two thirds).

Shares are computed as exact fractions; the basis points recorded in the tally are rounded
down and are for reading only — the decision compares the exact fractions.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import ClassVar
from uuid import UUID

import msgspec

from domain.base import Aggregate, Context, Created, Event, Role
from domain.errors import DomainError, InvalidCommand, InvalidState
from domain.governance import BASIS_POINTS, College, CollegeWeight, NotOnRoll, RollEntry
from domain.rules import Payload, check_payload, earliest_effective_date, rule_kind

TITLE_LENGTH_MAX = 200
VOTING_PERIOD_MAX = timedelta(days=90)
"""A vote open longer than a quarter is a forgotten vote; SCIC assemblies meet yearly and
boards monthly."""
VOTES_MAX = 100_000
"""Vote events in one proposal: ten changes of mind per member of a full roll."""


class Choice(enum.StrEnum):
    """A member's vote."""

    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


class ProposalStatus(enum.StrEnum):
    """Where a proposal is."""

    OPEN = "open"
    ADOPTED = "adopted"
    REJECTED = "rejected"


class VotingClosed(DomainError):
    """The proposal's vote is over (closed, or past its closing time)."""

    code = "voting_closed"


class VotingNotOpen(DomainError):
    """The proposal's vote has not opened yet."""

    code = "voting_not_open"


class VotingStillOpen(DomainError):
    """The proposal cannot be closed before its closing time."""

    code = "voting_still_open"


class CollegeTally(msgspec.Struct, frozen=True, kw_only=True):
    """One college's count: one member, one vote."""

    college: College
    weight_bp: int
    members: int
    yes: int
    no: int
    abstain: int


class Tally(msgspec.Struct, frozen=True, kw_only=True):
    """The full count of a vote and its outcome."""

    colleges: list[CollegeTally]
    members: int
    yes: int
    """Raw counts over every college (what one member, one vote would have given)."""
    no: int
    abstain: int
    participation_bp: int
    yes_share_bp: int
    """Weighted share of yes among expressed votes, rounded down (for reading)."""
    quorum_bp: int
    threshold_bp: int
    quorum_met: bool
    adopted: bool
    reason: str


class CollegeParticipation(msgspec.Struct, frozen=True, kw_only=True):
    """How many of a college's members took part in a vote (yes, no or abstain)."""

    college: College
    members: int
    voters: int
    participation_bp: int
    """``voters / members`` in basis points, rounded down (0 for an empty college)."""


def participation(result: Tally) -> list[CollegeParticipation]:
    """Voters over members, college by college (one member, one vote inside a college)."""
    found = []
    for college in result.colleges:
        voters = college.yes + college.no + college.abstain
        share_bp = voters * BASIS_POINTS // college.members if college.members else 0
        found.append(CollegeParticipation(college=college.college, members=college.members,
                                          voters=voters, participation_bp=share_bp))
    return found


def tally(roll: list[RollEntry], weights: list[CollegeWeight], ballots: dict[UUID, Choice],
          *, quorum_bp: int, threshold_bp: int) -> Tally:
    """Count a vote per college, weight the colleges, apply quorum and threshold.

    ``ballots`` holds each member's last vote; ballots of members not on ``roll`` are
    ignored (they cannot be cast, see ``Proposal.vote``).
    """
    colleges: list[CollegeTally] = []
    for weight in weights:
        members = [entry.member_id for entry in roll if entry.college == weight.college]
        choices = [ballots[member] for member in members if member in ballots]
        colleges.append(CollegeTally(
            college=weight.college, weight_bp=weight.weight_bp, members=len(members),
            yes=choices.count(Choice.YES), no=choices.count(Choice.NO),
            abstain=choices.count(Choice.ABSTAIN)))
    seated = [college for college in colleges if college.members > 0]
    seated_weight = sum(college.weight_bp for college in seated)
    participation = Fraction(0)
    if seated_weight:
        participation = sum((Fraction(college.weight_bp * (college.yes + college.no
                                                           + college.abstain),
                                      college.members) for college in seated),
                            Fraction(0)) / seated_weight
    expressed = [college for college in colleges if college.yes + college.no > 0]
    expressed_weight = sum(college.weight_bp for college in expressed)
    yes_share = Fraction(0)
    if expressed_weight:
        yes_share = sum((Fraction(college.weight_bp * college.yes, college.yes + college.no)
                         for college in expressed), Fraction(0)) / expressed_weight
    quorum_met = participation >= Fraction(quorum_bp, BASIS_POINTS)
    participation_bp = int(participation * BASIS_POINTS)
    yes_share_bp = int(yes_share * BASIS_POINTS)
    if not quorum_met:
        adopted = False
        reason = (f"quorum not met: participation {participation_bp} bp is below "
                  f"{quorum_bp} bp")
    elif not expressed:
        adopted = False
        reason = "nobody voted yes or no"
    elif yes_share > Fraction(threshold_bp, BASIS_POINTS):
        adopted = True
        reason = f"adopted: weighted yes {yes_share_bp} bp is above {threshold_bp} bp"
    else:
        adopted = False
        reason = (f"threshold not reached: weighted yes {yes_share_bp} bp is not above "
                  f"{threshold_bp} bp")
    return Tally(colleges=colleges, members=len(roll),
                 yes=sum(college.yes for college in colleges),
                 no=sum(college.no for college in colleges),
                 abstain=sum(college.abstain for college in colleges),
                 participation_bp=participation_bp, yes_share_bp=yes_share_bp,
                 quorum_bp=quorum_bp, threshold_bp=threshold_bp, quorum_met=quorum_met,
                 adopted=adopted, reason=reason)


class Proposal(Aggregate):
    """A proposal and its vote."""

    proposer_id: UUID
    title: str
    payload: Payload
    opens_at: datetime
    closes_at: datetime
    quorum_bp: int
    threshold_bp: int
    effective_from: date | None
    weights: list[CollegeWeight]
    roll: dict[UUID, College]
    ballots: dict[UUID, Choice]
    votes_cast: int
    status: ProposalStatus
    outcome: Tally | None
    enacted_from: date | None

    class Submitted(Created, frozen=True, kw_only=True):
        """A member put a proposal to the vote."""

        TOPIC: ClassVar[str] = "proposal.submitted"
        proposer_id: UUID
        title: str
        payload: Payload
        opens_at: datetime
        closes_at: datetime
        quorum_bp: int
        threshold_bp: int
        effective_from: date | None
        """For standing rules: the first day the rule applies, if adopted."""
        weights: list[CollegeWeight]
        roll: list[RollEntry]
        """The electorate, copied from the colleges when the proposal was submitted."""
        colleges_version: int
        """Version of the colleges stream the roll was copied from (for verification)."""

        def apply(self, proposal: Proposal) -> None:
            proposal.proposer_id = self.proposer_id
            proposal.title = self.title
            proposal.payload = self.payload
            proposal.opens_at = self.opens_at
            proposal.closes_at = self.closes_at
            proposal.quorum_bp = self.quorum_bp
            proposal.threshold_bp = self.threshold_bp
            proposal.effective_from = self.effective_from
            proposal.weights = list(self.weights)
            proposal.roll = {entry.member_id: entry.college for entry in self.roll}
            proposal.ballots = {}
            proposal.votes_cast = 0
            proposal.status = ProposalStatus.OPEN
            proposal.outcome = None
            proposal.enacted_from = None

    class VoteCast(Event, frozen=True, kw_only=True):
        """A member voted, or changed its vote (``previous`` is its earlier choice)."""

        TOPIC: ClassVar[str] = "proposal.vote_cast"
        member_id: UUID
        college: College
        choice: Choice
        previous: Choice | None = None

        def apply(self, proposal: Proposal) -> None:
            proposal.ballots[self.member_id] = self.choice
            proposal.votes_cast += 1

    class Adopted(Event, frozen=True, kw_only=True):
        """The vote closed and the proposal was adopted."""

        TOPIC: ClassVar[str] = "proposal.adopted"
        tally: Tally
        roll: list[RollEntry]
        weights: list[CollegeWeight]
        effective_from: date | None
        """When its standing rule takes effect (None for one-off acts, done at once)."""

        def apply(self, proposal: Proposal) -> None:
            proposal.status = ProposalStatus.ADOPTED
            proposal.outcome = self.tally
            proposal.enacted_from = self.effective_from

    class Rejected(Event, frozen=True, kw_only=True):
        """The vote closed and the proposal was rejected."""

        TOPIC: ClassVar[str] = "proposal.rejected"
        tally: Tally
        roll: list[RollEntry]
        weights: list[CollegeWeight]

        def apply(self, proposal: Proposal) -> None:
            proposal.status = ProposalStatus.REJECTED
            proposal.outcome = self.tally

    @classmethod
    def submit(cls, proposal_id: UUID, context: Context, *, title: str, payload: Payload,
               opens_at: datetime, closes_at: datetime, quorum_bp: int, threshold_bp: int,
               effective_from: date | None, weights: list[CollegeWeight],
               roll: list[RollEntry], colleges_version: int) -> Proposal:
        """Open a vote (a voter proposing must be on ``roll``; the coordinator need not)."""
        title = title.strip()
        if not title or len(title) > TITLE_LENGTH_MAX:
            raise InvalidCommand(f"a proposal's title is 1 to {TITLE_LENGTH_MAX} characters",
                                 reason="text_length", field="proposal title",
                                 length=len(title), maximum=TITLE_LENGTH_MAX)
        check_payload(payload)
        if opens_at.tzinfo is None or closes_at.tzinfo is None:
            raise InvalidCommand("opening and closing times must carry a time zone",
                                 reason="time_zone_missing")
        if closes_at <= opens_at:
            raise InvalidCommand(f"closing time {closes_at.isoformat()} is not after opening "
                                 f"time {opens_at.isoformat()}", reason="closes_before_opening",
                                 closes_at=closes_at.isoformat(), opens_at=opens_at.isoformat())
        if closes_at - opens_at > VOTING_PERIOD_MAX:
            raise InvalidCommand(f"a vote lasts at most {VOTING_PERIOD_MAX.days} days",
                                 reason="vote_too_long", days=(closes_at - opens_at).days,
                                 maximum=VOTING_PERIOD_MAX.days)
        if not 0 <= quorum_bp <= BASIS_POINTS:
            raise InvalidCommand(f"quorum must be 0 to {BASIS_POINTS} bp, got {quorum_bp}",
                                 reason="quorum_range", quorum_bp=quorum_bp,
                                 maximum_bp=BASIS_POINTS)
        if not 0 <= threshold_bp < BASIS_POINTS:
            raise InvalidCommand(f"threshold must be 0 to {BASIS_POINTS - 1} bp (adoption "
                                 f"needs strictly more), got {threshold_bp}",
                                 reason="threshold_range", threshold_bp=threshold_bp,
                                 maximum_bp=BASIS_POINTS - 1)
        earliest = closes_at.date() + timedelta(days=1)
        if rule_kind(payload) is None:
            if effective_from is not None:
                raise InvalidCommand("a one-off act (admission, budget) takes effect when "
                                     "adopted: give no effective date",
                                     reason="one_off_with_effective_date",
                                     effective_date=effective_from.isoformat())
        elif effective_from is None:
            effective_from = earliest
        elif effective_from < earliest:
            raise InvalidCommand(f"effective date {effective_from} must be after the closing "
                                 f"day {closes_at.date()}", reason="effective_too_early",
                                 effective_date=effective_from.isoformat(),
                                 closing_date=closes_at.date().isoformat())
        if not roll:
            raise InvalidState("nobody sits in a college: there is no one to vote",
                               reason="roll_empty")
        # The coordinator (the cooperative's secretariat) submits in the cooperative's name
        # without sitting in a college; a voter proposes only from its seat.
        if context.role != Role.COORDINATOR and context.member_id not in {
                entry.member_id for entry in roll}:
            raise NotOnRoll(f"member {context.member_id} sits in no college and may not "
                            "make proposals", reason="propose_not_on_roll")
        return cls._create(cls.Submitted, proposal_id, context=context,
                           proposer_id=context.member_id, title=title, payload=payload,
                           opens_at=opens_at, closes_at=closes_at, quorum_bp=quorum_bp,
                           threshold_bp=threshold_bp, effective_from=effective_from,
                           weights=weights, roll=roll, colleges_version=colleges_version)

    def vote(self, context: Context, choice: Choice) -> None:
        """Cast or change the acting member's vote (until the closing time)."""
        member_id = context.member_id
        if self.status != ProposalStatus.OPEN:
            raise VotingClosed(f"vote refused: proposal {self.title!r} is closed "
                               f"({self.status})", reason="proposal_closed",
                               title=self.title)
        at = context.occurred_at
        if at >= self.closes_at:
            raise VotingClosed(f"vote refused: proposal {self.title!r} closed at "
                               f"{self.closes_at.isoformat()}, the vote came at "
                               f"{at.isoformat()}", reason="vote_after_closing",
                               title=self.title, closes_at=self.closes_at.isoformat())
        if at < self.opens_at:
            raise VotingNotOpen(f"vote refused: proposal {self.title!r} opens at "
                                f"{self.opens_at.isoformat()}", reason="vote_before_opening",
                                title=self.title, opens_at=self.opens_at.isoformat())
        college = self.roll.get(member_id)
        if college is None:
            raise NotOnRoll(f"vote refused: member {member_id} was on no college's roll when "
                            f"proposal {self.title!r} opened", reason="vote_not_on_roll",
                            title=self.title)
        previous = self.ballots.get(member_id)
        if previous == choice:
            raise InvalidState(f"member {member_id} already voted {choice} on "
                               f"{self.title!r}", reason="same_vote", title=self.title,
                               choice=str(choice))
        if self.votes_cast >= VOTES_MAX:
            raise InvalidState(f"proposal {self.title!r} took {VOTES_MAX} votes already",
                               reason="votes_full", title=self.title, maximum=VOTES_MAX)
        self._trigger(self.VoteCast, context=context, member_id=member_id, college=college,
                      choice=choice, previous=previous)

    def roll_entries(self) -> list[RollEntry]:
        """The roll the vote uses."""
        return [RollEntry(member_id, college) for member_id, college in self.roll.items()]

    def count(self) -> Tally:
        """The tally of the votes cast so far."""
        return tally(self.roll_entries(), self.weights, self.ballots,
                     quorum_bp=self.quorum_bp, threshold_bp=self.threshold_bp)

    def close(self, context: Context) -> Tally:
        """Tally at or after the closing time and record the outcome."""
        if self.status != ProposalStatus.OPEN:
            raise InvalidState(f"proposal {self.title!r} is already closed ({self.status})",
                               reason="proposal_already_closed", title=self.title,
                               status=str(self.status))
        if context.occurred_at < self.closes_at:
            raise VotingStillOpen(f"proposal {self.title!r} closes at "
                                  f"{self.closes_at.isoformat()}, not before "
                                  f"(asked at {context.occurred_at.isoformat()})",
                                  reason="close_before_closing", title=self.title,
                                  closes_at=self.closes_at.isoformat())
        result = self.count()
        if result.adopted:
            effective_from = None
            if self.effective_from is not None:
                effective_from = earliest_effective_date(self.effective_from,
                                                         context.occurred_at.date())
            self._trigger(self.Adopted, context=context, tally=result,
                          roll=self.roll_entries(), weights=self.weights,
                          effective_from=effective_from)
        else:
            self._trigger(self.Rejected, context=context, tally=result,
                          roll=self.roll_entries(), weights=self.weights)
        return result


Proposal.Submitted.AGGREGATE = Proposal


def recount(events: Iterable[Event]) -> tuple[Tally, Tally | None]:
    """Recount a proposal from its stored events alone.

    Returns the tally recomputed from the submitted roll, weights, quorum, threshold and the
    last vote of each member, and the tally the closing event recorded (None while open).
    An honest ledger gives two equal tallies.
    """
    submitted: Proposal.Submitted | None = None
    ballots: dict[UUID, Choice] = {}
    recorded: Tally | None = None
    for event in events:
        if isinstance(event, Proposal.Submitted):
            submitted = event
        elif isinstance(event, Proposal.VoteCast):
            ballots[event.member_id] = event.choice
        elif isinstance(event, Proposal.Adopted | Proposal.Rejected):
            recorded = event.tally
            break  # Nothing after the outcome counts.
    if submitted is None:
        raise InvalidCommand("these events hold no proposal submission",
                             reason="no_submission")
    return tally(submitted.roll, submitted.weights, ballots, quorum_bp=submitted.quorum_bp,
                 threshold_bp=submitted.threshold_bp), recorded
