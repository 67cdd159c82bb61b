"""Handlers for solidarity baskets: open a programme, enrol and erase households (their
personal data sealed outside the events), prepare a household's weekly basket (reserving its
payment from the household and the funders), hand it out or cancel it."""

from __future__ import annotations

from uuid import UUID

import msgspec

from domain import governance_commands as g
from domain.base import Context, Role
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
from domain.errors import AlreadyExists, RoleRequired
from domain.ids import name_id, uuid7
from domain.lots import Channel, Lot
from domain.personal_data import PersonalData, check_personal_data
from domain.transfers import (
    Account,
    AccountKind,
    CauseKind,
    Transfer,
    post_pending,
    record_transfer,
    void_pending,
)
from infra.ledger.actors import act, member_with
from infra.ledger.funding import account_of, transfer_accounts
from infra.ledger.governance import check_funders
from infra.ledger.rules import basket_terms
from infra.ledger.unit_of_work import UnitOfWork


def open_basket_programme(command: g.OpenBasketProgramme, uow: UnitOfWork) -> list[UUID]:
    """Open a basket programme: its garden, price, household cap, funders, collection points."""
    context, _ = act(uow, command, Role.COORDINATOR)
    member_with(uow, command.producer_id, Role.PRODUCER, "producer")
    for outlet_id in command.collection_point_ids:
        member_with(uow, outlet_id, Role.OUTLET, "collection point")
    check_funders(uow, command.funders)
    terms = BasketTerms(basket_price_cents=command.basket_price_cents,
                        household_share_cap_bp=command.household_share_cap_bp,
                        funders=list(command.funders))
    programme = BasketProgramme.open(uuid7(), context, name=command.name,
                                     producer_id=command.producer_id, terms=terms,
                                     collection_point_ids=list(command.collection_point_ids))
    uow.add(programme)
    return [programme.id]


def enrol_household(command: g.EnrolHousehold, uow: UnitOfWork) -> list[UUID]:
    """A referrer enrols a household under a pseudonymous reference; name and contact sealed."""
    context, _ = act(uow, command, Role.OUTLET)
    programme = uow.get(BasketProgramme, command.programme_id, "basket programme")
    reference = check_reference(command.reference)
    if uow.find(household_reference_id(programme.id, reference)) is not None:
        raise AlreadyExists(f"reference {reference} is already enrolled in programme "
                            f"{programme.name}", reason="reference_taken",
                            reference=reference, programme=programme.name)
    data = check_personal_data(PersonalData(name=command.name, contact=command.contact))
    household_id = uuid7()
    # The key is made (outside the event store) before the event that needs it; if the
    # save then fails, an unused key is left behind, which is harmless.
    sealed = uow.personal_data.create_and_seal(household_id, data)
    household = Household.enrol(household_id, context, programme_id=programme.id,
                                reference=reference, share_bp=command.share_bp,
                                sealed_personal_data=sealed)
    uow.add(household)
    uow.add(HouseholdReference.claim(context, programme_id=programme.id, reference=reference,
                                     household_id=household_id))
    return [household.id]


def erase_household(command: g.EraseHousehold, uow: UnitOfWork) -> list[UUID]:
    """Erase a household's personal data (its key is destroyed); its history stays whole."""
    context, actor = act(uow, command, Role.COORDINATOR, Role.OUTLET)
    household = uow.get(Household, command.household_id, "household")
    if context.role == Role.OUTLET and household.referrer_id != actor.id:
        raise RoleRequired(f"only household {household.reference}'s referrer or the "
                           "coordinator may erase it", reason="erase_not_referrer",
                           reference=household.reference)
    household.check_active("erase")
    # Destroying the key is the erasure itself; it is done before the event is saved and is
    # idempotent, so a retried command still records the event.
    uow.personal_data.erase(household.id)
    household.erase(context, command.reason)
    return [household.id]


def _reserve_shares(uow: UnitOfWork, context: Context, programme: BasketProgramme,
                    new_id: UUID, week: str, producer: Account, household_account: Account,
                    household_cents: int, funder_cents: list[tuple[UUID, int]]
                    ) -> tuple[UUID | None, list[FunderPayment], list[UUID]]:
    """Pending transfers to the garden: the household's share, then each funder's."""
    changed: list[UUID] = []
    household_transfer_id = None
    if household_cents:
        household_transfer_id = name_id("basket-transfer", f"{new_id}:household")
        uow.add(record_transfer(household_transfer_id, context, household_account, producer,
                                household_cents, pending=True, cause_kind=CauseKind.BASKET,
                                cause_id=new_id, memo=f"household share, week {week}"))
        changed.append(household_transfer_id)
    payments: list[FunderPayment] = []
    for funder_id, cents in funder_cents:
        if not cents:
            continue
        fund = account_of(uow, context, AccountKind.PROGRAMME_FUND, funder_id, programme.id)
        transfer_id = name_id("basket-transfer", f"{new_id}:{funder_id}")
        uow.add(record_transfer(transfer_id, context, fund, producer, cents, pending=True,
                                cause_kind=CauseKind.BASKET, cause_id=new_id,
                                memo=f"funder share, week {week}"))
        payments.append(FunderPayment(funder_id=funder_id, account_id=fund.id,
                                      amount_cents=cents, transfer_id=transfer_id))
        changed += [transfer_id, fund.id]
    return household_transfer_id, payments, changed


