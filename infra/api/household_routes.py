"""GET routes for households' basket preferences: counts for an outlet, one's own for a
household.

- ``GET /api/preferences?season=&outlet_id=``: what the households an outlet referred said
  for a season, as counts only (how many stated, per basket size, per product wanted or
  avoided): what the outlet sees when it declares its needs. An outlet reads its own; a
  platform, the coordinator and an auditor any outlet's.
- ``GET /api/households/{household_id}/preferences?season=``: one household's own stated
  preferences, for the household itself (signed in as its household), the outlet that
  referred it, the coordinator and an auditor. Nobody else ever sees which household said
  what.

Both read the outlet's ``SeasonPlan`` stream (``domain.preferences``); the season defaults to
today's.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Request, get
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import Example
from litestar.params import PathParameter, QueryParameter

from domain.baskets import Household
from domain.preferences import (
    BasketSize,
    Preferences,
    SeasonPlan,
    check_season,
    season_of,
    season_plan_id,
)
from infra.api.access import Caller
from infra.api.errors import ApiError, error_spec
from infra.api.policy import Scope
from infra.api.queries import QUERY_ERRORS, services_of
from infra.reader import find_stream

SeasonQuery = Annotated[str | None, QueryParameter(
    required=False, pattern=r"^[0-9]{4}-(spring|summer|autumn|winter)$",
    description="A season like 2026-spring (default: today's)",
    examples=[Example(value="2026-spring")])]


class ProductPreferences(msgspec.Struct, frozen=True, kw_only=True):
    """How many households want or avoid a product."""

    product: str
    wanting: int
    avoiding: int


class OutletPreferences(msgspec.Struct, frozen=True, kw_only=True):
    """An outlet's households' preferences for a season, as counts."""

    outlet_id: UUID
    season: str
    households_stated: int
    small: int
    medium: int
    large: int
    products: list[ProductPreferences]


class HouseholdPreferences(msgspec.Struct, frozen=True, kw_only=True):
    """One household's own preferences for a season (None: not stated)."""

    household_id: UUID
    season: str
    preferences: Preferences | None


def _season(season: str | None) -> str:
    return check_season(season) if season else season_of(datetime.now(tz=UTC).date())


@get("/api/preferences", name="preference_counts", tags=["baskets"], sync_to_thread=True,
     responses={**QUERY_ERRORS, 422: error_spec("No outlet named (code invalid)")},
     summary="An outlet's households' basket preferences, as counts")
def preference_counts(request: Request[Any, Any, Any], season: SeasonQuery = None,
                      outlet_id: Annotated[UUID | None, QueryParameter(
                          required=False, description="The outlet (required for the "
                                                      "coordinator and the auditor, else 422)",
                          examples=[Example(value="0192f0c4-6f13-7a0e-b2c4-5d6e7f809a12")]),
                      ] = None,
                      ) -> OutletPreferences:
    """Counts only: never which household said what."""
    caller: Caller = request.state.caller
    if request.state.scope != Scope.ALL:
        if outlet_id is not None and outlet_id != caller.member_id:
            raise ApiError(403, "forbidden", "an outlet sees only its own households' counts")
        outlet_id = caller.member_id
    if outlet_id is None:
        raise ApiError(422, "invalid", "name the outlet (outlet_id)")
    label = _season(season)
    plan = find_stream(services_of(request).ledger, season_plan_id(outlet_id, label))
    stated = list(plan.by_household.values()) if isinstance(plan, SeasonPlan) else []
    sizes = [preferences.basket_size for preferences in stated]
    products = plan.products() if isinstance(plan, SeasonPlan) else []
    counted = [plan.counts(product) for product in products] if isinstance(
        plan, SeasonPlan) else []
    return OutletPreferences(
        outlet_id=outlet_id, season=label, households_stated=len(stated),
        small=sizes.count(BasketSize.SMALL), medium=sizes.count(BasketSize.MEDIUM),
        large=sizes.count(BasketSize.LARGE),
        products=[ProductPreferences(product=product, wanting=counts.wanting,
                                     avoiding=counts.avoiding)
                  for product, counts in zip(products, counted, strict=True)])


@get("/api/households/{household_id:uuid}/preferences", name="household_preferences",
     tags=["baskets"], sync_to_thread=True, responses=QUERY_ERRORS,
     summary="A household's own basket preferences for a season")
def household_preferences(request: Request[Any, Any, Any],
                          household_id: Annotated[UUID, PathParameter(
                              description="The household (its pseudonymous id)",
                              examples=[Example(value="0192f0c7-7da8-717e-a294-0f1a2b3c4d5e")])],
                          season: SeasonQuery = None) -> HouseholdPreferences:
    """For the household itself, the outlet that referred it, the coordinator, an auditor."""
    caller: Caller = request.state.caller
    ledger = services_of(request).ledger
    household = find_stream(ledger, household_id)
    if not isinstance(household, Household):
        raise ApiError(404, "not_found", f"household {household_id} does not exist")
    if request.state.scope != Scope.ALL and caller.member_id not in {household.id,
                                                                    household.referrer_id}:
        raise ApiError(403, "forbidden", "a household's preferences are for itself and the "
                                         "outlet that referred it")
    label = _season(season)
    plan = find_stream(ledger, season_plan_id(household.referrer_id, label))
    stated = plan.by_household.get(household.id) if isinstance(plan, SeasonPlan) else None
    return HouseholdPreferences(household_id=household.id, season=label, preferences=stated)


def household_routes() -> list[HTTPRouteHandler]:
    """Routes for households' preferences."""
    return [preference_counts, household_preferences]
