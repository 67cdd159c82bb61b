"""The rules in force, as handlers read them: the rule book of the unit of work and the
terms a basket programme applies on a day (its own, or those a decision set since)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from domain.baskets import BasketProgramme, BasketTerms, terms_in_force
from domain.rules import RuleBook
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