def prepare_basket(command: g.PrepareBasket, uow: UnitOfWork) -> list[UUID]:
    """Make up a household's basket for a week, at the terms in force; shares reserved."""
    context, point = act(uow, command, Role.OUTLET)
    household = uow.get(Household, command.household_id, "household")
    programme = uow.get(BasketProgramme, household.programme_id, "basket programme")
    household.check_active("prepare a basket for")
    programme.check_collection_point(point.id)
    lines = [BasketLine(line.lot_id, line.quantity_g) for line in command.lines]
    check_basket_lines(lines)
    new_id = basket_id(household.id, command.week)
    if uow.find(new_id) is not None:
        raise AlreadyExists(f"household {household.reference} already has a basket for "
                            f"week {command.week}", reason="basket_exists",
                            reference=household.reference, week=command.week)
    terms, decision_id = basket_terms(uow, programme, context.occurred_at.date())
    context = msgspec.structs.replace(context, decision_id=decision_id)
    uow.context = context
    for line in lines:
        uow.get(Lot, line.lot_id, "lot").distribute(
            context, outlet_id=point.id, quantity_g=line.quantity_g, channel=Channel.BASKET)
    share_bp = household.share_under(terms.household_share_cap_bp)
    household_cents, funder_cents = basket_shares(terms.basket_price_cents, share_bp,
                                                  terms.funders)
    producer = account_of(uow, context, AccountKind.PRODUCER, programme.producer_id)
    household_account = account_of(uow, context, AccountKind.HOUSEHOLD, household.id)
    household_transfer_id, payments, reserved = _reserve_shares(
        uow, context, programme, new_id, command.week, producer, household_account,
        household_cents, funder_cents)
    basket = Basket.prepare(context, programme=programme, household=household,
                            week=command.week, lines=lines, terms=terms,
                            household_account_id=household_account.id,
                            household_transfer_id=household_transfer_id,
                            funder_payments=payments)
    uow.add(basket)
    return [new_id, *(line.lot_id for line in lines), *reserved, producer.id,
            household_account.id]


def _basket_at_point(uow: UnitOfWork, command: g.CollectBasket | g.CancelBasket
                     ) -> tuple[Context, Basket]:
    context, point = act(uow, command, Role.OUTLET)
    basket = uow.get(Basket, command.basket_id, "basket")
    if basket.collection_point_id != point.id:
        raise RoleRequired(f"the basket of week {basket.week} is handed out by another "
                           "collection point", reason="basket_of_another_point",
                           week=basket.week)
    return context, basket


def _basket_transfers(uow: UnitOfWork, basket: Basket
                      ) -> list[tuple[Transfer, Account, Account]]:
    found = []
    for transfer_id in basket.transfer_ids():
        transfer = uow.get(Transfer, transfer_id, "transfer")
        found.append((transfer, *transfer_accounts(uow, transfer)))
    return found


def collect_basket(command: g.CollectBasket, uow: UnitOfWork) -> list[UUID]:
    """The household collects its basket: the reserved shares are posted."""
    context, basket = _basket_at_point(uow, command)
    basket.collect(context)
    changed = [basket.id]
    for transfer, debit, credit in _basket_transfers(uow, basket):
        post_pending(context, transfer, debit, credit)
        changed += [transfer.id, debit.id, credit.id]
    return list(dict.fromkeys(changed))


def cancel_basket(command: g.CancelBasket, uow: UnitOfWork) -> list[UUID]:
    """A basket not collected is cancelled: the reserved shares are voided."""
    context, basket = _basket_at_point(uow, command)
    basket.cancel(context, command.reason)
    changed = [basket.id]
    for transfer, debit, credit in _basket_transfers(uow, basket):
        void_pending(context, transfer, debit, credit,
                     f"basket not collected: {command.reason}"[:200])
        changed += [transfer.id, debit.id, credit.id]
    return list(dict.fromkeys(changed))
