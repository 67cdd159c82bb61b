"""Handlers for households' basket preferences: a household (itself, or through the outlet
that referred it) says what its basket should hold or avoid and its size for a season; the
outlet's needs then carry the counts (``preference_counts``, read by ``declare_need``)."""

from __future__ import annotations

from uuid import UUID

from domain import governance_commands as g
from domain.base import Context, Role
from domain.baskets import Household
from domain.errors import RoleRequired
from domain.preferences import (
    PreferenceCounts,
    SeasonPlan,
    check_preferences,
    check_season,
    season_of,
    season_plan_id,
)
from infra.ledger.actors import act, aware, business_time_rule
from infra.ledger.unit_of_work import UnitOfWork


def _household_context(command: g.StateBasketPreferences, uow: UnitOfWork,
                       household: Household) -> Context:
    """The context of an act by the household itself, or by the outlet that referred it.

    A household signs in as its own household stream (its pseudonymous id), not as a
    member: it acts in the household role, on its own preferences only.
    """
    if command.actor_id == household.id:
        occurred_at = uow.now
        if command.occurred_at is not None:  # Held to business time as ``act`` holds members.
            occurred_at = aware(command.occurred_at)
            business_time_rule(uow).check(occurred_at, now=uow.now)
        context = Context(
            member_id=household.id, role=Role.HOUSEHOLD, command_id=command.command_id,
            correlation_id=command.correlation_id or command.command_id,
            causation_id=command.causation_id or command.command_id,
            occurred_at=occurred_at)
        uow.context = context
        return context
    if isinstance(uow.find(command.actor_id), Household):
        raise RoleRequired(f"a household states only its own preferences, not those of "
                           f"household {household.reference}", reason="preferences_not_own",
                           reference=household.reference)
    context, referrer = act(uow, command, Role.OUTLET)
    if referrer.id != household.referrer_id:
        raise RoleRequired(f"only household {household.reference} itself or the outlet that "
                           f"referred it may state its preferences; {referrer.name} did not "
                           "refer it", reason="preferences_not_referrer",
                           reference=household.reference)
    return context


def state_basket_preferences(command: g.StateBasketPreferences,
                             uow: UnitOfWork) -> list[UUID]:
    """Record a household's basket preferences for a season in its outlet's season plan."""
    household = uow.get(Household, command.household_id, "household")
    context = _household_context(command, uow, household)
    household.check_active("state the preferences of")
    season = check_season(command.season) if command.season else season_of(
        context.occurred_at.date())
    preferences = check_preferences(command.basket_size, list(command.wanted),
                                    list(command.avoided))
    found = uow.find(season_plan_id(household.referrer_id, season))
    if found is None:
        plan = SeasonPlan.open(context, outlet_id=household.referrer_id, season=season)
        uow.add(plan)
    else:
        assert isinstance(found, SeasonPlan)
        plan = found
    plan.state(context, household.id, preferences)
    return [plan.id]


def preference_counts(uow: UnitOfWork, outlet_id: UUID, season: str,
                      product: str) -> PreferenceCounts | None:
    """What the outlet's households said of a product this season (None: nobody said)."""
    found = uow.find(season_plan_id(outlet_id, season))
    if not isinstance(found, SeasonPlan) or not found.by_household:
        return None
    return found.counts(product)

