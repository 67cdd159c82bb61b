"""Governance, funding and solidarity baskets, wired into the ``Ledger``.

``install(ledger)`` (called at the end of ``Ledger.__init__``) registers the commands of
``domain.governance_commands`` and:

- replaces ``Ledger.allocation_rule`` so allocation rounds compute with the allocation key
  in force on their business date and record the deciding proposal;
- wraps the ``DispatchDelivery`` handler: when a price grid is in force, the dispatched
  lines are priced and the producers' payments reserved as pending transfers from the
  payers the grid names (the outlet's share, the funders' budgets), in the same unit of
  work; a budget that cannot cover its share refuses the dispatch (it is never overdrawn);
- wraps the ``ReceiveDelivery`` handler: the stop's pending payments are posted for what
  was actually received (scaled down without losing a cent) or voided when nothing arrived.

Without a price grid in force, deliveries post nothing: money moves only as rules say.
Lines are paid to the lot's producer at the grid's price for its product, else at the offer
price of the lot (or of the lot it was split from). Lines are left unpaid, with the reason
recorded, when the lot mixes several producers (a merge) or when the dispatching platform is
the producer itself (a garden moving its own produce, e.g. to a basket collection point:
baskets pay for it).

Each handler follows the ledger's pattern: load, check, then record, all in one unit of
work saved atomically with the command record.
"""

from __future__ import annotations

import random
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

import msgspec
from eventsourcing.application import AggregateNotFoundError

from domain import commands as c
from domain import governance_commands as g
from domain.allocation_keys import PROPORTIONAL_TO_NEEDS
from domain.base import Context, Event, Role
from domain.baskets import (
    Basket,
    BasketLine,
    BasketProgramme,
    BasketTerms,
    FunderPayment,
    Household,
    HouseholdReference,
    basket_id,
    basket_shares,
    check_basket_lines,
    check_reference,
    household_reference_id,
)
from domain.deliveries import Delivery
from domain.errors import AlreadyExists, InvalidCommand, InvalidState, NotFound, RoleRequired
from domain.governance import College, Colleges, CollegeWeight
from domain.ids import name_id, uuid7
from domain.lots import Channel, Lot
from domain.members import Member, MemberKind
from domain.personal_data import PersonalData, check_personal_data
from domain.proposals import Choice, Proposal, Tally, recount
from domain.rules import (
    AdmitMember,
    CommitBudget,
    Enactment,
    FunderShare,
    Payload,
    ProductPrice,
    RuleBook,
    RuleKind,
    SetAllocationKey,
    SetBasketTerms,
    SetPriceGrid,
    allocation_parameters,
    grid_price,
    normalised_payload,
)
from domain.stock_rules import SetStockRules
from domain.transfers import (
    Account,
    AccountKind,
    CauseKind,
    DeliverySettlement,
    PayerShare,
    PostedShare,
    PricedLine,
    ProducerPayment,
    SettledPayment,
    Transfer,
    UnpaidLine,
    account_id,
    delivery_transfer_id,
    payment_cents,
    post_pending,
    record_transfer,
    scale_down,
    settlement_id,
    split_by_shares,
    void_pending,
)
from infra.logs import get_logger
from infra.personal_data_store import PersonalDataStore
from infra.store import StoreLocation

if TYPE_CHECKING:
    from infra.application import Handler, Ledger, UnitOfWork

log = get_logger("cocagne.governance")

PARENT_DEPTH_MAX = 20
"""Splits of splits a lot's price is looked up through: deeper chains are data errors."""
BALANCE_FOLD_BATCH = 5_000  # Notifications per select when folding balances.
BALANCE_FOLD_BATCHES_MAX = 100_000  # 500 M notifications: beyond any history, a loop guard.

_installed: weakref.WeakKeyDictionary[Ledger, Governance] = weakref.WeakKeyDictionary()


def install(ledger: Ledger) -> None:
    """Register governance, funding and basket commands on ``ledger``."""
    governance = Governance(ledger)
    _installed[ledger] = governance
    for command_type, handler in governance.handlers().items():
        ledger.register_handler(command_type, command_type.NAME, handler)
    # The core's handlers are wrapped, not replaced: the delivery is recorded exactly as
    # before, and the payments are added to the same unit of work.
    dispatch_name, dispatch = ledger.handler(c.DispatchDelivery)
    receive_name, receive = ledger.handler(c.ReceiveDelivery)
    ledger.register_handler(c.DispatchDelivery, dispatch_name,
                            governance.wrap_dispatch(dispatch))
    ledger.register_handler(c.ReceiveDelivery, receive_name, governance.wrap_receive(receive))
    # An instance attribute shadows the class's default method (proportional to needs).
    ledger.allocation_rule = governance.allocation_rule  # type: ignore[method-assign]


def governance_of(ledger: Ledger) -> Governance:
    """The governance module installed on a ledger."""
    return _installed[ledger]


def _aware(moment: datetime) -> datetime:
    """Business times without a zone are read as UTC (msgspec decodes them naive)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def location_of(ledger: Ledger) -> StoreLocation | None:
    """Where the ledger's events live (None for the in-memory store)."""
    if ledger.location is not None:
        return ledger.location
    module = ledger.env.get("PERSISTENCE_MODULE", "")
    if module == "eventsourcing.sqlite":
        from infra.store import sqlite_location  # noqa: PLC0415 - rare configuration path.

        return sqlite_location(ledger.env["SQLITE_DBNAME"])
    if module == "eventsourcing.postgres":
        return StoreLocation(
            kind="postgres", postgres_host=ledger.env.get("POSTGRES_HOST", "127.0.0.1"),
            postgres_port=int(ledger.env.get("POSTGRES_PORT", "5432")),
            postgres_user=ledger.env.get("POSTGRES_USER", "postgres"),
            postgres_password=ledger.env.get("POSTGRES_PASSWORD", ""),
            postgres_dbname=ledger.env.get("POSTGRES_DBNAME", ""))
    return None


