"""Business time: when an act may say it happened, and which lot dates are plausible.

Every act records two times: when the ledger recorded it (the event's ``timestamp``) and
when it happened in the world (``Context.occurred_at``, the command's ``occurred_at``). The
second is the one as-of stock, expiry, the EU register, recall sheets and funder reports
read, so an unbounded one would let anyone rewrite "what was true on day X" after the fact.
The rule, a pure function of its inputs (no store, no clock):

- **not in the future**: ``occurred_at`` is at most ``now + FUTURE_TOLERANCE`` (clocks of
  phones in a warehouse drift; five minutes is generous and still says "now");
- **not before the founding** of the cooperative (the ledger holds nothing earlier);
- **within the back-dating window**: late entry is normal in food aid (a van's paper notes
  typed on Monday), so an act may be dated up to ``backdating_window`` before now
  (governed; ``BACKDATING_WINDOW_DEFAULT`` is a week). Further back only a coordinator may
  go, and only with a reason, which the act records.

Within a stream whose acts follow from each other (a lot, a delivery, a transfer, a
basket, a donation: ``Aggregate.ORDERED_IN_BUSINESS_TIME``), an act is **not dated before
the stream's latest act** (``check_act_order``; the same time is allowed: a reception and
the hold it triggers are one moment). A dispatch dated before the lot's reception would
make stock "as of" the evening in between negative, and a view and a recount from the
events would disagree about whether the lot existed then. A lot's acts follow per holder
(``LotState.business_time_floor``): the site's acts follow each other, each outlet's its
own (an outlet typing Friday's handouts after another recorded Saturday's is a late entry,
not a reordering), and a hold, its release or a recall follows them all. Derived lots
follow: a split, merge, transformation or sorting records an act on each parent, so no
child is dated before its parents' latest acts. The rule holds for a coordinator's
back-dating with a reason too: the reason lets an act go further back than the window, not
before what it follows — order within a stream is causality, not permission. A late entry
that belongs before a stream's later acts is dated at (or after) the latest one, its reason
or memo saying when it really happened. Streams of independent acts (an account's
movements, a round's needs, a proposal's votes) are not ordered.

Lot dates are checked for plausibility against the act that states them: a harvest is not
after the offer (nor the reception), nor more than ``HARVEST_AGE_MAX`` before the offer; a
best-before is not before the harvest, nor more than ``BEST_BEFORE_AFTER_HARVEST_MAX`` after
it. Calendar days are the cooperative's (``COOPERATIVE_TIME_ZONE``): a harvest typed as
"today" at 00:30 in Dijon is not refused because it is still yesterday in UTC.

Each refusal is its own ``DomainError`` subclass (``domain.errors``) with its own code, and
its message names the dates and the bound it broke.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.errors import (
    BackdatedTooFar,
    BackdatingReasonRequired,
    BestBeforeBeforeHarvest,
    BestBeforeTooFar,
    BusinessTimeBeforeFounding,
    BusinessTimeBeforeLatestAct,
    BusinessTimeInFuture,
    HarvestAfterOffer,
    HarvestAfterReception,
    HarvestTooOld,
    InvalidCommand,
    MomentOutsideCalendar,
)

COOPERATIVE_TIME_ZONE = ZoneInfo("Europe/Paris")
"""Where the cooperative's calendar days begin and end (DESIGN.md: Europe/Paris)."""
FUTURE_TOLERANCE = timedelta(minutes=5)
"""How far ahead of the server's clock an act may be dated: phone clocks drift by seconds to
a minute or two; five minutes absorbs that and still refuses any real future date."""
BACKDATING_WINDOW_DEFAULT = timedelta(days=7)
"""A week: a platform or an outlet types the past week's paper notes on Monday."""
BACKDATING_WINDOW_MIN = timedelta(0)
BACKDATING_WINDOW_MAX = timedelta(days=366)
"""A governed window longer than a year would make as-of answers meaningless."""
BACKDATING_REASON_LENGTH_MAX = 200  # As every other free-text reason of the ledger.
HARVEST_AGE_MAX = timedelta(days=365)
"""Stored vegetables (potatoes, squash, onions) keep months, never more than a season."""
BEST_BEFORE_AFTER_HARVEST_MAX = timedelta(days=3 * 365)
"""Preserves made from a harvest carry a best-before of two to three years at most."""


