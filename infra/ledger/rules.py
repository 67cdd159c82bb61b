"""The rules in force, as handlers read them: the rule book of the unit of work, the terms a
basket programme applies on a day (its own, or those a decision set since), and the stock
rules (shelf lives, date grace, cold chain) in force on the day of an act."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import msgspec

from domain.base import Context
from domain.baskets import BasketProgramme, BasketTerms, terms_in_force
from domain.dates import paris_day
from domain.rules import RuleBook, stock_rules_at
from domain.stock_rules import DEFAULT_STOCK_RULES, SetStockRules
from infra.ledger.unit_of_work import UnitOfWork


def rule_book(uow: UnitOfWork) -> RuleBook | None:
    """The rule book as the unit of work sees it (None until a first rule is adopted)."""
    found = uow.find(RuleBook.ID)
    assert found is None or isinstance(found, RuleBook)
    return found


def basket_terms(uow: UnitOfWork, programme: BasketProgramme,
                 at: date) -> tuple[BasketTerms, UUID | None]:
    """The programme's terms in force on day ``at`` and the decision that set them."""
    return terms_in_force(rule_book(uow), programme.id, programme.terms, at)


def stock_rules(uow: UnitOfWork, context: Context) -> tuple[SetStockRules, Context]:
    """The stock rules in force on the act's day (Europe/Paris), and the act's context
    naming the decision that set them (unchanged while the defaults apply, or when the act
    already names another decision, such as a round's allocation key)."""
    book = rule_book(uow)
    if book is None:
        return DEFAULT_STOCK_RULES, context  # No rule adopted yet: the defaults, whatever the day.
    rules, decision_id = stock_rules_at(book.enactments, paris_day(context.occurred_at))
    if decision_id is not None and context.decision_id is None:
        context = msgspec.structs.replace(context, decision_id=decision_id)
        uow.context = context
    return rules, context