class Governance:
    """Handlers and queries of governance, funding and baskets for one ledger."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger_ref = weakref.ref(ledger)
        self.personal_data = PersonalDataStore(location_of(ledger))
        self._accounts: weakref.WeakKeyDictionary[UnitOfWork, dict[UUID, Account]] = (
            weakref.WeakKeyDictionary())

    @property
    def ledger(self) -> Ledger:
        """The ledger (held weakly: the ledger owns this object, not the reverse)."""
        ledger = self._ledger_ref()
        assert ledger is not None, "the ledger was closed and collected"
        return ledger

    def handlers(self) -> dict[type[c.Command], Handler]:
        """Every command this module adds, with its handler."""
        return {
            g.ConstituteColleges: self._constitute_colleges,
            g.SeatMember: self._seat_member,
            g.UnseatMember: self._unseat_member,
            g.SubmitProposal: self._submit_proposal,
            g.CastVote: self._cast_vote,
            g.CloseProposal: self._close_proposal,
            g.CommitBudget: self._commit_budget,
            g.OpenAccount: self._open_account,
            g.TransferFunds: self._transfer_funds,
            g.PostTransfer: self._post_transfer,
            g.VoidTransfer: self._void_transfer,
            g.OpenBasketProgramme: self._open_basket_programme,
            g.EnrolHousehold: self._enrol_household,
            g.EraseHousehold: self._erase_household,
            g.PrepareBasket: self._prepare_basket,
            g.CollectBasket: self._collect_basket,
            g.CancelBasket: self._cancel_basket,
        }

    # ------------------------------------------------------------------ helpers

    def _act(self, uow: UnitOfWork, command: c.Command, *roles: Role,
             decision_id: UUID | None = None) -> tuple[Context, Member]:
        """The acting member's context (the core makes business time zone-aware)."""
        return self.ledger.act(uow, command, *roles, decision_id=decision_id)

    @staticmethod
    def _member_with(uow: UnitOfWork, member_id: UUID, role: Role, what: str) -> Member:
        member = uow.get(Member, member_id, what)
        if role not in member.roles:
            raise InvalidCommand(f"member {member.name} is not a {role} (holds: "
                                 f"{', '.join(sorted(member.roles)) or 'none'})")
        return member

    def _load_account(self, uow: UnitOfWork, account_id_: UUID) -> Account | None:
        """An account in this unit of work, loaded from its first and last events only.

        Accounts are always loaded through here (never ``uow.find``), so each unit of work
        holds one copy of each; see ``Account.resume`` for why not the whole stream.
        """
        loaded = self._accounts.setdefault(uow, {})
        account = loaded.get(account_id_)
        if account is not None:
            return account
        recorder = self.ledger.recorder
        first = recorder.select_events(account_id_, limit=1)
        if not first:
            return None
        last = recorder.select_events(account_id_, desc=True, limit=1)
        mapper = self.ledger.mapper
        account = Account.resume(cast(Event, mapper.to_domain_event(first[0])),
                                 cast(Event, mapper.to_domain_event(last[0])))
        uow.add(account)
        loaded[account.id] = account
        return account

    def _get_account(self, uow: UnitOfWork, account_id_: UUID) -> Account:
        account = self._load_account(uow, account_id_)
        if account is None:
            raise NotFound(f"account {account_id_} does not exist")
        return account

    def _account(self, uow: UnitOfWork, context: Context, kind: AccountKind, owner_id: UUID,
                 scope_id: UUID | None = None) -> Account:
        """The owner's account of a kind, opened on first use."""
        found = self._load_account(uow, account_id(kind, owner_id, scope_id))
        if found is not None:
            return found
        account = Account.open(context, kind, owner_id, scope_id)
        uow.add(account)
        self._accounts.setdefault(uow, {})[account.id] = account
        return account

    @staticmethod
    def _rule_book(uow: UnitOfWork) -> RuleBook | None:
        found = uow.find(RuleBook.ID)
        assert found is None or isinstance(found, RuleBook)
        return found

    def _in_force(self, uow: UnitOfWork, kind: RuleKind, at: date,
                  scope_id: UUID | None = None) -> Enactment | None:
        book = self._rule_book(uow)
        return None if book is None else book.in_force(kind, at, scope_id)

    def _check_funders(self, uow: UnitOfWork, funders: Sequence[FunderShare]) -> None:
        for funder in funders:
            self._member_with(uow, funder.funder_id, Role.FUNDER, "funder")

    # ------------------------------------------------------------------ colleges

    def _constitute_colleges(self, uow: UnitOfWork, command: g.ConstituteColleges) -> list[UUID]:
        context, _ = self._act(uow, command, Role.COORDINATOR)
        if uow.find(Colleges.ID) is not None:
            raise AlreadyExists("the colleges are already constituted")
        colleges = Colleges.constitute(context, list(command.weights))
        uow.add(colleges)
        return [colleges.id]

    def _seat_member(self, uow: UnitOfWork, command: g.SeatMember) -> list[UUID]:
        context, _ = self._act(uow, command, Role.COORDINATOR)
        member = self._member_with(uow, command.member_id, Role.VOTER, "member")
        colleges = uow.get(Colleges, Colleges.ID, "colleges")
        colleges.seat(context, member.id, command.college)
        return [colleges.id]

    def _unseat_member(self, uow: UnitOfWork, command: g.UnseatMember) -> list[UUID]:
        context, _ = self._act(uow, command, Role.COORDINATOR)
        colleges = uow.get(Colleges, Colleges.ID, "colleges")
        colleges.unseat(context, command.member_id, command.reason)
        return [colleges.id]

    # ----------------------------------------------------------------- proposals

    def _check_payload_references(self, uow: UnitOfWork, payload: Payload,
                                  colleges: Colleges) -> None:
        if isinstance(payload, SetBasketTerms):
            uow.get(BasketProgramme, payload.programme_id, "basket programme")
            self._check_funders(uow, payload.funders)
        elif isinstance(payload, SetPriceGrid):
            self._check_funders(uow, payload.funders)
        elif isinstance(payload, AdmitMember):
            member = self._member_with(uow, payload.member_id, Role.VOTER, "member")
            if payload.college not in colleges.weights:
                raise InvalidCommand(f"college {payload.college} is not one of the "
                                     "cooperative's")
            if colleges.members.get(member.id) == payload.college:
                raise AlreadyExists(f"member {member.name} already sits in college "
                                    f"{payload.college}")
        elif isinstance(payload, CommitBudget):
            self._member_with(uow, payload.funder_id, Role.FUNDER, "funder")
            if payload.programme_id is not None:
                uow.get(BasketProgramme, payload.programme_id, "basket programme")

    def _submit_proposal(self, uow: UnitOfWork, command: g.SubmitProposal) -> list[UUID]:
        context, _ = self._act(uow, command, Role.VOTER)
        colleges = uow.get(Colleges, Colleges.ID, "colleges")
        payload = normalised_payload(command.payload)
        self._check_payload_references(uow, payload, colleges)
        proposal = Proposal.submit(
            uuid7(), context, title=command.title, payload=payload,
            opens_at=_aware(command.opens_at or context.occurred_at),
            closes_at=_aware(command.closes_at), quorum_bp=command.quorum_bp,
            threshold_bp=command.threshold_bp, effective_from=command.effective_from,
            weights=colleges.weight_list(), roll=colleges.roll(),
            colleges_version=colleges.version)
        uow.add(proposal)
        return [proposal.id]

    def _cast_vote(self, uow: UnitOfWork, command: g.CastVote) -> list[UUID]:
        context, _ = self._act(uow, command, Role.VOTER)
        proposal = uow.get(Proposal, command.proposal_id, "proposal")
        proposal.vote(context, command.choice)
        return [proposal.id]

    def _close_proposal(self, uow: UnitOfWork, command: g.CloseProposal) -> list[UUID]:
        context, _ = self._act(uow, command, Role.VOTER, Role.COORDINATOR)
        proposal = uow.get(Proposal, command.proposal_id, "proposal")
        result = proposal.close(context)
        changed = [proposal.id]
        if result.adopted:
            changed += self._enact(uow, msgspec.structs.replace(context, decision_id=proposal.id),
                                   proposal)
        log.info("proposal closed", proposal_id=str(proposal.id), adopted=result.adopted,
                 participation_bp=result.participation_bp, yes_share_bp=result.yes_share_bp)
        return changed

    def _enact(self, uow: UnitOfWork, context: Context, proposal: Proposal) -> list[UUID]:
        """Carry out an adopted proposal: write its rule, or do its one-off act."""
        payload = proposal.payload
        if isinstance(payload, SetAllocationKey | SetBasketTerms | SetPriceGrid | SetStockRules):
            book = self._rule_book(uow)
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
        funder = self._account(uow, context, AccountKind.FUNDER, payload.funder_id)
        budget = self._budget_account(uow, context, payload.funder_id, payload.programme_id)
        transfer = record_transfer(uuid7(), context, funder, budget, payload.amount_cents,
                                   pending=False, cause_kind=CauseKind.DECISION,
                                   cause_id=proposal.id, memo=proposal.title)
        uow.add(transfer)
        return [transfer.id, funder.id, budget.id]

    # ------------------------------------------------------------------- funding

    def _budget_account(self, uow: UnitOfWork, context: Context, funder_id: UUID,
                        programme_id: UUID | None) -> Account:
        if programme_id is None:
            return self._account(uow, context, AccountKind.FUNDER_BUDGET, funder_id)
        return self._account(uow, context, AccountKind.PROGRAMME_FUND, funder_id, programme_id)

    def _commit_budget(self, uow: UnitOfWork, command: g.CommitBudget) -> list[UUID]:
        context, funder = self._act(uow, command, Role.FUNDER)
        if command.programme_id is not None:
            uow.get(BasketProgramme, command.programme_id, "basket programme")
        source = self._account(uow, context, AccountKind.FUNDER, funder.id)
        budget = self._budget_account(uow, context, funder.id, command.programme_id)
        transfer = record_transfer(uuid7(), context, source, budget, command.amount_cents,
                                   pending=False, cause_kind=CauseKind.COMMITMENT,
                                   cause_id=None, memo="budget commitment")
        uow.add(transfer)
        return [transfer.id, source.id, budget.id]

    def _open_account(self, uow: UnitOfWork, command: g.OpenAccount) -> list[UUID]:
        context, _ = self._act(uow, command, Role.COORDINATOR)
        if self._load_account(uow, account_id(command.kind, command.owner_id,
                                              command.scope_id)) is not None:
            raise AlreadyExists(f"the {command.kind} account of {command.owner_id} exists")
        if command.kind == AccountKind.HOUSEHOLD:
            uow.get(Household, command.owner_id, "household")
        else:
            uow.get(Member, command.owner_id, "owner")
        account = self._account(uow, context, command.kind, command.owner_id, command.scope_id)
        return [account.id]

    def _transfer_funds(self, uow: UnitOfWork, command: g.TransferFunds) -> list[UUID]:
        context, _ = self._act(uow, command, Role.COORDINATOR)
        debit = self._get_account(uow, command.debit_account_id)
        credit = self._get_account(uow, command.credit_account_id)
        transfer = record_transfer(uuid7(), context, debit, credit, command.amount_cents,
                                   pending=command.pending, cause_kind=CauseKind.ADJUSTMENT,
                                   cause_id=None, memo=command.memo)
        uow.add(transfer)
        return [transfer.id, debit.id, credit.id]

    def _adjustable(self, uow: UnitOfWork, transfer_id: UUID) -> tuple[Transfer, Account,
                                                                        Account]:
        transfer = uow.get(Transfer, transfer_id, "transfer")
        if transfer.cause_kind in {CauseKind.BASKET, CauseKind.DELIVERY}:
            raise InvalidState(f"transfer {transfer.id} pays for a {transfer.cause_kind}: it "
                               f"is posted or voided by that {transfer.cause_kind}'s own acts")
        return (transfer, self._get_account(uow, transfer.debit_account_id),
                self._get_account(uow, transfer.credit_account_id))

    def _post_transfer(self, uow: UnitOfWork, command: g.PostTransfer) -> list[UUID]:
        context, _ = self._act(uow, command, Role.COORDINATOR)
        transfer, debit, credit = self._adjustable(uow, command.transfer_id)
        post_pending(context, transfer, debit, credit, command.amount_cents)
        return [transfer.id, debit.id, credit.id]

    def _void_transfer(self, uow: UnitOfWork, command: g.VoidTransfer) -> list[UUID]:
        context, _ = self._act(uow, command, Role.COORDINATOR)
        transfer, debit, credit = self._adjustable(uow, command.transfer_id)
        void_pending(context, transfer, debit, credit, command.reason)
        return [transfer.id, debit.id, credit.id]

    # -------------------------------------------------------------------- baskets

    def _open_basket_programme(self, uow: UnitOfWork,
                               command: g.OpenBasketProgramme) -> list[UUID]:
        context, _ = self._act(uow, command, Role.COORDINATOR)
        self._member_with(uow, command.producer_id, Role.PRODUCER, "producer")
        for outlet_id in command.collection_point_ids:
            self._member_with(uow, outlet_id, Role.OUTLET, "collection point")
        self._check_funders(uow, command.funders)
        terms = BasketTerms(basket_price_cents=command.basket_price_cents,
                            household_share_cap_bp=command.household_share_cap_bp,
                            funders=list(command.funders))
        programme = BasketProgramme.open(uuid7(), context, name=command.name,
                                         producer_id=command.producer_id, terms=terms,
                                         collection_point_ids=list(command.collection_point_ids))
        uow.add(programme)
        return [programme.id]

    def basket_terms(self, uow: UnitOfWork, programme: BasketProgramme,
                     at: date) -> tuple[BasketTerms, UUID | None]:
        """The programme's terms in force on day ``at`` and the decision that set them."""
        enactment = self._in_force(uow, RuleKind.BASKET_TERMS, at, programme.id)
        if enactment is None:
            return programme.terms, None
        rule = enactment.rule
        assert isinstance(rule, SetBasketTerms)
        return BasketTerms(basket_price_cents=rule.basket_price_cents,
                           household_share_cap_bp=rule.household_share_cap_bp,
                           funders=list(rule.funders)), enactment.decision_id

    def _enrol_household(self, uow: UnitOfWork, command: g.EnrolHousehold) -> list[UUID]:
        context, _ = self._act(uow, command, Role.OUTLET)
        programme = uow.get(BasketProgramme, command.programme_id, "basket programme")
        reference = check_reference(command.reference)
        if uow.find(household_reference_id(programme.id, reference)) is not None:
            raise AlreadyExists(f"reference {reference} is already enrolled in programme "
                                f"{programme.name}")
        data = check_personal_data(PersonalData(name=command.name, contact=command.contact))
        household_id = uuid7()
        # The key is made (outside the event store) before the event that needs it; if the
        # save then fails, an unused key is left behind, which is harmless.
        sealed = self.personal_data.create_and_seal(household_id, data)
        household = Household.enrol(household_id, context, programme_id=programme.id,
                                    reference=reference, share_bp=command.share_bp,
                                    sealed_personal_data=sealed)
        uow.add(household)
        uow.add(HouseholdReference.claim(context, programme_id=programme.id,
                                         reference=reference, household_id=household_id))
        return [household.id]

    def _erase_household(self, uow: UnitOfWork, command: g.EraseHousehold) -> list[UUID]:
        context, actor = self._act(uow, command, Role.COORDINATOR, Role.OUTLET)
        household = uow.get(Household, command.household_id, "household")
        if context.role == Role.OUTLET and household.referrer_id != actor.id:
            raise RoleRequired(f"only household {household.reference}'s referrer or the "
                               "coordinator may erase it")
        household.check_active("erase")
        # Destroying the key is the erasure itself; it is done before the event is saved
        # and is idempotent, so a retried command still records the event.
        self.personal_data.erase(household.id)
        household.erase(context, command.reason)
        return [household.id]

    def _prepare_basket(self, uow: UnitOfWork, command: g.PrepareBasket) -> list[UUID]:
        context, outlet = self._act(uow, command, Role.OUTLET)
        household = uow.get(Household, command.household_id, "household")
        programme = uow.get(BasketProgramme, household.programme_id, "basket programme")
        household.check_active("prepare a basket for")
        programme.check_collection_point(outlet.id)
        lines = [BasketLine(line.lot_id, line.quantity_g) for line in command.lines]
        check_basket_lines(lines)
        new_id = basket_id(household.id, command.week)
        if uow.find(new_id) is not None:
            raise AlreadyExists(f"household {household.reference} already has a basket for "
                                f"week {command.week}")
        terms, decision_id = self.basket_terms(uow, programme, context.occurred_at.date())
        context = msgspec.structs.replace(context, decision_id=decision_id)
        uow.context = context
        for line in lines:
            lot = uow.get(Lot, line.lot_id, "lot")
            lot.distribute(context, outlet_id=outlet.id, quantity_g=line.quantity_g,
                           channel=Channel.BASKET)
        share_bp = household.share_under(terms.household_share_cap_bp)
        household_cents, funder_cents = basket_shares(terms.basket_price_cents, share_bp,
                                                      terms.funders)
        producer = self._account(uow, context, AccountKind.PRODUCER, programme.producer_id)
        household_account = self._account(uow, context, AccountKind.HOUSEHOLD, household.id)
        changed: list[UUID] = [new_id, *(line.lot_id for line in lines)]
        household_transfer_id = None
        if household_cents:
            household_transfer_id = name_id("basket-transfer", f"{new_id}:household")
            uow.add(record_transfer(household_transfer_id, context, household_account, producer,
                                    household_cents, pending=True,
                                    cause_kind=CauseKind.BASKET, cause_id=new_id,
                                    memo=f"household share, week {command.week}"))
            changed.append(household_transfer_id)
        payments: list[FunderPayment] = []
        for funder_id, cents in funder_cents:
            if not cents:
                continue
            fund = self._account(uow, context, AccountKind.PROGRAMME_FUND, funder_id,
                                 programme.id)
            transfer_id = name_id("basket-transfer", f"{new_id}:{funder_id}")
            uow.add(record_transfer(transfer_id, context, fund, producer, cents, pending=True,
                                    cause_kind=CauseKind.BASKET, cause_id=new_id,
                                    memo=f"funder share, week {command.week}"))
            payments.append(FunderPayment(funder_id=funder_id, account_id=fund.id,
                                          amount_cents=cents, transfer_id=transfer_id))
            changed += [transfer_id, fund.id]
        basket = Basket.prepare(context, programme=programme, household=household,
                                week=command.week, lines=lines, terms=terms,
                                household_account_id=household_account.id,
                                household_transfer_id=household_transfer_id,
                                funder_payments=payments)
        uow.add(basket)
        return [*changed, producer.id, household_account.id]

    def _basket_at_point(self, uow: UnitOfWork, command: g.CollectBasket | g.CancelBasket
                         ) -> tuple[Context, Basket]:
        context, outlet = self._act(uow, command, Role.OUTLET)
        basket = uow.get(Basket, command.basket_id, "basket")
        if basket.collection_point_id != outlet.id:
            raise RoleRequired(f"the basket of week {basket.week} is handed out by another "
                               "collection point")
        return context, basket

    def _basket_transfers(self, uow: UnitOfWork,
                          basket: Basket) -> list[tuple[Transfer, Account, Account]]:
        found = []
        for transfer_id in basket.transfer_ids():
            transfer = uow.get(Transfer, transfer_id, "transfer")
            found.append((transfer, self._get_account(uow, transfer.debit_account_id),
                          self._get_account(uow, transfer.credit_account_id)))
        return found

    def _collect_basket(self, uow: UnitOfWork, command: g.CollectBasket) -> list[UUID]:
        context, basket = self._basket_at_point(uow, command)
        basket.collect(context)
        changed = [basket.id]
        for transfer, debit, credit in self._basket_transfers(uow, basket):
            post_pending(context, transfer, debit, credit)
            changed += [transfer.id, debit.id, credit.id]
        return list(dict.fromkeys(changed))

    def _cancel_basket(self, uow: UnitOfWork, command: g.CancelBasket) -> list[UUID]:
        context, basket = self._basket_at_point(uow, command)
        basket.cancel(context, command.reason)
        changed = [basket.id]
        for transfer, debit, credit in self._basket_transfers(uow, basket):
            void_pending(context, transfer, debit, credit, f"basket not collected: "
                                                           f"{command.reason}"[:200])
            changed += [transfer.id, debit.id, credit.id]
        return list(dict.fromkeys(changed))

    # ------------------------------------------------------ deliveries and rules

    def allocation_rule(self, at: date) -> tuple[str, dict[str, int], UUID | None]:
        """The allocation key in force on day ``at``, its parameters and deciding proposal."""
        book = self.rule_book()
        enactment = None if book is None else book.in_force(RuleKind.ALLOCATION_KEY, at)
        if enactment is None:
            return PROPORTIONAL_TO_NEEDS, {}, None
        rule = enactment.rule
        assert isinstance(rule, SetAllocationKey)
        key, parameters = allocation_parameters(rule)
        return key, parameters, enactment.decision_id

    def rule_book(self) -> RuleBook | None:
        """The rule book as it stands (None until a first rule is adopted)."""
        try:
            book: object = self.ledger.repository.get(RuleBook.ID)
        except AggregateNotFoundError:
            return None
        assert isinstance(book, RuleBook)
        return book

    def _lot_price(self, uow: UnitOfWork, lot: Lot, grid: SetPriceGrid) -> int:
        """The grid's price for the lot's product, else the offer price of its origin."""
        price = grid_price(grid, lot.product)
        if price is not None:
            return price
        current = lot
        for _ in range(PARENT_DEPTH_MAX):
            if current.price_cents_per_kg or len(current.parents) != 1:
                break
            current = uow.get(Lot, current.parents[0].lot_id, "lot")
        return current.price_cents_per_kg

    def wrap_dispatch(self, dispatch: Handler) -> Handler:
        """Dispatch as before, then price the delivery and reserve the producers' pay."""
        def dispatch_and_price(uow: UnitOfWork, command: c.DispatchDelivery) -> list[UUID]:
            changed = dispatch(uow, command)
            assert uow.context is not None
            context = uow.context
            grid_rule = self._in_force(uow, RuleKind.PRICE_GRID,
                                       _aware(context.occurred_at).date())
            if grid_rule is None:
                return changed
            grid = grid_rule.rule
            assert isinstance(grid, SetPriceGrid)
            context = msgspec.structs.replace(context, decision_id=grid_rule.decision_id)
            delivery = uow.get(Delivery, command.delivery_id, "delivery")
            payments, unpaid, touched = self._price_delivery(uow, context, delivery, grid)
            if payments or unpaid:
                settlement = DeliverySettlement.price(
                    context, delivery_id=delivery.id, decision_id=grid_rule.decision_id,
                    payments=payments, unpaid=unpaid)
                uow.add(settlement)
                touched.insert(0, settlement.id)
            return list(dict.fromkeys([*changed, *touched]))
        return dispatch_and_price

    def _price_delivery(self, uow: UnitOfWork, context: Context, delivery: Delivery,
                        grid: SetPriceGrid) -> tuple[list[ProducerPayment], list[UnpaidLine],
                                                     list[UUID]]:
        payments: list[ProducerPayment] = []
        unpaid: list[UnpaidLine] = []
        touched: list[UUID] = []
        for stop in delivery.stops:
            by_producer: dict[UUID, list[PricedLine]] = {}
            for line in stop.lines:
                lot = uow.get(Lot, line.lot_id, "lot")
                if lot.producer_id == delivery.platform_id:
                    unpaid.append(UnpaidLine(outlet_id=stop.outlet_id, lot_id=lot.id,
                                             reason="the producer delivers its own produce"))
                    continue
                if lot.producer_id is None:
                    unpaid.append(UnpaidLine(outlet_id=stop.outlet_id, lot_id=lot.id,
                                             reason="made from several producers' lots"))
                    continue
                price = self._lot_price(uow, lot, grid)
                if price == 0:
                    unpaid.append(UnpaidLine(outlet_id=stop.outlet_id, lot_id=lot.id,
                                             reason="no price on the grid or the offer"))
                    continue
                by_producer.setdefault(lot.producer_id, []).append(PricedLine(
                    lot_id=lot.id, product=lot.product, quantity_g=line.quantity_g,
                    price_cents_per_kg=price))
            for producer_id in sorted(by_producer, key=str):
                lines = by_producer[producer_id]
                amount = payment_cents(sum(line.quantity_g * line.price_cents_per_kg
                                           for line in lines))
                if amount == 0:
                    continue
                payers = self._reserve_payment(uow, context, delivery.id, stop.outlet_id,
                                               producer_id, amount, grid, touched)
                payments.append(ProducerPayment(outlet_id=stop.outlet_id,
                                                producer_id=producer_id, lines=lines,
                                                amount_cents=amount, payers=payers))
        return payments, unpaid, touched

    def _reserve_payment(self, uow: UnitOfWork, context: Context, delivery_id: UUID,
                         outlet_id: UUID, producer_id: UUID, amount: int, grid: SetPriceGrid,
                         touched: list[UUID]) -> list[PayerShare]:
        """Pending transfers from each payer to the producer, the outlet's share first.

        The outlet pays the floor of its share; the funders split the rest by largest
        remainder (see ``domain.transfers.split_by_shares``).
        """
        outlet_cents = amount * grid.outlet_share_bp // 10_000
        shares: list[tuple[Account, UUID, int]] = []
        if outlet_cents:
            shares.append((self._account(uow, context, AccountKind.OUTLET, outlet_id),
                           outlet_id, outlet_cents))
        if amount - outlet_cents:
            for funder_id, cents in split_by_shares(
                    amount - outlet_cents,
                    [(funder.funder_id, funder.share_bp) for funder in grid.funders]):
                if cents:
                    shares.append((self._account(uow, context, AccountKind.FUNDER_BUDGET,
                                                 funder_id), funder_id, cents))
        producer = self._account(uow, context, AccountKind.PRODUCER, producer_id)
        payers: list[PayerShare] = []
        for account, payer_id, cents in shares:
            transfer_id = delivery_transfer_id(delivery_id, outlet_id, producer_id, account.id)
            uow.add(record_transfer(transfer_id, context, account, producer, cents,
                                    pending=True, cause_kind=CauseKind.DELIVERY,
                                    cause_id=delivery_id, memo="producer payment"))
            payers.append(PayerShare(payer_id=payer_id, account_id=account.id,
                                     amount_cents=cents, transfer_id=transfer_id))
            touched += [transfer_id, account.id]
        touched.append(producer.id)
        return payers

    def wrap_receive(self, receive: Handler) -> Handler:
        """Receive as before, then post the stop's payments for what arrived."""
        def receive_and_settle(uow: UnitOfWork, command: c.ReceiveDelivery) -> list[UUID]:
            changed = receive(uow, command)
            found = uow.find(settlement_id(command.delivery_id))
            if found is None:
                return changed
            assert isinstance(found, DeliverySettlement)
            assert uow.context is not None
            context = msgspec.structs.replace(uow.context, decision_id=found.decision_id)
            outlet_id = context.member_id
            received = {line.lot_id: line.received_g for line in command.lines}
            settled: list[SettledPayment] = []
            touched: list[UUID] = [found.id]
            for payment in found.payments_for(outlet_id):
                received_cents = payment_cents(sum(
                    received.get(line.lot_id, 0) * line.price_cents_per_kg
                    for line in payment.lines))
                parts = scale_down([payer.amount_cents for payer in payment.payers],
                                   received_cents, payment.amount_cents)
                shares = []
                for payer, posted_cents in zip(payment.payers, parts, strict=True):
                    transfer = uow.get(Transfer, payer.transfer_id, "transfer")
                    debit = self._get_account(uow, transfer.debit_account_id)
                    credit = self._get_account(uow, transfer.credit_account_id)
                    if posted_cents:
                        post_pending(context, transfer, debit, credit, posted_cents)
                    else:
                        void_pending(context, transfer, debit, credit, "nothing received")
                    shares.append(PostedShare(transfer_id=transfer.id,
                                              pending_cents=payer.amount_cents,
                                              posted_cents=posted_cents))
                    touched += [transfer.id, debit.id, credit.id]
                settled.append(SettledPayment(producer_id=payment.producer_id,
                                              dispatched_cents=payment.amount_cents,
                                              received_cents=received_cents, shares=shares))
            if settled:
                found.settle_stop(context, outlet_id, settled)
                return list(dict.fromkeys([*changed, *touched]))
            return changed
        return receive_and_settle

    # -------------------------------------------------------------------- queries

    def rules_in_force(self, at: date) -> list[Enactment]:
        """Every standing rule in force on day ``at`` (one per kind and scope)."""
        book = self.rule_book()
        if book is None:
            return []
        scopes = {(enactment.kind, enactment.scope_id) for enactment in book.enactments}
        found = [book.in_force(kind, at, scope) for kind, scope in scopes]
        return sorted((enactment for enactment in found if enactment is not None),
                      key=lambda enactment: (enactment.kind, str(enactment.scope_id)))

    def reveal_household(self, household_id: UUID) -> PersonalData | None:
        """A household's name and contact, or None once erased."""
        household: object = self.ledger.repository.get(household_id)
        assert isinstance(household, Household)
        return self.personal_data.reveal(household.id, household.sealed_personal_data)

    def recount(self, proposal_id: UUID) -> tuple[Tally, Tally | None]:
        """Recount a proposal from its stored events (see ``domain.proposals.recount``)."""
        return recount(cast(Iterable[Event], self.ledger.events.get(proposal_id)))


