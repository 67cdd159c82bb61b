"""Business time at the ledger's door: ``act`` holds every dated command to the rule.

On a live ledger (its clock the wall's, here a fixed moment; not the ``lived`` mode of the
scenario tests), on SQLite and PostgreSQL: an act dated in the future, before the founding
or beyond the back-dating window is refused with its own code and writes nothing; a
coordinator may date further back with a reason, which the act records in its context; a
decision can widen the window; an offer's harvest and best-before and a reception's day
are held to plausibility. Commands without ``occurred_at`` happen now, as ever.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import msgspec

from domain import commands as c
from domain.base import Event
from domain.errors import (
    BackdatedTooFar,
    BackdatingReasonRequired,
    BusinessTimeBeforeFounding,
    BusinessTimeInFuture,
    HarvestAfterOffer,
    HarvestAfterReception,
    HarvestTooOld,
)
from domain.members import Member
from infra.ledger.ledger import Ledger
from tests.builders import LIVE_NOW, Territory, assert_refused, events_of_command

NOW = LIVE_NOW  # The ``live`` fixture's clock (tests/integration/conftest.py).


def test_an_act_in_the_future_or_before_the_founding_is_refused(
        live: tuple[Ledger, Territory]) -> None:
    """Year 9999, or before the founding (even for a coordinator with a reason): refused."""
    ledger, territory = live
    offer = territory.offer_command
    assert_refused(ledger, offer(occurred_at=datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)),
                   BusinessTimeInFuture, "9999-12-31T23:59:59Z is in the future")
    assert_refused(ledger, offer(occurred_at=NOW + timedelta(minutes=6)),
                   BusinessTimeInFuture, "at most 5 minutes ahead")
    assert_refused(ledger, c.RegisterMember(
        command_id="early", actor_id=territory.coordinator_id, name="Jardin ancien",
        kind="producer", occurred_at=datetime(1, 1, 1, tzinfo=UTC),
        backdating_reason="archives"), BusinessTimeBeforeFounding, "before the cooperative")


def test_a_member_dates_back_a_week_and_no_further(live: tuple[Ledger, Territory]) -> None:
    """Six days back is late entry; eight days back is refused, naming the window."""
    ledger, territory = live
    territory.offer(occurred_at=NOW - timedelta(days=6), harvest_date=date(2026, 11, 24),
                    best_before=date(2026, 12, 10))
    assert_refused(ledger, territory.offer_command(occurred_at=NOW - timedelta(days=8)),
                   BackdatedTooFar, "more than 7 days before now")


def test_a_coordinator_goes_further_with_a_reason_recorded_in_the_act(
        live: tuple[Ledger, Territory]) -> None:
    """Thirty days back: refused without a reason; with one, the event's context keeps it."""
    ledger, territory = live
    register = c.RegisterMember(command_id="late-1", actor_id=territory.coordinator_id,
                                name="Épicerie du marché", kind="outlet",
                                occurred_at=NOW - timedelta(days=30))
    assert_refused(ledger, register, BackdatingReasonRequired, "must give a backdating_reason")
    reason = "adhésion votée en assemblée, saisie en retard"
    ledger.execute(msgspec.structs.replace(register, command_id="late-2",
                                           backdating_reason=reason))
    (registered,) = [event for event in events_of_command(ledger, "late-2")
                     if isinstance(event, Member.Registered)]
    assert registered.context.backdating_reason == reason
    assert registered.context.occurred_at == NOW - timedelta(days=30)
    ordinary: Event = next(iter(events_of_command(ledger, "t-setup-1")))
    assert ordinary.context.backdating_reason is msgspec.UNSET


def test_lot_dates_must_be_plausible(live: tuple[Ledger, Territory]) -> None:
    """Harvest after the offer or a year before it, reception before the harvest: refused."""
    ledger, territory = live
    offer = territory.offer_command
    assert_refused(ledger, offer(harvest_date=date(2026, 12, 2), best_before=date(2026, 12, 9)),
                   HarvestAfterOffer, r"harvest date 2026-12-02 is after the offer \(2026-12-01\)")
    assert_refused(ledger, offer(harvest_date=date(2025, 11, 30), best_before=date(2026, 12, 9)),
                   HarvestTooOld, "more than 365 days before the offer")
    lot_id = territory.offer(harvest_date=date(2026, 11, 30), best_before=date(2026, 12, 9))
    territory.accept(lot_id, 100_000)
    assert_refused(ledger, c.ReceiveLot(
        command_id="too-early", actor_id=territory.platform_id, lot_id=lot_id,
        site_id=territory.site_id, measured_g=100_000,
        occurred_at=datetime(2026, 11, 29, 10, tzinfo=UTC)),
        HarvestAfterReception, r"after the reception \(2026-11-29\)")
