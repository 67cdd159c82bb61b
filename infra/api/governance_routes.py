"""GET routes for governance (proposals with their tallies and participation, what-if
simulations, rules in force and their history, which decision an act applied) and balances.

Proposals are read from their streams (a cooperative has tens a year, not thousands): the
list follows the ``proposal.submitted`` notifications, and each proposal's tally is counted
by the domain's own ``tally`` (final once closed, provisional while open). Rules in force
come from the rule book with the proposal that decided each.

Decisions members can see into (``infra.whatif``, ``infra.provenance``): a proposal's
simulation (JSON, or the French HTML section of its page), every rule ever in force with the
acts that applied it, and from any act's stream (a round, a payment, a basket) the decision it
applied. These read the event store directly and write nothing. Balances come from the
balances view; a member whose scope is ``OWN`` sees only its own accounts.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from eventsourcing.application import AggregateNotFoundError
from litestar import Request, get
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import Example
from litestar.params import FromPath, PathParameter, QueryParameter

from domain.proposals import CollegeParticipation, Proposal, Tally, participation
from domain.rules import REPLAY_WEEKS_MAX, Enactment, Payload
from domain.whatif import Simulation
from infra import reader
from infra.api.access import Caller
from infra.api.errors import ApiError
from infra.api.pages.directory import directory_of
from infra.api.policy import Scope
from infra.api.queries import (
    QUERY_ERRORS,
    After,
    AsOf,
    Basis,
    moment_of,
    services_of,
    wait_for,
)
from infra.api.services import Services
from infra.api.whatif_html import simulation_section
from infra.provenance import (
    ACTS_LISTED_MAX,
    ActEntry,
    ActProvenance,
    RuleHistoryEntry,
    acts_of_decision,
    provenance_of,
    rule_history,
)
from infra.whatif import simulate_proposal
from projections.balances import AccountBalance

HTML = "text/html"  # Litestar adds "; charset=utf-8" to text/* (never name it twice).
ProposalFilter = Literal["open", "adopted", "rejected", "all"]
PROPOSALS_MAX = 10_000  # Far beyond a cooperative's proposals over decades.
PROPOSALS_PAGE = 1_000  # Notifications per select while listing proposals.


class ProposalEntry(msgspec.Struct, frozen=True, kw_only=True):
    """A proposal with its tally (provisional while open)."""

    proposal_id: UUID
    title: str
    kind: str
    proposer_id: UUID
    opens_at: datetime
    closes_at: datetime
    status: str
    quorum_bp: int
    threshold_bp: int
    members_on_roll: int
    votes_cast: int
    tally: Tally
    effective_from: date | None
    enacted_from: date | None
    participation: list[CollegeParticipation] = msgspec.field(default_factory=list)
    """Voters over members, per college (final once closed, so far while open)."""


class ProposalDetail(msgspec.Struct, frozen=True, kw_only=True):
    """A proposal, its payload, its tally and the caller's own vote."""

    proposal: ProposalEntry
    payload: Payload
    my_vote: str | None


class RuleEntry(msgspec.Struct, frozen=True, kw_only=True):
    """A rule in force and the decision that set it."""

    kind: str
    scope_id: UUID | None
    effective_from: date
    decision_id: UUID
    decision_title: str
    rule: dict[str, Any]


class RulesAnswer(msgspec.Struct, frozen=True, kw_only=True):
    """The rules in force on a day."""

    at: date
    rules: list[RuleEntry]


class BalancesAnswer(msgspec.Struct, frozen=True, kw_only=True):
    """Accounts and their balances in cents."""

    position: int
    accounts: list[AccountBalance]
    total_cents: int | None
    """Sum of every balance (zero when consistent); only for callers who see every account."""