# ---------------------------------------------------------------------- balances


@dataclass
class AccountBalance:
    """An account's totals, folded from its events."""

    account_id: UUID
    kind: AccountKind
    owner_id: UUID
    scope_id: UUID | None
    guarded: bool
    debits_pending: int = 0
    debits_posted: int = 0
    credits_pending: int = 0
    credits_posted: int = 0

    @property
    def balance_cents(self) -> int:
        """Posted credits minus posted debits."""
        return self.credits_posted - self.debits_posted


ACCOUNT_TOPICS = (Account.Opened.TOPIC, Account.Debited.TOPIC, Account.Credited.TOPIC,
                  Account.PendingPosted.TOPIC, Account.PendingVoided.TOPIC)


@dataclass
class BalanceFold:
    """Balances folded from account events, caught up incrementally from the log."""

    accounts: dict[UUID, AccountBalance] = field(default_factory=dict)
    position: int = 0

    def catch_up(self, ledger: Ledger, upto: int | None = None) -> None:
        """Apply account events after ``position`` (up to notification ``upto``)."""
        for _ in range(BALANCE_FOLD_BATCHES_MAX):
            notifications = ledger.recorder.select_notifications(
                self.position + 1, BALANCE_FOLD_BATCH, stop=upto, topics=ACCOUNT_TOPICS)
            if not notifications:
                return
            for notification in notifications:
                self.apply(ledger.mapper.to_domain_event(notification))
            self.position = notifications[-1].id

    def apply(self, event: Any) -> None:
        """Fold one account event."""
        if isinstance(event, Account.Opened):
            self.accounts[event.originator_id] = AccountBalance(
                event.originator_id, event.kind, event.owner_id, event.scope_id,
                event.debits_must_not_exceed_credits)
            return
        balance = self.accounts[event.originator_id]
        if isinstance(event, Account.Debited):
            if event.pending:
                balance.debits_pending += event.amount_cents
            else:
                balance.debits_posted += event.amount_cents
        elif isinstance(event, Account.Credited):
            if event.pending:
                balance.credits_pending += event.amount_cents
            else:
                balance.credits_posted += event.amount_cents
        elif isinstance(event, Account.PendingPosted | Account.PendingVoided):
            posted = event.posted_cents if isinstance(event, Account.PendingPosted) else 0
            if event.side == "debit":
                balance.debits_pending -= event.pending_cents
                balance.debits_posted += posted
            else:
                balance.credits_pending -= event.pending_cents
                balance.credits_posted += posted

    def total_cents(self) -> int:
        """The sum of all balances: zero, always."""
        return sum(balance.balance_cents for balance in self.accounts.values())

    def overdrawn(self) -> list[AccountBalance]:
        """Guarded accounts whose debits exceed their credits (never any)."""
        return [balance for balance in self.accounts.values() if balance.guarded and
                balance.debits_posted + balance.debits_pending > balance.credits_posted]


