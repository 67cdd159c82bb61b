"""Governance, as a story: colleges weigh votes, proposals are tallied, rules take effect.

Each test runs on SQLite and PostgreSQL (the ``ledger`` fixture). The pure tally is also
checked on its own, without a store.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from domain import commands as c
from domain import governance_commands as g
from domain.allocations import AllocationRound
from domain.errors import InvalidCommand
from domain.governance import (
    College,
    Colleges,
    CollegeWeight,
    NotOnRoll,
    RollEntry,
    check_weights,
)
from domain.proposals import (
    Choice,
    Proposal,
    ProposalStatus,
    VotingClosed,
    VotingStillOpen,
    tally,
)
from domain.rules import AdmitMember, CommitBudget, RuleKind, SetAllocationKey
from domain.transfers import AccountKind
from infra.ledger.ledger import Ledger
from infra.reader import recount_proposal, rule_book, rules_in_force
from tests.builders import assert_refused, events_of_stream
from tests.governance_support import MONDAY, Governed, at, governed_territory

HOUSEHOLDS_KEY = SetAllocationKey(key="proportional_to_households")


@pytest.fixture
def gov(ledger: Ledger) -> Governed:
    """A governed territory on each store."""
    return governed_territory(ledger)


# ------------------------------------------------------------------- pure tally


def test_college_weights_must_be_ten_to_fifty_percent_and_sum_to_one_hundred() -> None:
    """Weights outside 10 %-50 % or not summing to 100 % are refused."""
    check_weights([CollegeWeight(College.PRODUCERS, 5_000),
                   CollegeWeight(College.OUTLETS, 5_000)])
    with pytest.raises(InvalidCommand, match="between 1000 and 5000 bp"):
        check_weights([CollegeWeight(College.PRODUCERS, 6_000),
                       CollegeWeight(College.OUTLETS, 4_000)])
    with pytest.raises(InvalidCommand, match="sum to 9000 bp"):
        check_weights([CollegeWeight(College.PRODUCERS, 5_000),
                       CollegeWeight(College.OUTLETS, 4_000)])


def test_tally_leaves_out_colleges_without_expressed_votes() -> None:
    """A college where nobody voted yes or no does not dilute the others' result."""
    members = [UUID(int=index) for index in range(1, 5)]
    roll = [RollEntry(members[0], College.PRODUCERS), RollEntry(members[1], College.OUTLETS),
            RollEntry(members[2], College.OUTLETS), RollEntry(members[3], College.FUNDERS)]
    weights = [CollegeWeight(College.PRODUCERS, 5_000), CollegeWeight(College.OUTLETS, 3_000),
               CollegeWeight(College.FUNDERS, 2_000)]
    result = tally(roll, weights, {members[0]: Choice.NO, members[1]: Choice.YES,
                                   members[2]: Choice.YES, members[3]: Choice.ABSTAIN},
                   quorum_bp=10_000, threshold_bp=3_000)
    # Funders abstained: yes share = (0 * 5000 + 1 * 3000) / 8000 = 37.5 %.
    assert (result.participation_bp, result.yes_share_bp) == (10_000, 3_750)
    assert result.adopted


# ------------------------------------------------------------------ the vote


def test_weighting_adopts_what_one_member_one_vote_rejects(gov: Governed) -> None:
    """Five producers voting no outnumber the yes votes, but their college weighs 30 %."""
    proposal_id = gov.propose(HOUSEHOLDS_KEY)
    gov.vote_college(proposal_id, College.PRODUCERS, *[Choice.NO] * 5)
    gov.vote_college(proposal_id, College.OUTLETS, Choice.YES, Choice.YES, Choice.YES)
    gov.vote_college(proposal_id, College.HOUSEHOLDS, Choice.YES)
    gov.vote_college(proposal_id, College.FUNDERS, Choice.NO, Choice.NO)
    gov.vote_college(proposal_id, College.EMPLOYEES, Choice.YES)
    proposal = gov.close(proposal_id)
    outcome = proposal.outcome
    assert outcome is not None
    assert (outcome.yes, outcome.no) == (5, 7), "one member, one vote: rejected"
    assert proposal.status == ProposalStatus.ADOPTED
    assert outcome.yes_share_bp == 5_500  # outlets 20 + households 20 + employees 15
    by_college = {college.college: (college.members, college.yes, college.no)
                  for college in outcome.colleges}
    assert by_college[College.PRODUCERS] == (5, 0, 5)
    assert by_college[College.OUTLETS] == (4, 3, 0)


