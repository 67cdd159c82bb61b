"""Test builders: a small territory, the usual moves of a lot, and refusal checks.

``found_territory(ledger)`` founds the cooperative and registers one producer, one platform
with its warehouse and two outlets; the returned ``Territory`` then offers, accepts and
receives lots, reserves them and delivers them with one call each. Command ids are
deterministic (``"{prefix}-{label}-{n}"`` from a counter kept by the territory), so a test
can rebuild a command exactly to replay it. ``assert_refused`` runs a command that must be
refused and checks the error type, the message and that nothing was written.

Other test modules may import these helpers: keep them small and keep their defaults stable.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import msgspec
import pytest

from domain import commands as c
from domain.base import Event, Role
from domain.deliveries import Delivery
from domain.errors import DomainError
from domain.lots import Lot
from domain.members import Member, MemberKind
from domain.sites import SiteKind
from infra.ledger.ledger import Ledger, iter_events
from tests.conftest import SCENARIO_FOUNDED_AT

HARVEST_DATE = date(2026, 11, 2)
BEST_BEFORE = date(2026, 11, 20)
PLANNED_FOR = date(2026, 11, 5)
WEEK = "2026-W45"
LIVE_NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
"""The clock of a ledger run as a server runs it (the ``live`` fixture of integration tests)."""
DEMO_END = date(2026, 12, 10)
"""The day tests end the demo on (a Thursday, its week's deliveries made): the demo ends at
the current week by default, which would make a test's history depend on the day it runs."""


def max_notification_id(ledger: Ledger) -> int:
    """The position of the last event in the store (0 when empty)."""
    return ledger.recorder.max_notification_id() or 0


def assert_refused(ledger: Ledger, command: msgspec.Struct, error: type[DomainError],
                   match: str | None = None) -> DomainError:
    """Run ``command``, expect exactly ``error`` (its message searched for the regular
    expression ``match``) and no write at all."""
    before = max_notification_id(ledger)
    with pytest.raises(error, match=match) as caught:
        ledger.execute(command)
    assert type(caught.value) is error, f"expected {error.__name__}, got {caught.value!r}"
    assert max_notification_id(ledger) == before, "a refused command wrote events"
    return caught.value


def events_of_command(ledger: Ledger, command_id: str) -> list[Event]:
    """Every stored event recorded on behalf of ``command_id``, in log order."""
    return [event for event in iter_events(ledger) if event.context.command_id == command_id]


def events_of_stream(ledger: Ledger, stream_id: UUID) -> list[Event]:
    """Every stored event of one stream, in version order."""
    return [ledger.mapper.to_domain_event(stored)
            for stored in ledger.recorder.select_events(stream_id)]


@dataclass
class Territory:
    """A founded cooperative with one producer, one platform and its site, two outlets."""

    ledger: Ledger
    coordinator_id: UUID
    producer_id: UUID
    platform_id: UUID
    site_id: UUID
    outlet_ids: tuple[UUID, UUID]
    prefix: str = "t"
    _counter: Iterator[int] = field(default_factory=lambda: itertools.count(1), repr=False)

    # ------------------------------------------------------------- plumbing

    def command_id(self, label: str) -> str:
        """A fresh deterministic command id, e.g. ``t-offer-7``."""
        return f"{self.prefix}-{label}-{next(self._counter)}"

    def run(self, command: msgspec.Struct) -> c.CommandResult:
        """Execute a command (a thin alias kept for symmetry with ``assert_refused``)."""
        return self.ledger.execute(command)

    def lot(self, lot_id: UUID) -> Lot:
        """The current state of a lot."""
        lot = self.ledger.repository.get(lot_id)
        assert isinstance(lot, Lot)
        return lot

    def member(self, member_id: UUID) -> Member:
        """The current state of a member."""
        member = self.ledger.repository.get(member_id)
        assert isinstance(member, Member)
        return member

    def delivery(self, delivery_id: UUID) -> Delivery:
        """The current state of a delivery."""
        delivery = self.ledger.repository.get(delivery_id)
        assert isinstance(delivery, Delivery)
        return delivery

    @property
    def outlet_id(self) -> UUID:
        """The first outlet."""
        return self.outlet_ids[0]

    # ------------------------------------------------------- members, sites

    def register_member(self, name: str, kind: MemberKind, roles: list[Role] | None = None,
                        households_served: int = 0) -> UUID:
        """Register another member (by the coordinator); its id."""
        return self.run(c.RegisterMember(
            command_id=self.command_id("member"), actor_id=self.coordinator_id, name=name,
            kind=kind, roles=roles, households_served=households_served)).stream_id

    def register_site(self, name: str, operator_id: UUID,
                      kind: SiteKind = SiteKind.WAREHOUSE) -> UUID:
        """Register another site (by the coordinator); its id."""
        return self.run(c.RegisterSite(
            command_id=self.command_id("site"), actor_id=self.coordinator_id, name=name,
            kind=kind, operator_id=operator_id, city="Besançon")).stream_id

    def add_platform(self, name: str = "Banque Alimentaire du Jura") -> tuple[UUID, UUID]:
        """Register a second platform with its own warehouse: (platform id, site id)."""
        platform_id = self.register_member(name, MemberKind.PLATFORM)
        return platform_id, self.register_site(f"Entrepôt {name}", platform_id)

    # ----------------------------------------------------------------- lots

    def offer_command(self, quantity_g: int = 100_000, **fields: Any) -> c.OfferLot:
        """An offer by the producer (fields override the defaults)."""
        values: dict[str, Any] = {
            "command_id": self.command_id("offer"), "actor_id": self.producer_id,
            "product": "Carrot", "variety": "Nantaise", "quantity_g": quantity_g,
            "price_cents_per_kg": 180, "harvest_date": HARVEST_DATE,
            "best_before": BEST_BEFORE, "organic_certificate": "FR-BIO-01",
            "origin": "parcelle 3"}
        values.update(fields)
        return c.OfferLot(**values)

    def offer(self, quantity_g: int = 100_000, **fields: Any) -> UUID:
        """Offer a lot; its id."""
        return self.run(self.offer_command(quantity_g, **fields)).stream_id

    def accept(self, lot_id: UUID, accepted_g: int, site_id: UUID | None = None,
               platform_id: UUID | None = None,
               occurred_at: datetime | None = None) -> c.CommandResult:
        """The platform accepts an offer for its site (now, unless dated)."""
        return self.run(c.AcceptOffer(
            command_id=self.command_id("accept"), actor_id=platform_id or self.platform_id,
            lot_id=lot_id, site_id=site_id or self.site_id, accepted_g=accepted_g,
            occurred_at=occurred_at))

    def receive(self, lot_id: UUID, measured_g: int, site_id: UUID | None = None,
                platform_id: UUID | None = None,
                occurred_at: datetime | None = None) -> c.CommandResult:
        """The platform receives an accepted lot at its site (now, unless dated)."""
        return self.run(c.ReceiveLot(
            command_id=self.command_id("receive"), actor_id=platform_id or self.platform_id,
            lot_id=lot_id, site_id=site_id or self.site_id, measured_g=measured_g,
            occurred_at=occurred_at))

    def stocked_lot(self, quantity_g: int = 100_000, product: str = "Carrot",
                    site_id: UUID | None = None, platform_id: UUID | None = None,
                    **fields: Any) -> UUID:
        """Offer, accept and receive a lot of exactly ``quantity_g``; its id. All three at
        the offer's ``occurred_at`` when one is given (a lot's acts follow each other)."""
        lot_id = self.offer(quantity_g, product=product, **fields)
        when = fields.get("occurred_at")
        self.accept(lot_id, quantity_g, site_id, platform_id, occurred_at=when)
        self.receive(lot_id, quantity_g, site_id, platform_id, occurred_at=when)
        return lot_id

    def reserve(self, lot_id: UUID, quantity_g: int,
                outlet_id: UUID | None = None) -> c.CommandResult:
        """The platform reserves stock for an outlet (the first by default)."""
        return self.run(c.ReserveLot(
            command_id=self.command_id("reserve"), actor_id=self.platform_id, lot_id=lot_id,
            outlet_id=outlet_id or self.outlet_id, quantity_g=quantity_g))

    def split(self, lot_id: UUID, parts_g: list[int]) -> list[UUID]:
        """Split a lot's available stock; the children's ids."""
        result = self.run(c.SplitLot(command_id=self.command_id("split"),
                                     actor_id=self.platform_id, lot_id=lot_id,
                                     parts_g=parts_g))
        return result.stream_ids[1:]

    # ----------------------------------------------------------- deliveries

    def plan(self, lot_id: UUID, quantity_g: int, outlet_id: UUID | None = None,
             occurred_at: datetime | None = None) -> UUID:
        """Plan a one-stop, one-line delivery from the platform's site; its id."""
        stop = c.PlannedStop(outlet_id or self.outlet_id, [c.PlannedLine(lot_id, quantity_g)])
        return self.run(c.PlanDelivery(
            command_id=self.command_id("plan"), actor_id=self.platform_id,
            from_site_id=self.site_id, planned_for=PLANNED_FOR, stops=[stop],
            occurred_at=occurred_at)).stream_id

    def dispatch(self, delivery_id: UUID,
                 occurred_at: datetime | None = None) -> c.CommandResult:
        """The platform dispatches a planned delivery."""
        return self.run(c.DispatchDelivery(command_id=self.command_id("dispatch"),
                                           actor_id=self.platform_id,
                                           delivery_id=delivery_id, occurred_at=occurred_at))

    def receive_delivery(self, delivery_id: UUID, lot_id: UUID, received_g: int,
                         outlet_id: UUID | None = None,
                         occurred_at: datetime | None = None) -> c.CommandResult:
        """An outlet signs for its stop (one lot line)."""
        return self.run(c.ReceiveDelivery(
            command_id=self.command_id("receipt"), actor_id=outlet_id or self.outlet_id,
            delivery_id=delivery_id, lines=[c.ReceiptLine(lot_id, received_g)],
            signer="Marie, bénévole", occurred_at=occurred_at))

    def deliver(self, lot_id: UUID, quantity_g: int, outlet_id: UUID | None = None,
                received_g: int | None = None, occurred_at: datetime | None = None) -> UUID:
        """Plan, dispatch and receive a delivery of one lot to one outlet (all three at
        ``occurred_at`` when given, else now); the delivery id."""
        outlet_id = outlet_id or self.outlet_id
        delivery_id = self.plan(lot_id, quantity_g, outlet_id, occurred_at)
        self.dispatch(delivery_id, occurred_at)
        self.receive_delivery(delivery_id, lot_id,
                              quantity_g if received_g is None else received_g, outlet_id,
                              occurred_at)
        return delivery_id


def found_territory(ledger: Ledger, prefix: str = "t") -> Territory:
    """Found the cooperative on an empty ledger and register a minimal territory."""
    founded = ledger.execute(c.FoundCooperative(
        command_id=f"{prefix}-found", name="Réseau Cocagne", coordinator_name="Secrétariat",
        occurred_at=SCENARIO_FOUNDED_AT))
    coordinator_id = founded.stream_id
    counter = itertools.count(1)

    def register(name: str, kind: MemberKind, households_served: int = 0) -> UUID:
        return ledger.execute(c.RegisterMember(
            command_id=f"{prefix}-setup-{next(counter)}", actor_id=coordinator_id, name=name,
            kind=kind, households_served=households_served)).stream_id

    producer_id = register("Jardin de Cocagne de Vesoul", MemberKind.PRODUCER)
    platform_id = register("Banque Alimentaire du Doubs", MemberKind.PLATFORM)
    outlets = (register("Épicerie solidaire Planoise", MemberKind.OUTLET, 120),
               register("Restos du Cœur Besançon", MemberKind.OUTLET, 80))
    site_id = ledger.execute(c.RegisterSite(
        command_id=f"{prefix}-setup-{next(counter)}", actor_id=coordinator_id,
        name="Entrepôt de Thise", kind=SiteKind.WAREHOUSE, operator_id=platform_id,
        city="Thise")).stream_id
    return Territory(ledger=ledger, coordinator_id=coordinator_id, producer_id=producer_id,
                     platform_id=platform_id, site_id=site_id, outlet_ids=outlets,
                     prefix=prefix)