@dataclass(frozen=True, slots=True)
class BusinessTimeRule:
    """The governed bounds of business time: founding time and back-dating window."""

    founded_at: datetime
    """When the cooperative was founded (business time of its founding act)."""
    backdating_window: timedelta = BACKDATING_WINDOW_DEFAULT
    future_tolerance: timedelta = FUTURE_TOLERANCE

    def __post_init__(self) -> None:
        if not BACKDATING_WINDOW_MIN <= self.backdating_window <= BACKDATING_WINDOW_MAX:
            raise InvalidCommand(
                f"the back-dating window must be {BACKDATING_WINDOW_MIN.days} to "
                f"{BACKDATING_WINDOW_MAX.days} days, got {self.backdating_window}",
                reason="backdating_window_range", days=self.backdating_window.days,
                maximum=BACKDATING_WINDOW_MAX.days)
        if self.future_tolerance < timedelta(0):
            raise InvalidCommand(f"the future tolerance must not be negative, got "
                                 f"{self.future_tolerance}", reason="future_tolerance_negative")

    def check(self, occurred_at: datetime, *, now: datetime, coordinator: bool = False,
              backdating_reason: str = "") -> None:
        """Refuse an act dated ``occurred_at``, seen at ``now``, unless it is plausible.

        ``coordinator``: the actor acts as the coordinator, who may date an act before the
        window when it gives ``backdating_reason`` (the caller records it in the act).
        """
        check_occurred_at(occurred_at, now=now, founded_at=self.founded_at,
                          backdating_window=self.backdating_window,
                          future_tolerance=self.future_tolerance, coordinator=coordinator,
                          backdating_reason=backdating_reason)


def aware(moment: datetime) -> datetime:
    """``moment`` with a time zone: a naive one is read as UTC (as the ledger stores it)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def check_in_calendar(name: str, moment: datetime) -> datetime:
    """``moment`` in UTC; :class:`MomentOutsideCalendar` when it has none.

    ``0001-01-01T00:00:00+01:00`` is a valid RFC 3339 date-time, but an hour before the
    first moment Python's calendar (and the stored events' timestamps) can hold in UTC.
    """
    try:
        return aware(moment).astimezone(UTC)
    except OverflowError:
        raise MomentOutsideCalendar(
            f"{name} {moment.isoformat()} falls outside the calendar once in UTC (years 1 to "
            "9999)", reason="moment_outside_calendar", moment=moment.isoformat()) from None


_last_day: tuple[datetime, date] | None = None


def business_day(moment: datetime) -> date:
    """The cooperative's calendar day of ``moment``.

    The last answer is kept for the same moment: every command of a batch runs at the
    unit of work's one "now", and converting it to the cooperative's zone each time cost
    more than the rest of the day's checks.
    """
    global _last_day  # noqa: PLW0603 - a one-entry memo; a tuple is replaced atomically.
    last = _last_day
    if last is not None and last[0] is moment:
        return last[1]
    day = aware(moment).astimezone(COOPERATIVE_TIME_ZONE).date()
    _last_day = (moment, day)
    return day


def shown(moment: datetime) -> str:
    """A moment as messages show it: ISO 8601 in UTC, to the second."""
    return aware(moment).astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def check_occurred_at(occurred_at: datetime, *, now: datetime, founded_at: datetime,
                      backdating_window: timedelta = BACKDATING_WINDOW_DEFAULT,
                      future_tolerance: timedelta = FUTURE_TOLERANCE,
                      coordinator: bool = False, backdating_reason: str = "") -> None:
    """Refuse a business time in the future, before the founding, or back-dated too far.

    Order of the checks: the future first (a typo of the year is the commonest mistake),
    then the founding (no reason can date an act before the ledger existed), then the
    window (a coordinator with a reason passes it).
    """
    occurred_at = check_in_calendar("occurred_at", occurred_at)
    now, founded_at = aware(now), aware(founded_at)
    latest = now + future_tolerance
    if occurred_at > latest:
        minutes = int(future_tolerance.total_seconds() // 60)
        raise BusinessTimeInFuture(
            f"occurred_at {shown(occurred_at)} is in the future: it is {shown(now)} and an "
            f"act may be dated at most {minutes} minutes ahead (until {shown(latest)})",
            reason="occurred_at_in_future", occurred_at=occurred_at.isoformat(),
            now_at=now.isoformat(), tolerance_minutes=minutes)
    if occurred_at < founded_at:
        raise BusinessTimeBeforeFounding(
            f"occurred_at {shown(occurred_at)} is before the cooperative was founded "
            f"({shown(founded_at)}): the ledger holds nothing earlier",
            reason="occurred_at_before_founding", occurred_at=occurred_at.isoformat(),
            founded_at=founded_at.isoformat())
    earliest = now - backdating_window
    if occurred_at >= earliest:
        return
    days = backdating_window.days
    reason = backdating_reason.strip()
    if not coordinator:
        raise BackdatedTooFar(
            f"occurred_at {shown(occurred_at)} is more than {days} days before now "
            f"({shown(now)}): acts may be dated back to {shown(earliest)}; only a "
            "coordinator may date an act earlier, giving a reason",
            reason="occurred_at_backdated_too_far", occurred_at=occurred_at.isoformat(),
            earliest_at=earliest.isoformat(), window_days=days)
    if not reason:
        raise BackdatingReasonRequired(
            f"occurred_at {shown(occurred_at)} is more than {days} days before now "
            f"({shown(now)}, window from {shown(earliest)}): a coordinator dating an act "
            "this far back must give a backdating_reason",
            reason="backdating_reason_required", occurred_at=occurred_at.isoformat(),
            window_days=days)
    if len(reason) > BACKDATING_REASON_LENGTH_MAX:
        raise InvalidCommand(f"a back-dating reason is at most {BACKDATING_REASON_LENGTH_MAX} "
                             f"characters, got {len(reason)}", reason="text_length",
                             field="back-dating reason", length=len(reason),
                             maximum=BACKDATING_REASON_LENGTH_MAX)


def check_act_order(occurred_at: datetime, latest_at: datetime, *, what: str, name: str,
                    act: str) -> None:
    """Refuse an ``act`` dated ``occurred_at`` on a stream (``what`` ``name``: ``"lot"``,
    ``"CAR-0001"``) whose latest act is dated ``latest_at``; the same time is allowed."""
    occurred_at, latest_at = aware(occurred_at), aware(latest_at)
    if occurred_at >= latest_at:
        return
    raise BusinessTimeBeforeLatestAct(
        f"{act} dated {shown(occurred_at)} refused: {what} {name} already has an act dated "
        f"{shown(latest_at)}, and the acts of a {what} follow each other in time (date it "
        f"{shown(latest_at)} or later)", reason="occurred_at_before_latest_act",
        what=what, name=name, occurred_at=occurred_at.isoformat(),
        latest_at=latest_at.isoformat())


def check_offer_dates(*, harvest_date: date, best_before: date, offered_at: datetime) -> None:
    """Refuse a lot's dates that cannot be true of an offer made at ``offered_at``."""
    offered_on = business_day(offered_at)
    if harvest_date > offered_on:
        raise HarvestAfterOffer(f"harvest date {harvest_date} is after the offer "
                                f"({offered_on}): a lot is offered once harvested",
                                reason="harvest_after_offer",
                                harvest_date=harvest_date.isoformat(),
                                offer_date=offered_on.isoformat())
    oldest = offered_on - HARVEST_AGE_MAX
    if harvest_date < oldest:
        raise HarvestTooOld(
            f"harvest date {harvest_date} is more than {HARVEST_AGE_MAX.days} days before the "
            f"offer ({offered_on}): the oldest plausible harvest is {oldest}",
            reason="harvest_too_old", harvest_date=harvest_date.isoformat(),
            oldest_date=oldest.isoformat())
    check_best_before(harvest_date=harvest_date, best_before=best_before)


