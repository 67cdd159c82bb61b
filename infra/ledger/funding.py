"""Handlers for money: funders' budgets, accounts, and transfers a coordinator records,
posts or voids; and the accounts every other handler pays through (opened on first use)."""

from __future__ import annotations

from uuid import UUID

from domain import governance_commands as g
from domain.base import Context, Role
from domain.baskets import BasketProgramme, Household
from domain.errors import AlreadyExists, InvalidState
from domain.ids import uuid7
from domain.members import Member
from domain.transfers import (
    Account,
    AccountKind,
    CauseKind,
    Transfer,
    account_id,
    post_pending,
    record_transfer,
    void_pending,
)
from infra.ledger.actors import act
from infra.ledger.unit_of_work import UnitOfWork


def account_of(uow: UnitOfWork, context: Context, kind: AccountKind, owner_id: UUID,
               scope_id: UUID | None = None) -> Account:
    """The owner's account of a kind, opened on first use."""
    found = uow.account(account_id(kind, owner_id, scope_id))
    if found is not None:
        return found
    account = Account.open(context, kind, owner_id, scope_id)
    uow.add(account)
    return account


def budget_account(uow: UnitOfWork, context: Context, funder_id: UUID,
                   programme_id: UUID | None) -> Account:
    """A funder's delivery budget, or its fund for one basket programme."""
    if programme_id is None:
        return account_of(uow, context, AccountKind.FUNDER_BUDGET, funder_id)
    return account_of(uow, context, AccountKind.PROGRAMME_FUND, funder_id, programme_id)


def commit_budget(command: g.CommitBudget, uow: UnitOfWork) -> list[UUID]:
    """A funder commits money to its delivery budget or to a programme's fund."""
    context, funder = act(uow, command, Role.FUNDER)
    if command.programme_id is not None:
        uow.get(BasketProgramme, command.programme_id, "basket programme")
    source = account_of(uow, context, AccountKind.FUNDER, funder.id)
    budget = budget_account(uow, context, funder.id, command.programme_id)
    transfer = record_transfer(uuid7(), context, source, budget, command.amount_cents,
                               pending=False, cause_kind=CauseKind.COMMITMENT, cause_id=None,
                               memo="budget commitment")
    uow.add(transfer)
    return [transfer.id, source.id, budget.id]


def open_account(command: g.OpenAccount, uow: UnitOfWork) -> list[UUID]:
    """Open an account ahead of its first movement (a coordinator's act)."""
    context, _ = act(uow, command, Role.COORDINATOR)
    if uow.account(account_id(command.kind, command.owner_id, command.scope_id)) is not None:
        raise AlreadyExists(f"the {command.kind} account of {command.owner_id} exists",
                            reason="account_exists", kind=str(command.kind),
                            owner_id=str(command.owner_id))
    if command.kind == AccountKind.HOUSEHOLD:
        uow.get(Household, command.owner_id, "household")
    else:
        uow.get(Member, command.owner_id, "owner")
    account = account_of(uow, context, command.kind, command.owner_id, command.scope_id)
    return [account.id]


def transfer_funds(command: g.TransferFunds, uow: UnitOfWork) -> list[UUID]:
    """A coordinator's adjustment between two accounts, pending or posted."""
    context, _ = act(uow, command, Role.COORDINATOR)
    debit = uow.get_account(command.debit_account_id)
    credit = uow.get_account(command.credit_account_id)
    transfer = record_transfer(uuid7(), context, debit, credit, command.amount_cents,
                               pending=command.pending, cause_kind=CauseKind.ADJUSTMENT,
                               cause_id=None, memo=command.memo)
    uow.add(transfer)
    return [transfer.id, debit.id, credit.id]


def transfer_accounts(uow: UnitOfWork, transfer: Transfer) -> tuple[Account, Account]:
    """The debited and credited accounts of a transfer."""
    return (uow.get_account(transfer.debit_account_id),
            uow.get_account(transfer.credit_account_id))


def _adjustable(uow: UnitOfWork, transfer_id: UUID) -> tuple[Transfer, Account, Account]:
    transfer = uow.get(Transfer, transfer_id, "transfer")
    if transfer.cause_kind in {CauseKind.BASKET, CauseKind.DELIVERY}:
        raise InvalidState(f"transfer {transfer.id} pays for a {transfer.cause_kind}: it "
                           f"is posted or voided by that {transfer.cause_kind}'s own acts",
                           reason="transfer_settled_by_its_act",
                           kind=str(transfer.cause_kind))
    return (transfer, *transfer_accounts(uow, transfer))


def post_transfer(command: g.PostTransfer, uow: UnitOfWork) -> list[UUID]:
    """Post a pending adjustment (all of it, or less)."""
    context, _ = act(uow, command, Role.COORDINATOR)
    transfer, debit, credit = _adjustable(uow, command.transfer_id)
    post_pending(context, transfer, debit, credit, command.amount_cents)
    return [transfer.id, debit.id, credit.id]


def void_transfer(command: g.VoidTransfer, uow: UnitOfWork) -> list[UUID]:
    """Void a pending adjustment, with the reason."""
    context, _ = act(uow, command, Role.COORDINATOR)
    transfer, debit, credit = _adjustable(uow, command.transfer_id)
    void_pending(context, transfer, debit, credit, command.reason)
    return [transfer.id, debit.id, credit.id]
