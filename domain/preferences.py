"""Season plan stream: what an outlet's households want in their baskets, as they said it.

An enrolled household, itself (from its own page) or through the outlet that referred it,
says each season what its basket should hold or avoid and what size it should be. The
preferences of every household an outlet referred, for one season, live in one
``SeasonPlan`` stream (a name-based id per outlet and season), so that when the outlet
declares its needs in an allocation round the counts are read from one stream, never by
walking households. What leaves this stream is counts (``PreferenceCounts``): how many
households stated preferences, how many want or avoid a product, how many asked for each
basket size. Which household said what stays here, behind the pseudonymous stream id of the
household; its own page reads it back.

Seasons are meteorological, labelled by the year they start in: ``2026-spring`` (March to
May), ``2026-summer`` (June to August), ``2026-autumn`` (September to November),
``2026-winter`` (December 2026 to February 2027).
"""

from __future__ import annotations

import enum
import re
from datetime import date
from typing import ClassVar
from uuid import UUID

import msgspec

from domain.base import Aggregate, Context, Created, Event
from domain.errors import InvalidCommand, InvalidState
from domain.ids import name_id

SEASON_PATTERN = re.compile(r"^\d{4}-(spring|summer|autumn|winter)$")
PRODUCTS_LISTED_MAX = 20  # A weekly basket holds a dozen products; twenty wishes is plenty.
PRODUCT_LENGTH_MAX = 64  # Product names as lots store them ("pomme de terre").
HOUSEHOLDS_PER_PLAN_MAX = 10_000
"""Households one outlet refers in a season: a CCAS follows hundreds, never ten thousand."""


class Season(enum.StrEnum):
    """A meteorological season."""

    SPRING = "spring"
    SUMMER = "summer"
    AUTUMN = "autumn"
    WINTER = "winter"


class BasketSize(enum.StrEnum):
    """The basket a household asks for (a garden makes up three sizes)."""

    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


def season_of(day: date) -> str:
    """The season of a day, labelled by the year it starts in (``2026-winter`` for Jan 2027)."""
    month = day.month
    if month in {3, 4, 5}:
        return f"{day.year}-{Season.SPRING}"
    if month in {6, 7, 8}:
        return f"{day.year}-{Season.SUMMER}"
    if month in {9, 10, 11}:
        return f"{day.year}-{Season.AUTUMN}"
    return f"{day.year if month == 12 else day.year - 1}-{Season.WINTER}"


def check_season(season: str) -> str:
    """A season label like ``2026-spring``."""
    season = season.strip()
    if not SEASON_PATTERN.match(season):
        raise InvalidCommand(f"season {season!r} is not like 2026-spring (spring, summer, "
                             "autumn or winter)", reason="season_format", season_text=season)
    return season


def _products(products: list[str], what: str) -> list[str]:
    cleaned = sorted({product.strip().lower() for product in products})
    if len(cleaned) > PRODUCTS_LISTED_MAX:
        raise InvalidCommand(f"a household lists at most {PRODUCTS_LISTED_MAX} products to "
                             f"{what}, got {len(cleaned)}", reason="products_listed_too_many",
                             count=len(cleaned), maximum=PRODUCTS_LISTED_MAX)
    for product in cleaned:
        if not 0 < len(product) <= PRODUCT_LENGTH_MAX:
            raise InvalidCommand(f"a product to {what} is 1 to {PRODUCT_LENGTH_MAX} "
                                 "characters", reason="product_name_length",
                                 maximum=PRODUCT_LENGTH_MAX)
    return cleaned


class Preferences(msgspec.Struct, frozen=True, kw_only=True):
    """What one household asked for one season."""

    basket_size: BasketSize
    wanted: list[str] = msgspec.field(default_factory=list)
    """Products the basket should hold (lower case, as lots name them)."""
    avoided: list[str] = msgspec.field(default_factory=list)
    """Products the basket should leave out."""


