"""Dates on food, as French food aid reads them.

A lot carries one date and says what kind of date it is:

- ``DLC`` (*date limite de consommation*, "à consommer jusqu'au"): a safety date. After it
  the food may not be given away: reserving, dispatching and distributing are refused, and
  a dispatch must leave the receiver a governed minimum of remaining life (48 h by default).
- ``DDM`` (*date de durabilité minimale*, "à consommer de préférence avant"): a quality
  date. Past it, the food may still be passed on for a governed grace period (per product
  category), flagged on the distribution; beyond the grace period it is refused.
- ``none``: fresh produce carries no legal date. The lot's date is a *suggested* one (the
  harvest day plus the governed shelf life of the product, correctable by the receiver); it
  orders picking (first expired, first out) and the stock screen, and is never a reason to
  refuse.

Days are days in Europe/Paris: a DLC of 12/03 runs to midnight at the end of 12/03, Paris
time, whatever zone the act was recorded in. Pure functions; no clock is read here (the act's
business time is passed in).
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
SECONDS_PER_HOUR = 3_600


class DateKind(enum.StrEnum):
    """What a lot's date means."""

    USE_BY = "dlc"
    """DLC, "à consommer jusqu'au": nothing is given away after it."""
    BEST_BEFORE = "ddm"
    """DDM, "à consommer de préférence avant": given away within a grace period after it."""
    NONE = "none"
    """No legal date (fresh produce): the date is suggested by the product's shelf life."""


DATE_KIND_LABELS = {
    DateKind.USE_BY: "DLC (à consommer jusqu'au)",
    DateKind.BEST_BEFORE: "DDM (à consommer de préférence avant)",
    DateKind.NONE: "date conseillée",
}
"""How screens and printouts name each kind."""

DATE_KIND_SHORT = {DateKind.USE_BY: "DLC", DateKind.BEST_BEFORE: "DDM",
                   DateKind.NONE: "date conseillée"}
"""Short names, for refusals and narrow columns."""

_STRICTNESS = {DateKind.NONE: 0, DateKind.BEST_BEFORE: 1, DateKind.USE_BY: 2}


def strictest(kinds: list[DateKind]) -> DateKind:
    """The kind that binds a lot made from lots of these kinds (a DLC binds most)."""
    return max(kinds, key=_STRICTNESS.__getitem__, default=DateKind.NONE)


def aware(moment: datetime) -> datetime:
    """A moment with its zone: a naive one is taken as UTC (as the ledger stores them)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def paris_day(moment: datetime) -> date:
    """The day it is in Europe/Paris at ``moment``."""
    return aware(moment).astimezone(PARIS).date()


def day_end(day: date) -> datetime:
    """The moment ``day`` ends in Europe/Paris (midnight at the start of the next day)."""
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=PARIS)


def remaining_life_hours(best_before: date, moment: datetime) -> int:
    """Whole hours from ``moment`` to the end of ``best_before`` (negative once past)."""
    seconds = (day_end(best_before) - aware(moment)).total_seconds()
    return int(seconds // SECONDS_PER_HOUR)


def days_past(best_before: date, today: date) -> int:
    """Days since the date (0 on the date itself and before it)."""
    return max((today - best_before).days, 0)


def french_date(day: date) -> str:
    """``07/12/2026``, as French screens and printouts write a day."""
    return f"{day:%d/%m/%Y}"


def dated(kind: DateKind, day: date) -> str:
    """A date with its kind, as refusals say it: ``DLC 05/12/2026``."""
    return f"{DATE_KIND_SHORT[kind]} {french_date(day)}"


class Expiry(enum.StrEnum):
    """Where a lot's date stands on a given day."""

    FRESH = "fresh"
    EXPIRING_SOON = "expiring_soon"
    """The date falls within the next few days (the screen's window), not yet passed."""
    EXPIRED = "expired"
    """The date has passed (for a DDM or a suggested date, the lot may still be usable)."""


def expiry(best_before: date, today: date, expiring_days: int) -> Expiry:
    """Whether the lot is past its date, close to it, or neither, on day ``today``."""
    if best_before < today:
        return Expiry.EXPIRED
    if best_before <= today + timedelta(days=expiring_days):
        return Expiry.EXPIRING_SOON
    return Expiry.FRESH