def fold_balances(ledger: Ledger, upto: int | None = None) -> BalanceFold:
    """Every account's balance at notification ``upto`` (default: now)."""
    fold = BalanceFold()
    fold.catch_up(ledger, upto)
    return fold


# ------------------------------------------------------------------ demo seeding


@dataclass
class GovernanceSeed:
    """What ``seed_governance`` set up, for the demo summary and the weekly baskets."""

    seed: int
    colleges: dict[College, list[UUID]]
    price_grid_proposal_id: UUID
    allocation_proposal_id: UUID
    allocation_effective_from: date
    allocation_tally: Tally
    programme_id: UUID
    basket_producer_id: UUID
    basket_site_id: UUID
    collection_point_id: UUID
    referrer_id: UUID
    funder_ids: list[UUID]
    household_ids: list[UUID] = field(default_factory=list)
    baskets_prepared: int = 0
    baskets_collected: int = 0
    baskets_cancelled: int = 0
    commands: int = 0


class _Runner:
    """Runs seeding commands with stable, unique command ids (re-running replays them).

    ``build`` makes a command, ``batch`` runs several in one transaction (as the demo does:
    streams touched by many commands, like a producer's account, are loaded once).
    """

    def __init__(self, ledger: Ledger, prefix: str) -> None:
        self.ledger = ledger
        self.prefix = prefix
        self.count = 0

    def build(self, command_type: type[Any], **fields: Any) -> Any:
        self.count += 1
        return command_type(command_id=f"{self.prefix}-{self.count}", **fields)

    def __call__(self, command_type: type[Any], **fields: Any) -> UUID:
        return self.ledger.execute(self.build(command_type, **fields)).stream_id

    def batch(self, commands: Sequence[Any]) -> list[UUID]:
        if not commands:
            return []
        return [result.stream_id for result in self.ledger.execute_batch(commands)]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def seed_governance(ledger: Ledger, *, coordinator_id: UUID | None = None,
                    start: date | None = None, weeks: int = 12, seed: int = 7,
                    households: int = 40, change_week: int = 6,
                    producer_ids: Sequence[UUID] = (), platform_ids: Sequence[UUID] = (),
                    outlet_ids: Sequence[UUID] = (), funder_ids: Sequence[UUID] = (),
                    delivery_budget_cents: int | None = None, basket_weeks: bool = True,
                    summary: Any = None, territories: Sequence[Any] = ()) -> GovernanceSeed:
    """Set up governance, funding and a basket programme in a demo territory.

    The demo generator may pass its own ``summary`` (``DemoSummary``) and ``territories``
    instead of ids: the coordinator, funders, platforms, gardens and outlets are then read
    from them, and ``start`` defaults to ``infra.demo.FIRST_MONDAY``.

    ``start`` is the Monday of demo week 1; everything this sets up happens in the fortnight
    before it, except the allocation vote (week ``change_week - 1``) and the baskets. With
    the members the demo registered (any list may be empty) it:

    1. constitutes five colleges (producers 30 %, outlets 20 %, households 20 %, funders
       15 %, employees 15 %) and seats the demo's producers, platforms (with the outlets),
       outlets and funders, plus its own garden, collection point, referrer, three household
       delegates, three employees and, if fewer than two were given, funders;
    2. adopts a price grid in force from the day before week 1: outlets pay 20 % of what
       producers are paid for delivered produce, the first two funders 60 % / 40 % of the
       rest; each of them commits ``delivery_budget_cents`` to its delivery budget (a
       dispatch its budget cannot cover is refused; the default, 1,000 EUR per producer
       and week, is about four times what the demo's deliveries cost);
    3. opens the "Paniers Solidaires" programme (15.00 EUR baskets, 30 % household cap,
       funders 70 % / 30 %) with ``households`` households enrolled by the referrer (names
       sealed; some pay a lower share), and funds it for ``weeks`` weeks;
    4. runs a vote in week ``change_week - 1`` (Tuesday to Saturday) switching the
       allocation key to "proportional to households served, 5 % minimum per outlet" from
       the Monday of week ``change_week``: producers vote no (but one), funders abstain or
       vote no, the other colleges vote yes (every fifth member does not vote); the weighted
       tally adopts it;
    5. when ``basket_weeks``, runs every week's baskets (``seed_basket_week``); otherwise the
       demo calls ``seed_basket_week`` itself inside its weekly loop.

    Deterministic for a given ``seed``; command ids are stable, so running it twice on the
    same store replays instead of duplicating.
    """
    if summary is not None:
        coordinator_id = coordinator_id or summary.coordinator_id
        funder_ids = funder_ids or list(summary.funder_ids)
        platform_ids = platform_ids or list(summary.platform_ids)
        producer_ids = producer_ids or [garden for territory in territories
                                        for garden in territory.garden_ids]
        outlet_ids = outlet_ids or [outlet for territory in territories
                                    for outlet in territory.outlet_ids]
    if start is None:
        from infra.demo import FIRST_MONDAY  # noqa: PLC0415 - only the demo's default.

        start = FIRST_MONDAY
    if coordinator_id is None:
        raise InvalidCommand("seeding governance needs the coordinator's id")
    run = _Runner(ledger, f"gov-seed-{seed}")
    before = start - timedelta(days=7)
    if delivery_budget_cents is None:
        delivery_budget_cents = DELIVERY_BUDGET_CENTS_PER_PRODUCER_WEEK * max(
            1, len(producer_ids)) * weeks

    def register(name: str, kind: MemberKind, roles: list[Role] | None = None) -> Any:
        return run.build(c.RegisterMember, actor_id=coordinator_id, name=name, kind=kind,
                         roles=roles, occurred_at=_at(before - timedelta(days=7), 9))

    extra_funders = [register(name, MemberKind.FUNDER) for name in (
        "Réseau Cocagne — fonds national", "Fondation Solidarité Alimentaire")][
        :max(0, 2 - len(funder_ids))]
    own = run.batch([
        *extra_funders,
        register("Jardin de Cocagne — Paniers Solidaires", MemberKind.PRODUCER,
                 [Role.PRODUCER, Role.PLATFORM, Role.VOTER]),
        register("Point relais — Centre social des Pentes", MemberKind.OUTLET),
        register("CCAS — service social (orientation)", MemberKind.OUTLET),
        *(register(f"Salarié·e en insertion {index}", MemberKind.NETWORK, [Role.VOTER])
          for index in range(1, 4)),
        *(register(f"Délégué·e des foyers {index}", MemberKind.HOUSEHOLD)
          for index in range(1, 4))])
    funders = [*funder_ids, *own[:len(extra_funders)]]
    garden, point, referrer = own[len(extra_funders):len(extra_funders) + 3]
    employees = own[len(extra_funders) + 3:len(extra_funders) + 6]
    delegates = own[len(extra_funders) + 6:]
    site = run(c.RegisterSite, actor_id=coordinator_id, name="Jardin — parcelles paniers",
               kind="garden", operator_id=garden, occurred_at=_at(before - timedelta(days=7), 9))

    run(g.ConstituteColleges, actor_id=coordinator_id,
        occurred_at=_at(before - timedelta(days=7), 10),
        weights=[CollegeWeight(College.PRODUCERS, 3_000), CollegeWeight(College.OUTLETS, 2_000),
                 CollegeWeight(College.HOUSEHOLDS, 2_000), CollegeWeight(College.FUNDERS, 1_500),
                 CollegeWeight(College.EMPLOYEES, 1_500)])
    seats = {
        College.PRODUCERS: list(dict.fromkeys([*producer_ids, garden])),
        College.OUTLETS: list(dict.fromkeys([*outlet_ids, *platform_ids, point, referrer])),
        College.HOUSEHOLDS: delegates,
        College.FUNDERS: list(dict.fromkeys(funders)),
        College.EMPLOYEES: employees,
    }
    run.batch([run.build(g.SeatMember, actor_id=coordinator_id, member_id=member_id,
                         college=college, occurred_at=_at(before - timedelta(days=7), 11))
               for college, members in seats.items() for member_id in members])
    governance = governance_of(ledger)

    def decide(title: str, payload: Payload, opens: datetime, closes: datetime,
               choices: dict[UUID, Choice], effective_from: date) -> tuple[UUID, Tally]:
        proposal_id = run(g.SubmitProposal, actor_id=seats[College.OUTLETS][-1], title=title,
                          payload=payload, opens_at=opens, closes_at=closes, quorum_bp=3_000,
                          threshold_bp=5_000, effective_from=effective_from, occurred_at=opens)
        run.batch([run.build(g.CastVote, actor_id=member_id, proposal_id=proposal_id,
                             choice=choice, occurred_at=opens + timedelta(minutes=offset + 1))
                   for offset, (member_id, choice) in enumerate(choices.items())])
        run(g.CloseProposal, actor_id=coordinator_id, proposal_id=proposal_id,
            occurred_at=closes)
        outcome = governance.recount(proposal_id)[1]
        assert outcome is not None
        return proposal_id, outcome

    everyone = [member for members in seats.values() for member in members]
    grid_opens = _at(before - timedelta(days=6), 9)
    grid = SetPriceGrid(
        prices=[ProductPrice("carotte", 180), ProductPrice("pomme de terre", 120),
                ProductPrice("poireau", 250), ProductPrice("courge", 200),
                ProductPrice("chou", 150), ProductPrice("pomme", 220)],
        outlet_share_bp=2_000,
        funders=[FunderShare(funders[0], 6_000), FunderShare(funders[1], 4_000)])
    grid_id, _ = decide("Grille de prix solidaires et financement des livraisons", grid,
                        grid_opens, grid_opens + timedelta(days=4),
                        dict.fromkeys(everyone, Choice.YES), start - timedelta(days=1))

    programme = run(g.OpenBasketProgramme, actor_id=coordinator_id, name="Paniers Solidaires",
                    producer_id=garden, basket_price_cents=1_500, household_share_cap_bp=3_000,
                    funders=[FunderShare(funders[0], 7_000), FunderShare(funders[1], 3_000)],
                    collection_point_ids=[point], occurred_at=_at(before, 14))
    for funder_id, fund_share_bp in ((funders[0], 7_000), (funders[1], 3_000)):
        run(g.CommitBudget, actor_id=funder_id, amount_cents=delivery_budget_cents,
            occurred_at=_at(before, 15))
        run(g.CommitBudget, actor_id=funder_id, programme_id=programme,
            amount_cents=1_500 * households * weeks * fund_share_bp // 10_000 + 1_000,
            occurred_at=_at(before, 15))

    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets.
    household_ids = run.batch([
        run.build(g.EnrolHousehold, actor_id=referrer, programme_id=programme,
                  reference=f"CCAS-{index:04d}", name=f"Foyer fictif {index}",
                  contact=f"06 00 00 {index // 100:02d} {index % 100:02d}",
                  share_bp=rng.choice((None, None, 2_000, 1_000)), occurred_at=_at(before, 16))
        for index in range(1, households + 1)])

    vote_day = start + timedelta(weeks=change_week - 2, days=1)
    choices: dict[UUID, Choice] = {}
    for college, members in seats.items():
        for index, member_id in enumerate(members):
            if college == College.PRODUCERS:
                choices[member_id] = Choice.YES if index == 0 else Choice.NO
            elif college == College.FUNDERS:
                choices[member_id] = Choice.ABSTAIN if index == 0 else Choice.NO
            elif index % 5 != 4:
                choices[member_id] = Choice.YES
    effective = start + timedelta(weeks=change_week - 1)
    allocation_id, allocation_tally = decide(
        "Clé de répartition : au prorata des foyers servis, 5 % minimum par structure",
        SetAllocationKey(key="proportional_to_households", minimum_share_bp=500),
        _at(vote_day, 9), _at(vote_day + timedelta(days=4), 18), choices, effective)

    created = GovernanceSeed(
        seed=seed, colleges=seats, price_grid_proposal_id=grid_id,
        allocation_proposal_id=allocation_id, allocation_effective_from=effective,
        allocation_tally=allocation_tally, programme_id=programme, basket_producer_id=garden,
        basket_site_id=site, collection_point_id=point, referrer_id=referrer,
        funder_ids=funders, household_ids=household_ids, commands=run.count)
    if basket_weeks:
        for week in range(1, weeks + 1):
            seed_basket_week(ledger, created, week=week, monday=start + timedelta(weeks=week - 1))
    return created