def check_preferences(basket_size: BasketSize, wanted: list[str],
                      avoided: list[str]) -> Preferences:
    """Preferences with products trimmed, lower-cased, sorted; none both wanted and avoided."""
    wanted_clean = _products(wanted, "hold")
    avoided_clean = _products(avoided, "avoid")
    both = sorted(set(wanted_clean) & set(avoided_clean))
    if both:
        raise InvalidCommand(f"a product cannot be both wanted and avoided: {', '.join(both)}",
                             reason="wanted_and_avoided", products=", ".join(both))
    return Preferences(basket_size=basket_size, wanted=wanted_clean, avoided=avoided_clean)


class PreferenceCounts(msgspec.Struct, frozen=True, kw_only=True):
    """An outlet's households' preferences about one product this season, as counts only."""

    households_stated: int = 0
    """Households of the outlet who stated preferences for the season."""
    wanting: int = 0
    avoiding: int = 0
    small: int = 0
    medium: int = 0
    large: int = 0
    """How many asked for each basket size."""


def season_plan_id(outlet_id: UUID, season: str) -> UUID:
    """The season plan of an outlet's households."""
    return name_id("season-plan", f"{outlet_id}:{season}")


class SeasonPlan(Aggregate):
    """The basket preferences of the households one outlet referred, for one season."""

    outlet_id: UUID
    season: str
    by_household: dict[UUID, Preferences]

    class Opened(Created, frozen=True, kw_only=True):
        """The first household of the outlet stated its preferences for the season."""

        TOPIC: ClassVar[str] = "season_plan.opened"
        outlet_id: UUID
        season: str

        def apply(self, plan: SeasonPlan) -> None:
            plan.outlet_id = self.outlet_id
            plan.season = self.season
            plan.by_household = {}

    class PreferencesStated(Event, frozen=True, kw_only=True):
        """A household said (or changed) what its basket should hold, avoid, and its size."""

        TOPIC: ClassVar[str] = "season_plan.preferences_stated"
        household_id: UUID
        preferences: Preferences

        def apply(self, plan: SeasonPlan) -> None:
            plan.by_household[self.household_id] = self.preferences

    @classmethod
    def open(cls, context: Context, *, outlet_id: UUID, season: str) -> SeasonPlan:
        """Open the season plan of an outlet."""
        season = check_season(season)
        return cls._create(cls.Opened, season_plan_id(outlet_id, season), context=context,
                           outlet_id=outlet_id, season=season)

    def state(self, context: Context, household_id: UUID, preferences: Preferences) -> None:
        """Record a household's preferences (restating replaces them)."""
        if self.by_household.get(household_id) == preferences:
            raise InvalidState(f"these preferences are already recorded for season "
                               f"{self.season}", reason="same_preferences", season=self.season)
        if (household_id not in self.by_household
                and len(self.by_household) >= HOUSEHOLDS_PER_PLAN_MAX):
            raise InvalidState(f"a season plan holds at most {HOUSEHOLDS_PER_PLAN_MAX} "
                               "households", reason="season_plan_full",
                               maximum=HOUSEHOLDS_PER_PLAN_MAX)
        self._trigger(self.PreferencesStated, context=context, household_id=household_id,
                      preferences=preferences)

    def counts(self, product: str) -> PreferenceCounts:
        """The counts about one product (and basket sizes), never who said what."""
        stated = list(self.by_household.values())
        sizes = [preferences.basket_size for preferences in stated]
        return PreferenceCounts(
            households_stated=len(stated),
            wanting=sum(1 for preferences in stated if product in preferences.wanted),
            avoiding=sum(1 for preferences in stated if product in preferences.avoided),
            small=sizes.count(BasketSize.SMALL), medium=sizes.count(BasketSize.MEDIUM),
            large=sizes.count(BasketSize.LARGE))

    def products(self) -> list[str]:
        """Every product some household wants or avoids, sorted."""
        return sorted({product for preferences in self.by_household.values()
                       for product in (*preferences.wanted, *preferences.avoided)})


SeasonPlan.Opened.AGGREGATE = SeasonPlan