def test_quorum_not_met_rejects(gov: Governed) -> None:
    """Only the producers vote: their college weighs 30 %, below a 50 % quorum."""
    proposal_id = gov.propose(HOUSEHOLDS_KEY, quorum_bp=5_000)
    gov.vote_college(proposal_id, College.PRODUCERS, *[Choice.YES] * 5)
    proposal = gov.close(proposal_id)
    assert proposal.status == ProposalStatus.REJECTED
    assert proposal.outcome is not None
    assert not proposal.outcome.quorum_met
    assert proposal.outcome.participation_bp == 3_000
    assert "quorum not met" in proposal.outcome.reason
    assert rule_book(gov.ledger) is None, "a rejected rule is not enacted"


def test_a_vote_changed_before_closing_counts_last_and_keeps_history(gov: Governed) -> None:
    """A member votes yes, then no: the tally counts no, both votes stay in the stream."""
    proposal_id = gov.propose(HOUSEHOLDS_KEY)
    delegate = gov.seats[College.HOUSEHOLDS][0]
    gov.vote(proposal_id, delegate, Choice.YES, at(1))
    gov.vote(proposal_id, delegate, Choice.NO, at(2))
    proposal = gov.close(proposal_id)
    assert proposal.outcome is not None
    households = next(college for college in proposal.outcome.colleges
                      if college.college == College.HOUSEHOLDS)
    assert (households.yes, households.no) == (0, 1)
    votes = [event for event in events_of_stream(gov.ledger, proposal_id)
             if isinstance(event, Proposal.VoteCast)]
    assert [(vote.choice, vote.previous) for vote in votes] == [
        (Choice.YES, None), (Choice.NO, Choice.YES)]


def test_votes_after_the_closing_time_or_after_closing_are_refused(gov: Governed) -> None:
    """At the closing time the vote is over, and a closed proposal takes no vote."""
    proposal_id = gov.propose(HOUSEHOLDS_KEY, closes=at(4, 18))
    delegate = gov.seats[College.HOUSEHOLDS][0]
    assert_refused(gov.ledger, gov.command(
        g.CastVote, actor_id=delegate, proposal_id=proposal_id, choice=Choice.YES,
        occurred_at=at(4, 18)), VotingClosed, "closed at")
    assert_refused(gov.ledger, gov.command(
        g.CloseProposal, actor_id=gov.coordinator_id, proposal_id=proposal_id,
        occurred_at=at(4, 17)), VotingStillOpen)
    gov.close(proposal_id)
    assert_refused(gov.ledger, gov.command(
        g.CastVote, actor_id=delegate, proposal_id=proposal_id, choice=Choice.YES,
        occurred_at=at(3)), VotingClosed, "is closed")