DELIVERY_BUDGET_CENTS_PER_PRODUCER_WEEK = 100_000
"""A demo garden sells ~550 EUR a week to the platform, of which a funder pays at most half."""
BASKET_PRODUCTS = (("carotte", 600), ("pomme de terre", 1_000), ("poireau", 400),
                   ("courge", 800))
"""What a weekly basket holds, in grams per household."""
UNCOLLECTED_EVERY = 15
"""One basket in fifteen is not collected (and cancelled): the programme's usual rate."""


def seed_basket_week(ledger: Ledger, seeded: GovernanceSeed, *, week: int,
                     monday: date) -> int:
    """One demo week of baskets; returns the commands run.

    Monday the garden harvests one lot per product, receives it at its basket site and
    delivers it to the collection point; Thursday the collection point makes up every
    household's basket (each lot line recorded as distributed through the basket channel)
    and hands them out; a few are not collected and are cancelled on Friday.
    """
    run = _Runner(ledger, f"gov-seed-{seeded.seed}-week-{week}")
    garden, point = seeded.basket_producer_id, seeded.collection_point_id
    count = len(seeded.household_ids)
    offers = [run.build(c.OfferLot, actor_id=garden, product=product, quantity_g=grams * count,
                        price_cents_per_kg=0, harvest_date=monday,
                        best_before=monday + timedelta(days=10),
                        organic_certificate="FR-BIO-01", origin="parcelles paniers",
                        occurred_at=_at(monday, 7)) for product, grams in BASKET_PRODUCTS]
    lots = list(zip(run.batch(offers), (grams for _, grams in BASKET_PRODUCTS), strict=True))
    site = seeded.basket_site_id
    run.batch([command for lot, grams in lots for command in (
        run.build(c.AcceptOffer, actor_id=garden, lot_id=lot, site_id=site,
                  accepted_g=grams * count, occurred_at=_at(monday, 7, 30)),
        run.build(c.ReceiveLot, actor_id=garden, lot_id=lot, site_id=site,
                  measured_g=grams * count, occurred_at=_at(monday, 8)))])
    delivery = run(c.PlanDelivery, actor_id=garden, from_site_id=site, planned_for=monday,
                   stops=[c.PlannedStop(point, [c.PlannedLine(lot, grams * count)
                                                for lot, grams in lots])],
                   occurred_at=_at(monday, 8, 30))
    run.batch([
        run.build(c.DispatchDelivery, actor_id=garden, delivery_id=delivery,
                  occurred_at=_at(monday, 9)),
        run.build(c.ReceiveDelivery, actor_id=point, delivery_id=delivery,
                  lines=[c.ReceiptLine(lot, grams * count) for lot, grams in lots],
                  signer="Accueil du centre social", occurred_at=_at(monday, 11))])
    iso_year, iso_week, _ = monday.isocalendar()
    week_name = f"{iso_year}-W{iso_week:02d}"
    thursday = monday + timedelta(days=3)
    baskets = run.batch([
        run.build(g.PrepareBasket, actor_id=point, household_id=household_id, week=week_name,
                  lines=[g.BasketLineInput(lot, grams) for lot, grams in lots],
                  occurred_at=_at(thursday, 10)) for household_id in seeded.household_ids])
    seeded.baskets_prepared += len(baskets)
    handed_out: list[Any] = []
    for index, basket in enumerate(baskets):
        if (index + week) % UNCOLLECTED_EVERY:
            handed_out.append(run.build(g.CollectBasket, actor_id=point, basket_id=basket,
                                        occurred_at=_at(thursday, 17)))
            seeded.baskets_collected += 1
        else:
            handed_out.append(run.build(
                g.CancelBasket, actor_id=point, basket_id=basket, reason="panier non retiré",
                occurred_at=_at(thursday + timedelta(days=1), 12)))
            seeded.baskets_cancelled += 1
    run.batch(handed_out)
    seeded.commands += run.count
    return run.count
