"""Handlers for governance: colleges, proposals, votes, and closing a proposal — which, when
adopted, enacts its rule in the rule book or carries out its one-off act (admitting a member,
committing a budget)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import msgspec

from domain import governance_commands as g
from domain.base import Context, Role
from domain.baskets import BasketProgramme
from domain.errors import AlreadyExists, InvalidCommand
from domain.governance import Colleges
from domain.ids import uuid7
from domain.proposals import Proposal
from domain.reference_prices import SetReferencePrices
from domain.rules import (
    AdmitMember,
    CommitBudget,
    FunderShare,
    Payload,
    RuleBook,
    SetAllocationKey,
    SetBackdatingWindow,
    SetBasketTerms,
    SetPriceGrid,
    SetReplayWeeks,
    normalised_payload,
)
from domain.stock_rules import SetStockRules
from domain.transfers import AccountKind, CauseKind, record_transfer
from infra.ledger.actors import act, aware, member_with
from infra.ledger.funding import account_of, budget_account
from infra.ledger.rules import rule_book
from infra.ledger.unit_of_work import UnitOfWork
from infra.logs import get_logger

log = get_logger("cocagne.governance")


def check_funders(uow: UnitOfWork, funders: Sequence[FunderShare]) -> None:
    """Every funder a rule or programme names is a member with the funder role."""
    for funder in funders:
        member_with(uow, funder.funder_id, Role.FUNDER, "funder")


def constitute_colleges(command: g.ConstituteColleges, uow: UnitOfWork) -> list[UUID]:
    """Constitute the colleges and their weights (once)."""
    context, _ = act(uow, command, Role.COORDINATOR)
    if uow.find(Colleges.ID) is not None:
        raise AlreadyExists("the colleges are already constituted",
                            reason="colleges_exist")
    colleges = Colleges.constitute(context, list(command.weights))
    uow.add(colleges)
    return [colleges.id]


def seat_member(command: g.SeatMember, uow: UnitOfWork) -> list[UUID]:
    """Seat a voter in a college."""
    context, _ = act(uow, command, Role.COORDINATOR)
    member = member_with(uow, command.member_id, Role.VOTER, "member")
    colleges = uow.get(Colleges, Colleges.ID, "colleges")
    colleges.seat(context, member.id, command.college)
    return [colleges.id]


def unseat_member(command: g.UnseatMember, uow: UnitOfWork) -> list[UUID]:
    """Take a member's seat away, with the reason."""
    context, _ = act(uow, command, Role.COORDINATOR)
    colleges = uow.get(Colleges, Colleges.ID, "colleges")
    colleges.unseat(context, command.member_id, command.reason)
    return [colleges.id]


def _check_payload_references(uow: UnitOfWork, payload: Payload, colleges: Colleges) -> None:
    """What a proposal's payload names exists and fits (programmes, funders, members)."""
    if isinstance(payload, SetBasketTerms):
        uow.get(BasketProgramme, payload.programme_id, "basket programme")
        check_funders(uow, payload.funders)
    elif isinstance(payload, SetPriceGrid):
        check_funders(uow, payload.funders)
    elif isinstance(payload, AdmitMember):
        member = member_with(uow, payload.member_id, Role.VOTER, "member")
        if payload.college not in colleges.weights:
            raise InvalidCommand(f"college {payload.college} is not one of the cooperative's",
                                 reason="unknown_college", college=str(payload.college))
        if colleges.members.get(member.id) == payload.college:
            raise AlreadyExists(f"member {member.name} already sits in college "
                                f"{payload.college}", reason="already_seated",
                                member_id=str(member.id), college=str(payload.college))
    elif isinstance(payload, CommitBudget):
        member_with(uow, payload.funder_id, Role.FUNDER, "funder")
        if payload.programme_id is not None:
            uow.get(BasketProgramme, payload.programme_id, "basket programme")


def submit_proposal(command: g.SubmitProposal, uow: UnitOfWork) -> list[UUID]:
    """A voter on the roll, or the coordinator, submits a proposal, with the roll and
    weights as they stand."""
    colleges = uow.get(Colleges, Colleges.ID, "colleges")
    # A member seated in a college proposes as a voter; the secretariat (which holds the
    # voter role by default but sits in no college) proposes as the coordinator.
    seated = command.actor_id in colleges.members
    roles = (Role.VOTER, Role.COORDINATOR) if seated else (Role.COORDINATOR, Role.VOTER)
    context, _ = act(uow, command, *roles)
    payload = normalised_payload(command.payload)
    _check_payload_references(uow, payload, colleges)
    proposal = Proposal.submit(
        uuid7(), context, title=command.title, payload=payload,
        opens_at=aware(command.opens_at or context.occurred_at),
        closes_at=aware(command.closes_at), quorum_bp=command.quorum_bp,
        threshold_bp=command.threshold_bp, effective_from=command.effective_from,
        weights=colleges.weight_list(), roll=colleges.roll(),
        colleges_version=colleges.version)
    uow.add(proposal)
    return [proposal.id]


def cast_vote(command: g.CastVote, uow: UnitOfWork) -> list[UUID]:
    """A member on the roll votes (or changes its vote) before closing."""
    context, _ = act(uow, command, Role.VOTER)
    proposal = uow.get(Proposal, command.proposal_id, "proposal")
    proposal.vote(context, command.choice)
    return [proposal.id]


def close_proposal(command: g.CloseProposal, uow: UnitOfWork) -> list[UUID]:
    """Close a proposal with its tally; an adopted one is carried out in the same act."""
    context, _ = act(uow, command, Role.VOTER, Role.COORDINATOR)
    proposal = uow.get(Proposal, command.proposal_id, "proposal")
    result = proposal.close(context)
    changed = [proposal.id]
    if result.adopted:
        changed += _enact(uow, msgspec.structs.replace(context, decision_id=proposal.id),
                          proposal)
    log.info("proposal closed", proposal_id=str(proposal.id), adopted=result.adopted,
             participation_bp=result.participation_bp, yes_share_bp=result.yes_share_bp)
    return changed


def _enact(uow: UnitOfWork, context: Context, proposal: Proposal) -> list[UUID]:
    """Carry out an adopted proposal: write its rule, or do its one-off act."""
    payload = proposal.payload
    if isinstance(payload, SetAllocationKey | SetBasketTerms | SetPriceGrid | SetReplayWeeks
                  | SetReferencePrices | SetStockRules | SetBackdatingWindow):
        book = rule_book(uow)
        if book is None:
            book = RuleBook.open(context)
            uow.add(book)
        assert proposal.enacted_from is not None
        book.enact(context, rule=payload, effective_from=proposal.enacted_from,
                   decision_id=proposal.id, title=proposal.title)
        return [book.id]
    if isinstance(payload, AdmitMember):
        colleges = uow.get(Colleges, Colleges.ID, "colleges")
        if colleges.members.get(payload.member_id) != payload.college:
            colleges.seat(context, payload.member_id, payload.college)
        return [colleges.id]
    funder = account_of(uow, context, AccountKind.FUNDER, payload.funder_id)
    budget = budget_account(uow, context, payload.funder_id, payload.programme_id)
    transfer = record_transfer(uuid7(), context, funder, budget, payload.amount_cents,
                               pending=False, cause_kind=CauseKind.DECISION,
                               cause_id=proposal.id, memo=proposal.title)
    uow.add(transfer)
    return [transfer.id, funder.id, budget.id]