def check_best_before(*, harvest_date: date, best_before: date) -> None:
    """Refuse a best-before before the harvest, or implausibly far after it."""
    if best_before < harvest_date:
        raise BestBeforeBeforeHarvest(f"best-before {best_before} is before the harvest "
                                      f"({harvest_date})",
                                      reason="best_before_before_harvest",
                                      best_before=best_before.isoformat(),
                                      harvest_date=harvest_date.isoformat())
    latest = harvest_date + BEST_BEFORE_AFTER_HARVEST_MAX
    if best_before > latest:
        raise BestBeforeTooFar(
            f"best-before {best_before} is more than {BEST_BEFORE_AFTER_HARVEST_MAX.days} days "
            f"after the harvest ({harvest_date}): the latest plausible is {latest}",
            reason="best_before_too_far", best_before=best_before.isoformat(),
            latest_date=latest.isoformat())


def check_reception_date(*, harvest_date: date | None, received_at: datetime) -> None:
    """Refuse a reception dated before the lot's harvest (a lot made of others has none)."""
    if harvest_date is None:
        return
    received_on = business_day(received_at)
    if harvest_date > received_on:
        raise HarvestAfterReception(f"harvest date {harvest_date} is after the reception "
                                    f"({received_on}): a lot is received once harvested",
                                    reason="harvest_after_reception",
                                    harvest_date=harvest_date.isoformat(),
                                    reception_date=received_on.isoformat())
