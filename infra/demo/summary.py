"""What the demo wrote: its summary, counted from the store afterwards."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from domain.baskets import Basket, BasketProgramme, Household
from domain.codec import decode_event
from domain.command_records import CommandRecord
from domain.donations import Donation
from domain.lots import Lot
from domain.members import Member
from domain.workshops import Workshop
from infra.ledger.ledger import Ledger
from projections.runner import stored_topics


@dataclass
class ProgrammeFigures:
    """What one programme brought in: lots offered and grams received."""

    lots: int = 0
    received_g: int = 0


SUPPLY_CHAIN = "supply chain"
"""``DemoSummary.programmes`` key of the food banks' supply chain (basket programmes are
keyed by their name)."""


@dataclass
class DemoSummary:
    """What the demo wrote, counted from the store afterwards (``count_history``), so every
    programme's acts are in it: the food banks' supply chain and the basket programmes."""

    events_written: int = 0
    """Domain events the commands wrote (command records not counted), every programme."""
    events_stored: int = 0
    """Every event in the store afterwards, command records included."""
    commands: int = 0
    """Commands handled, every programme."""
    lots: int = 0
    """Lots offered, every programme."""
    received_g: int = 0
    """Grams received at sites, every programme."""
    programmes: dict[str, ProgrammeFigures] = field(default_factory=dict)
    distributed_g_by_outlet: dict[str, int] = field(default_factory=dict)
    distributed_g_by_channel: dict[str, int] = field(default_factory=dict)
    households: int = 0
    baskets_prepared: int = 0
    baskets_collected: int = 0
    baskets_cancelled: int = 0
    donations: int = 0
    """Donations in kind recorded (and not cancelled)."""
    workshops: int = 0
    """Cooking, gardening and nutrition workshops held (and not cancelled)."""
    recalled_lot_codes: list[str] = field(default_factory=list)
    held_lot_codes: list[str] = field(default_factory=list)
    refused_lot_codes: list[str] = field(default_factory=list)
    donation_lot_codes: list[str] = field(default_factory=list)
    merged_lot_codes: list[str] = field(default_factory=list)
    cleared_out_g: int = 0
    """Grams past their date removed from stock (recorded as losses)."""
    in_transit_delivery_ids: list[UUID] = field(default_factory=list)
    coordinator_id: UUID | None = None
    platform_ids: list[UUID] = field(default_factory=list)
    funder_ids: list[UUID] = field(default_factory=list)
    start: date | None = None
    end: datetime | None = None
    seconds: float = 0.0


SUMMARY_PAGE_SIZE = 10_000
"""Notifications read per page when counting: memory stays flat at any scale."""
SUMMARY_PAGES_MAX = 100_000
"""A billion notifications: far beyond the largest demo (``WEEKS_MAX`` times ``SCALE_MAX``)."""


def count_history(ledger: Ledger, summary: DemoSummary) -> None:
    """Fill ``summary``'s figures from the store's events, whatever programme wrote them.

    Lots offered and grams received go to the basket programme whose producer offered the
    lot, else to the supply chain; distributions count per outlet and per channel; commands
    are counted by their command records, and every other stored event was written by one.
    """
    summary.commands = 0
    topics = stored_topics(CommandRecord.Handled, Member.Registered, BasketProgramme.Opened,
                           Lot.Offered, Lot.Received, Lot.Distributed, Household.Enrolled,
                           Basket.Prepared, Basket.Collected, Basket.Cancelled,
                           Donation.Recorded, Donation.Cancelled, Workshop.Held,
                           Workshop.Cancelled)
    names: dict[UUID, str] = {}
    programme_of_producer: dict[UUID, str] = {}
    programme_of_lot: dict[UUID, str] = {}
    by_outlet: dict[UUID, int] = {}
    position = 1
    for _ in range(SUMMARY_PAGES_MAX):
        page = ledger.recorder.select_notifications(position, SUMMARY_PAGE_SIZE, topics=topics)
        for notification in page:
            event = decode_event(notification.topic, notification.state)
            stream_id = UUID(str(notification.originator_id))
            if isinstance(event, CommandRecord.Handled):
                summary.commands += 1
            elif isinstance(event, Member.Registered):
                names[stream_id] = event.name
            elif isinstance(event, BasketProgramme.Opened):
                programme_of_producer[event.producer_id] = event.name
            elif isinstance(event, Lot.Offered):
                programme = programme_of_producer.get(event.producer_id, SUPPLY_CHAIN)
                programme_of_lot[stream_id] = programme
                summary.programmes.setdefault(programme, ProgrammeFigures()).lots += 1
                summary.lots += 1
            elif isinstance(event, Lot.Received):
                programme = programme_of_lot.get(stream_id, SUPPLY_CHAIN)
                figures = summary.programmes.setdefault(programme, ProgrammeFigures())
                figures.received_g += event.measured_g
                summary.received_g += event.measured_g
            elif isinstance(event, Lot.Distributed):
                by_outlet[event.outlet_id] = by_outlet.get(event.outlet_id, 0) + \
                    event.quantity_g
                channel = str(event.channel)
                summary.distributed_g_by_channel[channel] = \
                    summary.distributed_g_by_channel.get(channel, 0) + event.quantity_g
            elif isinstance(event, Household.Enrolled):
                summary.households += 1
            elif isinstance(event, Basket.Prepared):
                summary.baskets_prepared += 1
            elif isinstance(event, Basket.Collected):
                summary.baskets_collected += 1
            elif isinstance(event, Basket.Cancelled):
                summary.baskets_cancelled += 1
            elif isinstance(event, Donation.Recorded | Donation.Cancelled):
                summary.donations += 1 if isinstance(event, Donation.Recorded) else -1
            elif isinstance(event, Workshop.Held | Workshop.Cancelled):
                summary.workshops += 1 if isinstance(event, Workshop.Held) else -1
        if len(page) < SUMMARY_PAGE_SIZE:
            break
        position = page[-1].id + 1
    summary.events_written = (ledger.recorder.max_notification_id() or 0) - summary.commands
    summary.distributed_g_by_outlet = {names.get(outlet, str(outlet)): grams
                                       for outlet, grams in by_outlet.items()}
