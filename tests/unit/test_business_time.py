"""Business time, as a pure rule: an act dated in the future, before the founding or beyond
the back-dating window is refused with its own code and the dates; a coordinator may go
further back with a reason; a lot's harvest and best-before dates must be plausible.

No store, no clock: every check takes ``now`` and the founding time as arguments.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.base import Context, Role, project_events
from domain.business_time import (
    BACKDATING_REASON_LENGTH_MAX,
    BACKDATING_WINDOW_DEFAULT,
    BACKDATING_WINDOW_MAX,
    BEST_BEFORE_AFTER_HARVEST_MAX,
    FUTURE_TOLERANCE,
    HARVEST_AGE_MAX,
    BusinessTimeRule,
    business_day,
    check_act_order,
    check_best_before,
    check_in_calendar,
    check_occurred_at,
    check_offer_dates,
    check_reception_date,
)
from domain.errors import (
    BackdatedTooFar,
    BackdatingReasonRequired,
    BestBeforeBeforeHarvest,
    BestBeforeTooFar,
    BusinessTimeBeforeFounding,
    BusinessTimeBeforeLatestAct,
    BusinessTimeInFuture,
    DomainError,
    HarvestAfterOffer,
    HarvestAfterReception,
    HarvestTooOld,
    InvalidCommand,
    MomentOutsideCalendar,
)
from domain.lots import Lot
from domain.rules import (
    Enactment,
    RuleBook,
    RuleKind,
    SetBackdatingWindow,
    backdating_window_in_force,
    check_payload,
)

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
FOUNDED = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
RULE = BusinessTimeRule(founded_at=FOUNDED)


# ---------------------------------------------------------------------------------------------
# occurred_at


def test_now_and_the_recent_past_are_accepted() -> None:
    """An act dated now, a minute ago or six days ago passes."""
    for occurred_at in (NOW, NOW - timedelta(minutes=1), NOW - timedelta(days=6, hours=23)):
        RULE.check(occurred_at, now=NOW)


def test_a_few_minutes_ahead_is_clock_drift_and_passes() -> None:
    """A phone a little ahead of the server is within the future tolerance."""
    RULE.check(NOW + FUTURE_TOLERANCE, now=NOW)


def test_an_act_in_the_future_is_refused_with_both_times() -> None:
    """Year 9999 (the probe that found the hole) is refused, naming the act's and now's time."""
    with pytest.raises(BusinessTimeInFuture) as caught:
        RULE.check(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC), now=NOW)
    assert caught.value.code == "occurred_at_in_future"
    assert "9999-12-31T23:59:59Z" in caught.value.message
    assert "2026-03-02T09:30:00Z" in caught.value.message
    with pytest.raises(BusinessTimeInFuture, match="at most 5 minutes ahead"):
        RULE.check(NOW + FUTURE_TOLERANCE + timedelta(seconds=1), now=NOW)


def test_an_act_before_the_founding_is_refused_even_for_a_coordinator_with_a_reason() -> None:
    """Year 1 is before the cooperative existed: no role and no reason makes it true."""
    with pytest.raises(BusinessTimeBeforeFounding) as caught:
        RULE.check(datetime(1, 1, 1, tzinfo=UTC), now=NOW, coordinator=True,
                   backdating_reason="paper archive")
    assert caught.value.code == "occurred_at_before_founding"
    assert "0001-01-01T00:00:00Z" in caught.value.message
    assert "2025-09-01T08:00:00Z" in caught.value.message


def test_beyond_the_window_a_member_is_refused_naming_the_window() -> None:
    """Eight days back is beyond the default week: refused, with the earliest allowed time."""
    with pytest.raises(BackdatedTooFar) as caught:
        RULE.check(NOW - timedelta(days=8), now=NOW)
    assert caught.value.code == "occurred_at_backdated_too_far"
    assert "more than 7 days" in caught.value.message
    assert "2026-02-23T09:30:00Z" in caught.value.message  # now minus the window


def test_beyond_the_window_a_coordinator_needs_a_reason() -> None:
    """A coordinator may date further back, but only saying why."""
    with pytest.raises(BackdatingReasonRequired) as caught:
        RULE.check(NOW - timedelta(days=30), now=NOW, coordinator=True)
    assert caught.value.code == "backdating_reason_required"
    with pytest.raises(BackdatingReasonRequired):
        RULE.check(NOW - timedelta(days=30), now=NOW, coordinator=True,
                   backdating_reason="   ")
    RULE.check(NOW - timedelta(days=30), now=NOW, coordinator=True,
               backdating_reason="registre papier de janvier saisi en mars")


def test_a_back_dating_reason_is_bounded() -> None:
    """A reason longer than the limit is refused like any over-long text."""
    with pytest.raises(InvalidCommand, match=str(BACKDATING_REASON_LENGTH_MAX)):
        RULE.check(NOW - timedelta(days=30), now=NOW, coordinator=True,
                   backdating_reason="x" * (BACKDATING_REASON_LENGTH_MAX + 1))


def test_the_window_is_governed() -> None:
    """A cooperative that voted a two-day window refuses three days back."""
    two_days = BusinessTimeRule(founded_at=FOUNDED, backdating_window=timedelta(days=2))
    two_days.check(NOW - timedelta(days=2), now=NOW)
    with pytest.raises(BackdatedTooFar, match="more than 2 days"):
        two_days.check(NOW - timedelta(days=3), now=NOW)


def test_a_window_outside_its_bounds_is_refused() -> None:
    """Negative or longer than a year: not a window the rule takes."""
    for window in (timedelta(days=-1), BACKDATING_WINDOW_MAX + timedelta(days=1)):
        with pytest.raises(InvalidCommand, match="back-dating window"):
            BusinessTimeRule(founded_at=FOUNDED, backdating_window=window)


def test_naive_times_are_read_as_utc_and_offsets_are_honoured() -> None:
    """A naive time is UTC (as the ledger stores it); +02:00 is converted, not ignored."""
    check_occurred_at(datetime(2026, 3, 2, 9, 34), now=NOW, founded_at=FOUNDED)
    ahead = datetime(2026, 3, 2, 11, 36, tzinfo=timezone(timedelta(hours=2)))  # 09:36 UTC
    with pytest.raises(BusinessTimeInFuture):
        check_occurred_at(ahead, now=NOW, founded_at=FOUNDED)


def test_a_moment_with_no_utc_time_is_refused_not_crashed_on() -> None:
    """Year 1 at +01:00 is valid RFC 3339 yet has no UTC moment: a refusal, not an overflow."""
    early = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))
    late = datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5)))
    for moment in (early, late):
        with pytest.raises(MomentOutsideCalendar, match="outside the calendar") as caught:
            check_in_calendar("occurred_at", moment)
        assert caught.value.code == "moment_outside_calendar"
        with pytest.raises(MomentOutsideCalendar):
            RULE.check(moment, now=NOW)
    assert check_in_calendar("at", datetime(2026, 3, 2, 10, 30, tzinfo=timezone(
        timedelta(hours=1)))) == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@given(offset_s=st.integers(min_value=-400 * 86_400, max_value=400 * 86_400),
       coordinator=st.booleans(), reason=st.sampled_from(["", "archives"]))
def test_the_rule_accepts_exactly_the_allowed_interval(offset_s: int, coordinator: bool,
                                                       reason: str) -> None:
    """For any offset from now, the act passes iff it lies in the allowed interval."""
    occurred_at = NOW + timedelta(seconds=offset_s)
    earliest = FOUNDED if coordinator and reason else NOW - BACKDATING_WINDOW_DEFAULT
    allowed = max(earliest, FOUNDED) <= occurred_at <= NOW + FUTURE_TOLERANCE
    try:
        RULE.check(occurred_at, now=NOW, coordinator=coordinator, backdating_reason=reason)
    except DomainError:
        assert not allowed
    else:
        assert allowed


# ---------------------------------------------------------------------------------------------
# Lot dates


def test_plausible_offer_dates_pass() -> None:
    """Harvested yesterday, good for a week, offered this morning."""
    check_offer_dates(harvest_date=date(2026, 3, 1), best_before=date(2026, 3, 8),
                      offered_at=NOW)


def test_a_harvest_after_the_offer_is_refused() -> None:
    """A lot cannot be offered before it is harvested."""
    with pytest.raises(HarvestAfterOffer) as caught:
        check_offer_dates(harvest_date=date(2026, 3, 3), best_before=date(2026, 3, 10),
                          offered_at=NOW)
    assert caught.value.code == "harvest_after_offer"
    assert "2026-03-03" in caught.value.message
    assert "2026-03-02" in caught.value.message


def test_the_harvest_day_is_the_cooperatives_calendar_day() -> None:
    """At 00:30 in Paris (23:30 UTC the day before) a harvest dated today is not refused."""
    just_after_midnight = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    assert business_day(just_after_midnight) == date(2026, 3, 2)
    check_offer_dates(harvest_date=date(2026, 3, 2), best_before=date(2026, 3, 9),
                      offered_at=just_after_midnight)


def test_year_one_harvest_is_too_old() -> None:
    """A harvest a year and a day before the offer is refused, naming the oldest allowed."""
    with pytest.raises(HarvestTooOld) as caught:
        check_offer_dates(harvest_date=date(1, 1, 1), best_before=date(2026, 3, 9),
                          offered_at=NOW)
    assert caught.value.code == "harvest_too_old"
    assert str(date(2026, 3, 2) - HARVEST_AGE_MAX) in caught.value.message
    check_offer_dates(harvest_date=date(2026, 3, 2) - HARVEST_AGE_MAX,
                      best_before=date(2026, 3, 9), offered_at=NOW)


def test_best_before_not_before_harvest_nor_absurdly_after() -> None:
    """Best-before the day before harvest, or in year 9999, is refused with the dates."""
    with pytest.raises(BestBeforeBeforeHarvest) as caught:
        check_best_before(harvest_date=date(2026, 3, 1), best_before=date(2026, 2, 28))
    assert caught.value.code == "best_before_before_harvest"
    with pytest.raises(BestBeforeTooFar) as too_far:
        check_best_before(harvest_date=date(2026, 3, 1), best_before=date(9999, 12, 31))
    assert too_far.value.code == "best_before_too_far"
    assert str(date(2026, 3, 1) + BEST_BEFORE_AFTER_HARVEST_MAX) in too_far.value.message
    check_best_before(harvest_date=date(2026, 3, 1),
                      best_before=date(2026, 3, 1) + BEST_BEFORE_AFTER_HARVEST_MAX)


def test_a_reception_before_the_harvest_is_refused() -> None:
    """Received on the 2nd a lot harvested on the 5th: refused; derived lots have no harvest."""
    with pytest.raises(HarvestAfterReception) as caught:
        check_reception_date(harvest_date=date(2026, 3, 5), received_at=NOW)
    assert caught.value.code == "harvest_after_reception"
    check_reception_date(harvest_date=date(2026, 3, 2), received_at=NOW)
    check_reception_date(harvest_date=None, received_at=NOW)


def test_every_refusal_has_its_own_code() -> None:
    """Eleven refusals, eleven distinct codes, none shared with an older refusal."""
    classes = [MomentOutsideCalendar, BusinessTimeInFuture, BusinessTimeBeforeFounding,
               BackdatedTooFar, BackdatingReasonRequired, HarvestAfterOffer,
               HarvestAfterReception, HarvestTooOld, BestBeforeBeforeHarvest, BestBeforeTooFar,
               BusinessTimeBeforeLatestAct]
    codes = {error_class.code for error_class in classes}
    older = {subclass.code for subclass in DomainError.__subclasses__()
             if subclass not in classes}
    assert len(codes) == len(classes)
    assert not codes & older


# ---------------------------------------------------------------------------------------------
# The governed window


def test_the_window_in_force_is_the_default_until_a_decision_sets_one() -> None:
    """No rule book, or none on the day: a week; after an adopted decision: its days."""
    decision_id = UUID("0192f0c7-5b86-7f5c-8072-8d9e0f1a2b3c")
    enactment = Enactment(sequence=1, kind=RuleKind.BACKDATING_WINDOW, scope_id=None,
                          rule=SetBackdatingWindow(days=14), effective_from=date(2026, 2, 1),
                          decision_id=decision_id, title="Saisie tardive : deux semaines")
    book = RuleBook.__new__(RuleBook)
    book.enactments = [enactment]
    assert backdating_window_in_force(None, date(2026, 3, 1)) == (
        BACKDATING_WINDOW_DEFAULT, None)
    assert backdating_window_in_force(book, date(2026, 1, 31)) == (
        BACKDATING_WINDOW_DEFAULT, None)
    assert backdating_window_in_force(book, date(2026, 2, 1)) == (timedelta(days=14),
                                                                  decision_id)


def test_a_proposed_window_outside_its_bounds_is_refused() -> None:
    """A proposal for a negative or over-a-year window is refused on its values."""
    check_payload(SetBackdatingWindow(days=30))
    for days in (-1, BACKDATING_WINDOW_MAX.days + 1):
        with pytest.raises(InvalidCommand, match="back-dating window"):
            check_payload(SetBackdatingWindow(days=days))


# ---------------------------------------------------------------------------------------------
# Order within a stream


def test_an_act_is_not_dated_before_its_streams_latest_act() -> None:
    """Same moment: taken (in any zone, naive read as UTC); a second earlier: refused with
    both moments; later: taken."""
    paris = timezone(timedelta(hours=1))
    check_act_order(NOW, NOW, what="lot", name="CAR-1", act="lot.dispatched")
    check_act_order(NOW.astimezone(paris), NOW.replace(tzinfo=None), what="lot",
                    name="CAR-1", act="lot.dispatched")
    check_act_order(NOW + timedelta(seconds=1), NOW, what="lot", name="CAR-1",
                    act="lot.dispatched")
    with pytest.raises(BusinessTimeBeforeLatestAct) as caught:
        check_act_order(NOW - timedelta(seconds=1), NOW, what="lot", name="CAR-1",
                        act="lot.dispatched")
    assert caught.value.code == caught.value.reason == "occurred_at_before_latest_act"
    assert caught.value.facts == {"what": "lot", "name": "CAR-1",
                                  "occurred_at": "2026-03-02T09:29:59+00:00",
                                  "latest_at": "2026-03-02T09:30:00+00:00"}
    assert "lot CAR-1 already has an act dated 2026-03-02T09:30:00Z" in caught.value.message


def test_the_latest_act_is_derived_from_the_events_the_greatest_not_the_last() -> None:
    """A stream written before the rule may hold an acceptance dated before its offer: it
    still loads, and its latest act is the offer's; a reception before that is refused."""

    def context(moment: datetime) -> Context:
        return Context(member_id=UUID(int=1), role=Role.PLATFORM, command_id="c",
                       correlation_id="c", causation_id="c", occurred_at=moment)

    offered = Lot.offer(UUID(int=9), context(NOW), code="CAR-1", producer_id=UUID(int=2),
                        product="carotte", variety="", quantity_g=10_000,
                        price_cents_per_kg=100, harvest_date=NOW.date(), best_before=None,
                        organic_certificate="", origin="").collect_events()
    accepted = Lot.OfferAccepted(originator_id=UUID(int=9), originator_version=2,
                                 timestamp=NOW, context=context(NOW - timedelta(hours=1)),
                                 platform_id=UUID(int=3), site_id=UUID(int=4),
                                 accepted_g=10_000)
    lot = project_events(None, [*offered, accepted])
    assert isinstance(lot, Lot)
    assert lot.latest_occurred_at == lot.latest_by_holder[None] == NOW
    with pytest.raises(BusinessTimeBeforeLatestAct):
        lot.receive(context(NOW - timedelta(minutes=1)), site_id=UUID(int=4),
                    measured_g=10_000)
    assert lot.pending_events == []
    lot.receive(context(NOW), site_id=UUID(int=4), measured_g=10_000)
    assert lot.on_hand_g == 10_000