def _proposal_ids(services: Services) -> list[UUID]:
    ids: list[UUID] = []
    start = 1
    for _ in range(PROPOSALS_MAX // PROPOSALS_PAGE + 1):
        page = services.ledger.recorder.select_notifications(
            start, PROPOSALS_PAGE, topics=[Proposal.Submitted.TOPIC])
        ids.extend(UUID(str(notification.originator_id)) for notification in page)
        if len(page) < PROPOSALS_PAGE or len(ids) >= PROPOSALS_MAX:
            break
        start = page[-1].id + 1
    return ids[:PROPOSALS_MAX]


def _entry(proposal: Proposal) -> ProposalEntry:
    outcome = proposal.outcome if proposal.outcome is not None else proposal.count()
    return ProposalEntry(
        proposal_id=proposal.id, title=proposal.title,
        kind=str(type(proposal.payload).__struct_config__.tag or type(proposal.payload).__name__),
        proposer_id=proposal.proposer_id, opens_at=proposal.opens_at,
        closes_at=proposal.closes_at, status=str(proposal.status),
        quorum_bp=proposal.quorum_bp, threshold_bp=proposal.threshold_bp,
        members_on_roll=len(proposal.roll), votes_cast=len(proposal.ballots), tally=outcome,
        effective_from=proposal.effective_from, enacted_from=proposal.enacted_from,
        participation=participation(outcome))


def _proposal(services: Services, proposal_id: FromPath[UUID]) -> Proposal:
    try:
        proposal: Any = services.ledger.repository.get(proposal_id)
    except AggregateNotFoundError:
        proposal = None
    if not isinstance(proposal, Proposal):
        raise ApiError(404, "not_found", f"proposal {proposal_id} does not exist")
    return proposal


@get("/api/proposals", name="list_proposals", tags=["governance"], sync_to_thread=True,
     responses=QUERY_ERRORS, summary="Proposals with their per-college tallies")
def list_proposals(request: Request[Any, Any, Any],
                   status: Annotated[ProposalFilter, QueryParameter(
                       required=False, description="Which proposals: open, adopted, "
                                                   "rejected or all",
                       examples=[Example(value="open")])] = "all",
                   ) -> list[ProposalEntry]:
    """Newest first; open proposals carry a provisional tally."""
    services = services_of(request)
    entries = []
    for proposal_id in reversed(_proposal_ids(services)):
        proposal = _proposal(services, proposal_id)
        if status in {"all", proposal.status}:
            entries.append(_entry(proposal))
    return entries


@get("/api/proposals/{proposal_id:uuid}", name="get_proposal", tags=["governance"],
     sync_to_thread=True, responses=QUERY_ERRORS,
     summary="A proposal, its payload, tally and the caller's vote")
def get_proposal(request: Request[Any, Any, Any],
                 proposal_id: Annotated[UUID, PathParameter(
                     description="The proposal",
                     examples=[Example(value="0192f0c7-5b86-7f5c-8072-8d9e0f1a2b3c")])],
                 ) -> ProposalDetail:
    """One proposal (ballots of others stay private; the caller sees its own)."""
    proposal = _proposal(services_of(request), proposal_id)
    caller: Caller = request.state.caller
    vote = proposal.ballots.get(caller.member_id)
    return ProposalDetail(proposal=_entry(proposal), payload=proposal.payload,
                          my_vote=str(vote) if vote is not None else None)


@get("/api/rules", name="rules_in_force", tags=["governance"], sync_to_thread=True,
     responses=QUERY_ERRORS, summary="Rules in force on a day, with their deciding proposals")
def rules_in_force(request: Request[Any, Any, Any],
                   at: Annotated[date | None, QueryParameter(
                       required=False, description="The day (default: today)",
                       examples=[Example(value="2026-03-09")])] = None,
                   ) -> RulesAnswer:
    """One rule per kind and scope; the default applies where none was voted."""
    services = services_of(request)
    day = at or date.today()  # noqa: DTZ011 - rules take effect on local calendar days.
    enactments: list[Enactment] = reader.rules_in_force(services.ledger, day)
    return RulesAnswer(at=day, rules=[
        RuleEntry(kind=str(enactment.kind), scope_id=enactment.scope_id,
                  effective_from=enactment.effective_from, decision_id=enactment.decision_id,
                  decision_title=enactment.title, rule=msgspec.to_builtins(enactment.rule))
        for enactment in enactments])


@get("/api/balances", name="list_balances", tags=["balances"], sync_to_thread=True,
     responses=QUERY_ERRORS, summary="Accounts and balances in cents (now or as of)")
def list_balances(request: Request[Any, Any, Any], after: After = None, as_of: AsOf = None,
                  basis: Basis = "business",
                  owner_id: Annotated[UUID | None, QueryParameter(
                      required=False, description="Only this member's accounts",
                      examples=[Example(value="0192f0c4-6f13-7a0e-b2c4-5d6e7f809a12")]),
                  ] = None,
                  kind: Annotated[str | None, QueryParameter(
                      required=False, max_length=64,
                      description="Only accounts of this kind (funder, funder_budget, "
                                  "programme_fund, producer, outlet, household)",
                      examples=[Example(value="outlet")])] = None,
                  ) -> BalancesAnswer:
    """Every account (coordinator, auditor), or the caller's own accounts."""
    services = services_of(request)
    as_of = moment_of(as_of)
    wait_for(services, after, ["balances"])
    balances = services.views.balances
    caller: Caller = request.state.caller
    scope_all = request.state.scope == Scope.ALL
    if not scope_all:
        if owner_id is not None and owner_id != caller.member_id:
            raise ApiError(403, "forbidden", "a member sees only its own accounts")
        owner_id = caller.member_id
    with services.views.snapshot(["balances"]) as positions:  # Accounts, total, position.
        accounts: list[AccountBalance] = balances.accounts(
            owner_id=str(owner_id) if owner_id else None, kind=kind, as_of=as_of, basis=basis)
        total = int(balances.total_cents()) if scope_all and as_of is None else None
    if any(not account.owner_name for account in accounts):
        # A household's account is named by its pseudonymous reference, never its id.
        directory = directory_of(services)
        accounts = [account if account.owner_name else msgspec.structs.replace(
            account, owner_name=directory.name(account.owner_id)) for account in accounts]
    return BalancesAnswer(position=positions["balances"], accounts=accounts,
                          total_cents=total)


# ------------------------------------------------------------------ decisions to see into

Weeks = Annotated[int | None, QueryParameter(
    required=False, ge=1, le=REPLAY_WEEKS_MAX,
    description="Weeks replayed (default: as the cooperative decided, else 8)",
    examples=[Example(value=8)])]
Before = Annotated[date | None, QueryParameter(
    required=False, description="Replay the weeks before this day's week (default: the "
                                "proposal's opening day)",
    examples=[Example(value="2026-02-09")])]
ProposalRef = Annotated[UUID, PathParameter(
    description="The proposal",
    examples=[Example(value="0192f0c7-5b86-7f5c-8072-8d9e0f1a2b3c")])]


@get("/api/proposals/{proposal_id:uuid}/simulation", name="simulate_proposal",
     tags=["governance"], sync_to_thread=True, responses=QUERY_ERRORS,
     summary="What the proposal's rule would have given over past weeks")
def simulate(request: Request[Any, Any, Any], proposal_id: ProposalRef, weeks: Weeks = None,
             before: Before = None) -> Simulation:
    """Past weeks replayed under the proposed rule, beside what happened (writes nothing)."""
    return simulate_proposal(services_of(request).ledger, proposal_id, weeks=weeks,
                             before=before)


@get("/api/proposals/{proposal_id:uuid}/simulation.html", name="simulation_fragment",
     tags=["governance"], sync_to_thread=True, responses=QUERY_ERRORS, media_type=HTML,
     summary="The proposal page's what-if section, in French (an HTML fragment)")
def simulation_fragment(request: Request[Any, Any, Any], proposal_id: ProposalRef,
                        weeks: Weeks = None, before: Before = None) -> str:
    """The same simulation as a table and a chart of the differences, for a page to include."""
    simulation = simulate_proposal(services_of(request).ledger, proposal_id, weeks=weeks,
                                   before=before)
    return str(simulation_section(simulation))


class DecisionActs(msgspec.Struct, frozen=True, kw_only=True):
    """The acts that applied a decision (a page of them; ``count`` is complete)."""

    decision_id: UUID
    count: int
    acts: list[ActEntry]


@get("/api/rules/history", name="rule_history", tags=["governance"], sync_to_thread=True,
     responses=QUERY_ERRORS,
     summary="Every rule ever in force, its decision, tally, dates and the acts applying it")
def rules_history(request: Request[Any, Any, Any]) -> list[RuleHistoryEntry]:
    """Oldest first."""
    return rule_history(services_of(request).ledger)


@get("/api/proposals/{proposal_id:uuid}/acts", name="decision_acts", tags=["governance"],
     sync_to_thread=True, responses=QUERY_ERRORS,
     summary="The acts that applied a decision, each linking to its provenance")
def decision_acts(request: Request[Any, Any, Any], proposal_id: ProposalRef,
                  offset: Annotated[int, QueryParameter(
                      ge=0, le=2**31, required=False, schema_extra={"minimum": 0},
                      description="Acts skipped (a page's start)",
                      examples=[Example(value=0)])] = 0,
                  limit: Annotated[int, QueryParameter(
                      ge=1, le=ACTS_LISTED_MAX, required=False,
                      description="Acts per page", examples=[Example(value=50)],
                  )] = ACTS_LISTED_MAX,
                  ) -> DecisionActs:
    """Oldest first, one per command."""
    count, acts = acts_of_decision(services_of(request).ledger, proposal_id, offset=offset,
                                   limit=limit)
    return DecisionActs(decision_id=proposal_id, count=count, acts=acts)


@get("/api/acts/{stream_id:uuid}", name="act_provenance", tags=["governance"],
     sync_to_thread=True, responses=QUERY_ERRORS,
     summary="The decision an act applied: a round (and each line), a payment, a basket")
def act_provenance(request: Request[Any, Any, Any],
                   stream_id: Annotated[UUID, PathParameter(
                       description="An allocation round, a transfer or a basket",
                       examples=[Example(value="0192f0c6-3f64-7d3a-ae50-6b7c8d9e0f1a")])],
                   ) -> ActProvenance:
    """One step from an allocation line, a payment or a basket to its decision."""
    return provenance_of(services_of(request).ledger, stream_id)


def governance_routes() -> list[HTTPRouteHandler]:
    """Routes for proposals, tallies, simulations, rules and their history, provenance and
    balances."""
    return [list_proposals, get_proposal, rules_in_force, list_balances, simulate,
            simulation_fragment, rules_history, decision_acts, act_provenance]