def test_non_members_may_neither_vote_nor_propose(gov: Governed) -> None:
    """A member in no college, or seated after the vote opened, is not on the roll."""
    proposal_id = gov.propose(HOUSEHOLDS_KEY)
    assert_refused(gov.ledger, gov.command(
        g.CastVote, actor_id=gov.outsider_id, proposal_id=proposal_id, choice=Choice.YES,
        occurred_at=at(1)), NotOnRoll)
    assert_refused(gov.ledger, gov.command(
        g.SubmitProposal, actor_id=gov.outsider_id, title="Hors collège",
        payload=HOUSEHOLDS_KEY, closes_at=at(4), occurred_at=at(0)), NotOnRoll)
    gov.run(g.SeatMember, actor_id=gov.coordinator_id, member_id=gov.outsider_id,
            college=College.OUTLETS)
    assert_refused(gov.ledger, gov.command(
        g.CastVote, actor_id=gov.outsider_id, proposal_id=proposal_id, choice=Choice.YES,
        occurred_at=at(1)), NotOnRoll, "when proposal")


def test_the_coordinator_submits_for_the_secretariat_without_a_seat(gov: Governed) -> None:
    """The coordinator, in no college, submits as the coordinator; the seated vote on it."""
    proposal_id = gov.propose(HOUSEHOLDS_KEY, proposer=gov.coordinator_id)
    submitted = events_of_stream(gov.ledger, proposal_id)[0]
    assert (submitted.proposer_id, str(submitted.context.role)) == (gov.coordinator_id,
                                                           "coordinator")
    assert gov.coordinator_id not in {entry.member_id for entry in submitted.roll}
    gov.vote_college(proposal_id, College.OUTLETS, Choice.YES)
    assert gov.close(proposal_id).status == ProposalStatus.ADOPTED


def test_the_outcome_is_recounted_from_the_events_alone(gov: Governed) -> None:
    """Recounting the stored proposal gives the tally its closing recorded, roll included."""
    proposal_id = gov.propose(HOUSEHOLDS_KEY, quorum_bp=2_000)
    gov.vote_college(proposal_id, College.PRODUCERS, Choice.YES, Choice.NO, Choice.ABSTAIN)
    gov.vote_college(proposal_id, College.FUNDERS, Choice.NO)
    gov.close(proposal_id)
    recounted, recorded = recount_proposal(gov.ledger, proposal_id)
    assert recorded is not None
    assert recounted == recorded
    closing = events_of_stream(gov.ledger, proposal_id)[-1]
    assert isinstance(closing, Proposal.Rejected | Proposal.Adopted)
    assert len(closing.roll) == sum(len(members) for members in gov.seats.values())
    assert closing.weights == gov.proposal(proposal_id).weights


# ------------------------------------------------------------ rules in force


def _round_lines(gov: Governed, lot_id: UUID, day: int) -> AllocationRound.Computed:
    """Open a round, both outlets need 100 kg, compute it on ``day``; the computed event."""
    base = gov.base
    round_id = gov.ledger.execute(c.OpenRound(
        command_id=gov.command_id("open"), actor_id=base.platform_id, site_id=base.site_id,
        week=f"2026-W{10 + day // 7}", occurred_at=at(day, 7))).stream_id
    for outlet_id in base.outlet_ids:
        gov.ledger.execute(c.DeclareNeed(
            command_id=gov.command_id("need"), actor_id=outlet_id, round_id=round_id,
            product="carrot", quantity_g=100_000, occurred_at=at(day, 8)))
    gov.ledger.execute(c.ComputeRound(command_id=gov.command_id("compute"),
                                      actor_id=base.platform_id, round_id=round_id,
                                      occurred_at=at(day, 9)))
    computed = events_of_stream(gov.ledger, round_id)[-1]
    assert isinstance(computed, AllocationRound.Computed)
    return computed


