"""Donations, quality labels and workshops through the registry, in memory: who may record
them, what they are worth, and what is refused (nothing written)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain import commands as c
from domain import reporting_commands as r
from domain.donations import Donation, NoReferencePrice, Valuation, donation_id
from domain.errors import AlreadyExists, InvalidCommand, RoleRequired
from domain.governance import College
from domain.quality_labels import LotLabel, QualityLabel, lot_label_id
from domain.reference_prices import ReferencePrice, SetReferencePrices
from domain.rules import FunderShare, ProductPrice, SetPriceGrid
from domain.transfers import DeliverySettlement, settlement_id
from domain.workshops import Workshop, WorkshopKind
from infra.ledger.ledger import Ledger
from infra.ledger.registry import HANDLERS
from tests.builders import assert_refused, events_of_stream
from tests.governance_support import MONDAY, Governed, at, governed_territory


@pytest.fixture
def gov(ledger: Ledger) -> Governed:
    """The governed territory, with reference prices adopted from day 6."""
    territory = governed_territory(ledger)
    territory.adopt(SetReferencePrices(prices=[ReferencePrice("carrot", 150)]),
                    effective_from=MONDAY + timedelta(days=6), title="Prix de référence")
    return territory


def donation(gov: Governed, lot_id: object, **fields: object) -> r.RecordDonation:
    """A donation of a lot by the producer, recorded by the platform on day 7."""
    values: dict[str, object] = {"actor_id": gov.base.platform_id, "lot_id": lot_id,
                                 "donor_id": gov.base.producer_id, "occurred_at": at(7)}
    values.update(fields)
    command: r.RecordDonation = gov.command(r.RecordDonation, **values)  # type: ignore[assignment]
    return command


def test_the_registry_handles_the_reporting_commands() -> None:
    """Each new command has its handler in the one table."""
    assert {r.RecordDonation, r.CancelDonation, r.DeclareQualityLabel,
            r.WithdrawQualityLabel, r.RecordWorkshop, r.CancelWorkshop} <= set(HANDLERS)


def test_a_donation_at_the_reference_price_names_the_decision(gov: Governed) -> None:
    """10 kg of carrots at the adopted 1.50 EUR/kg: 15.00 EUR, the decision in the context."""
    lot_id = gov.base.stocked_lot(10_000)
    gov.ledger.execute(donation(gov, lot_id))
    [recorded] = events_of_stream(gov.ledger, donation_id(lot_id))
    assert isinstance(recorded, Donation.Recorded)
    assert (recorded.valuation, recorded.value_cents, recorded.quantity_g) == (
        Valuation.REFERENCE_PRICE, 1_500, 10_000)
    assert recorded.context.decision_id is not None
    assert recorded.donated_on == at(7).date()
    assert_refused(gov.ledger, donation(gov, lot_id), AlreadyExists, "already")


def test_refused_donations_write_nothing(gov: Governed) -> None:
    """Another platform, another donor, too much, an unpriced product: each refused."""
    base = gov.base
    lot_id = base.stocked_lot(10_000)
    other_platform, _ = base.add_platform()
    assert_refused(gov.ledger, donation(gov, lot_id, actor_id=other_platform), RoleRequired)
    assert_refused(gov.ledger, donation(gov, lot_id, donor_id=gov.funder_ids[0]),
                   InvalidCommand, "cannot be its donor")
    assert_refused(gov.ledger, donation(gov, lot_id, quantity_g=10_001), InvalidCommand,
                   "10000 g on hand")
    leeks = base.stocked_lot(5_000, product="Leek")
    assert_refused(gov.ledger, donation(gov, leeks), NoReferencePrice, "leek")
    assert_refused(gov.ledger, donation(gov, lot_id, occurred_at=at(2)), NoReferencePrice)
    gov.ledger.execute(donation(gov, leeks, declared_value_cents=700))


def test_a_donated_lot_is_never_paid_and_a_cancelled_donation_is(gov: Governed) -> None:
    """Under a price grid the donated carrots go unpaid; once the donation is cancelled,
    the next delivery of the same lot pays the producer."""
    base = gov.base
    gov.adopt(SetPriceGrid(prices=[ProductPrice("carrot", 200)], outlet_share_bp=2_000,
                           funders=[FunderShare(gov.funder_ids[0], 10_000)]),
              effective_from=MONDAY + timedelta(days=6))
    gov.commit(gov.funder_ids[0], 100_000)
    lot_id = gov.stocked_lot(10_000)
    gov.ledger.execute(donation(gov, lot_id))
    first = base.plan(lot_id, 4_000, occurred_at=at(7, 9))
    base.run(c.DispatchDelivery(command_id=base.command_id("dispatch"),
                                actor_id=base.platform_id, delivery_id=first,
                                occurred_at=at(8)))
    [priced] = events_of_stream(gov.ledger, settlement_id(first))
    assert isinstance(priced, DeliverySettlement.Priced)
    assert (priced.payments, [line.reason for line in priced.unpaid]) == ([], ["a donation"])
    gov.ledger.execute(gov.command(r.CancelDonation, actor_id=base.platform_id,
                                   lot_id=lot_id, reason="erreur de saisie",
                                   occurred_at=at(8, 10)))
    second = base.plan(lot_id, 4_000, occurred_at=at(8, 11))
    base.run(c.DispatchDelivery(command_id=base.command_id("dispatch"),
                                actor_id=base.platform_id, delivery_id=second,
                                occurred_at=at(9)))
    [priced] = events_of_stream(gov.ledger, settlement_id(second))
    assert isinstance(priced, DeliverySettlement.Priced)
    assert [payment.amount_cents for payment in priced.payments] == [800]


def test_quality_labels_by_the_producer_or_the_holding_platform(gov: Governed) -> None:
    """The producer declares AOP on its lot; another producer may not; it is withdrawn."""
    base = gov.base
    lot_id = base.stocked_lot(5_000, product="Leek", organic_certificate="")
    declare = r.DeclareQualityLabel
    gov.ledger.execute(gov.command(declare, actor_id=base.producer_id, lot_id=lot_id,
                                   label=QualityLabel.AOP, certificate="AOP-1"))
    other_garden = gov.seats[College.PRODUCERS][1]
    assert_refused(gov.ledger, gov.command(declare, actor_id=other_garden, lot_id=lot_id,
                                           label=QualityLabel.IGP, certificate="IGP-1"),
                   RoleRequired)
    assert_refused(gov.ledger, gov.command(declare, actor_id=base.platform_id, lot_id=lot_id,
                                           label=QualityLabel.AOP, certificate="AOP-1"),
                   AlreadyExists)
    gov.ledger.execute(gov.command(r.WithdrawQualityLabel, actor_id=base.platform_id,
                                   lot_id=lot_id, label=QualityLabel.AOP, reason="erreur"))
    declared = gov.ledger.repository.get(lot_label_id(lot_id, QualityLabel.AOP))
    assert isinstance(declared, LotLabel)
    assert declared.withdrawn


def test_workshops_of_a_programme_and_their_bounds(gov: Governed) -> None:
    """The collection point records its workshop; an outsider outlet may not name the
    programme; too many people or a future date are refused; the organiser cancels."""
    programme = gov.open_programme()
    recorded = gov.run(r.RecordWorkshop, actor_id=gov.collection_point_id,
                       programme_id=programme, kind=WorkshopKind.COOKING,
                       held_on=at(3).date(), attendance_count=12, occurred_at=at(3, 18))
    workshop = gov.ledger.repository.get(recorded.stream_id)
    assert isinstance(workshop, Workshop)
    assert (workshop.kind, workshop.attendance_count) == (WorkshopKind.COOKING, 12)
    assert_refused(gov.ledger, gov.command(
        r.RecordWorkshop, actor_id=gov.outsider_id, programme_id=programme,
        kind=WorkshopKind.NUTRITION, held_on=at(3).date(), attendance_count=5,
        occurred_at=at(3, 18)), RoleRequired)
    assert_refused(gov.ledger, gov.command(
        r.RecordWorkshop, actor_id=gov.collection_point_id, kind=WorkshopKind.NUTRITION,
        held_on=at(3).date(), attendance_count=501, occurred_at=at(3, 18)), InvalidCommand,
        "501")
    assert_refused(gov.ledger, gov.command(
        r.RecordWorkshop, actor_id=gov.collection_point_id, kind=WorkshopKind.NUTRITION,
        held_on=at(5).date(), attendance_count=5, occurred_at=at(3, 18)), InvalidCommand,
        "before it was held")
    assert_refused(gov.ledger, gov.command(
        r.CancelWorkshop, actor_id=gov.referrer_id, workshop_id=recorded.stream_id,
        reason="x"), RoleRequired)
    gov.run(r.CancelWorkshop, actor_id=gov.collection_point_id,
            workshop_id=recorded.stream_id, reason="saisi deux fois")