def test_allocation_uses_the_key_in_force_from_its_date_and_cites_the_decision(
        gov: Governed) -> None:
    """Before its effective date the default key applies; from it, the voted key and id."""
    decision_id = gov.adopt(HOUSEHOLDS_KEY, effective_from=MONDAY + timedelta(days=7))
    # In stock before the first round's moment: a round shares only the lots at its site by
    # then (a reservation cannot be dated before the lot's reception).
    lot_id = gov.base.stocked_lot(100_000, occurred_at=at(6, 6),
                                  harvest_date=MONDAY + timedelta(days=5),
                                  best_before=MONDAY + timedelta(days=30))
    before = _round_lines(gov, lot_id, day=6)
    assert (before.key, before.decision_id, before.context.decision_id) == (
        "proportional_to_needs", None, None)
    assert sorted(line.quantity_g for line in before.lines) == [50_000, 50_000]
    after = _round_lines(gov, lot_id, day=7)
    assert (after.key, after.decision_id, after.context.decision_id) == (
        "proportional_to_households", decision_id, decision_id)
    assert after.key_parameters == {"by_households": 1, "minimum_share_bp": 0}
    served = {gov.base.outlet_ids[0]: 60_000, gov.base.outlet_ids[1]: 40_000}  # 120 vs 80
    assert {line.outlet_id: line.quantity_g for line in after.lines} == served


def test_which_rule_was_in_force_on_a_day_and_which_decision_set_it(gov: Governed) -> None:
    """A later decision replaces an earlier one from its own date; earlier days keep theirs."""
    first = gov.adopt(HOUSEHOLDS_KEY, effective_from=MONDAY + timedelta(days=7))
    second = gov.adopt(SetAllocationKey(key="proportional_to_needs", minimum_share_bp=1_000),
                       opens=at(8), closes=at(10, 18),
                       effective_from=MONDAY + timedelta(days=14))
    book = rule_book(gov.ledger)
    assert book is not None
    found = [book.in_force(RuleKind.ALLOCATION_KEY, MONDAY + timedelta(days=day))
             for day in (6, 7, 13, 14, 30)]
    assert [None if enactment is None else enactment.decision_id for enactment in found] == [
        None, first, first, second, second]
    in_force = rules_in_force(gov.ledger, MONDAY + timedelta(days=13))
    assert [(rule.kind, rule.decision_id) for rule in in_force] == [
        (RuleKind.ALLOCATION_KEY, first)]


def test_a_rule_cannot_take_effect_on_or_before_its_closing_day(gov: Governed) -> None:
    """Effective dates start the day after the vote closes at the earliest."""
    assert_refused(gov.ledger, gov.command(
        g.SubmitProposal, actor_id=gov.seats[College.OUTLETS][0], title="Trop tôt",
        payload=HOUSEHOLDS_KEY, opens_at=at(0), closes_at=at(4, 18),
        effective_from=MONDAY + timedelta(days=4), occurred_at=at(0)), InvalidCommand,
        "must be after the closing day")
    late = gov.propose(HOUSEHOLDS_KEY, effective_from=MONDAY + timedelta(days=5))
    for members in gov.seats.values():
        for member_id in members:
            gov.vote(late, member_id, Choice.YES)
    proposal = gov.close(late, at(9))  # Closed four days late.
    assert proposal.enacted_from == MONDAY + timedelta(days=10)


def test_adopted_admission_seats_the_member_and_a_budget_is_committed(gov: Governed) -> None:
    """One-off acts are carried out on adoption and cite the decision."""
    admission = gov.adopt(AdmitMember(member_id=gov.outsider_id, college=College.OUTLETS))
    funder = gov.funder_ids[0]
    budget = gov.adopt(CommitBudget(funder_id=funder, amount_cents=250_000),
                       opens=at(6), closes=at(8, 18))
    roll = {entry.member_id for entry in gov.proposal(budget).roll_entries()}
    assert gov.outsider_id in roll, "admitted before the budget vote opened"
    assert gov.account(AccountKind.FUNDER_BUDGET, funder).credits_posted == 250_000
    assert gov.account(AccountKind.FUNDER, funder).balance_cents == -250_000
    gov.assert_balanced()
    seated = [event for event in events_of_stream(gov.ledger, Colleges.ID)
              if isinstance(event, Colleges.MemberSeated)][-1]
    assert (seated.member_id, seated.context.decision_id) == (gov.outsider_id, admission)
