"""Lots, from offer to plate: every lot command's success and refusals.

A producer offers, a platform accepts (fully or partly) or declines, receives and weighs,
splits, merges, transforms, reserves and releases; outlets distribute; holders record
losses; anyone entitled recalls, and the recall reaches every lot made from the lot.
Each refusal is checked to have written nothing. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from domain import commands as c
from domain.base import Role
from domain.dates import DateKind, paris_day
from domain.errors import (
    AlreadyExists,
    BestBeforeBeforeHarvest,
    InsufficientStock,
    InvalidCommand,
    InvalidState,
    NotFound,
    QuantityMismatch,
    Recalled,
    RoleRequired,
)
from domain.ids import name_id
from domain.lots import Channel, Lot, LotCode, LotStatus, ParentShare, Process
from domain.members import MemberKind
from infra.ledger.ledger import Ledger
from tests.builders import (
    HARVEST_DATE,
    Territory,
    assert_refused,
    events_of_command,
    events_of_stream,
    found_territory,
)

UNKNOWN_ID = UUID("00000000-0000-7000-8000-000000000002")


# ------------------------------------------------------------------- offers


def test_offer_records_the_lot_and_claims_its_code(ledger: Ledger) -> None:
    """An offer creates the lot with every traceability field and reserves its code."""
    territory = found_territory(ledger)
    result = ledger.execute(territory.offer_command(42_000, code="VES-2026-0042",
                                                    product="  Leek "))
    lot = territory.lot(result.stream_id)
    assert lot.status == LotStatus.OFFERED
    assert (lot.code, lot.product, lot.variety, lot.offered_g) == (
        "VES-2026-0042", "leek", "Nantaise", 42_000)
    assert (lot.producer_id, lot.price_cents_per_kg, lot.harvest_date) == (
        territory.producer_id, 180, HARVEST_DATE)
    assert (lot.organic_certificate, lot.origin) == ("FR-BIO-01", "parcelle 3")
    index = ledger.repository.get(name_id("lot-code", "VES-2026-0042"))
    assert isinstance(index, LotCode)
    assert index.lot_id == lot.id
    assert result.events_written == 2


def test_offer_generates_a_code_when_none_is_given(ledger: Ledger) -> None:
    """Without a code, the lot gets ``L<harvest yymmdd>-<hex of its id>``, unique per lot."""
    territory = found_territory(ledger)
    first = territory.lot(territory.offer())
    second = territory.lot(territory.offer())
    prefix, suffix = first.code.split("-")
    assert prefix == "L261102"
    assert first.id.hex.upper().endswith(suffix)
    assert first.code != second.code


def test_every_event_records_who_when_and_why(ledger: Ledger) -> None:
    """The offer's event carries actor, role, command, correlation, causation, business time."""
    territory = found_territory(ledger)
    occurred = datetime(2026, 11, 2, 7, 30, tzinfo=UTC)
    command = territory.offer_command(correlation_id="semaine-45", causation_id="appel-12",
                                      occurred_at=occurred)
    ledger.execute(command)
    offered = next(event for event in events_of_command(ledger, command.command_id)
                   if isinstance(event, Lot.Offered))
    context = offered.context
    assert (context.member_id, context.role) == (territory.producer_id, Role.PRODUCER)
    assert (context.command_id, context.correlation_id, context.causation_id) == (
        command.command_id, "semaine-45", "appel-12")
    assert context.occurred_at == occurred
    assert offered.timestamp > occurred


def test_offer_refusals(ledger: Ledger) -> None:
    """Offers need the producer role, a free code, sane quantities, prices and dates."""
    territory = found_territory(ledger)
    territory.offer(code="PRIS-1")
    offer = territory.offer_command
    assert_refused(ledger, offer(actor_id=territory.platform_id), RoleRequired,
                   "may not offer lot: it takes the role producer")
    assert_refused(ledger, offer(actor_id=UNKNOWN_ID), NotFound, "member")
    assert_refused(ledger, offer(code="PRIS-1"), AlreadyExists, "lot code PRIS-1")
    assert_refused(ledger, offer(code="avec espace"), InvalidCommand, "without spaces")
    assert_refused(ledger, offer(0), InvalidCommand,
                   "offered quantity must be between 1 g and 50000000 g, got 0 g")
    assert_refused(ledger, offer(50_000_001), InvalidCommand, "got 50000001 g")
    assert_refused(ledger, offer(price_cents_per_kg=100_001), InvalidCommand,
                   "got 100001")
    assert_refused(ledger, offer(best_before=date(2026, 11, 1)), BestBeforeBeforeHarvest,
                   "best-before 2026-11-01 is before the harvest")
    assert_refused(ledger, offer(product=" "), InvalidCommand, "product must not be empty")


# ------------------------------------------------------- accept and decline


def test_accept_the_whole_offer_or_part_of_it(ledger: Ledger) -> None:
    """A platform accepts all of one offer and part of another, for its own site."""
    territory = found_territory(ledger)
    whole, part = territory.offer(50_000), territory.offer(50_000)
    territory.accept(whole, 50_000)
    territory.accept(part, 30_000)
    accepted = territory.lot(part)
    assert accepted.status == LotStatus.ACCEPTED
    assert (accepted.accepted_g, accepted.offered_g) == (30_000, 50_000)
    assert (accepted.platform_id, accepted.site_id) == (territory.platform_id, territory.site_id)
    assert territory.lot(whole).accepted_g == 50_000


def test_accept_offer_refusals(ledger: Ledger) -> None:
    """Accepting needs a platform, its own site, an open offer and at most the offered grams."""
    territory = found_territory(ledger)
    other_platform_id, other_site_id = territory.add_platform()
    lot_id = territory.offer(50_000)
    declined_id = territory.offer(50_000)
    ledger.execute(c.DeclineOffer(command_id="decline", actor_id=territory.platform_id,
                                  lot_id=declined_id, reason="trop loin"))

    def accept(lot_id: UUID = lot_id, accepted_g: int = 50_000, *,
               actor_id: UUID = territory.platform_id,
               site_id: UUID = territory.site_id) -> c.AcceptOffer:
        return c.AcceptOffer(command_id=territory.command_id("accept"), actor_id=actor_id,
                             lot_id=lot_id, site_id=site_id, accepted_g=accepted_g)

    assert_refused(ledger, accept(actor_id=territory.producer_id), RoleRequired,
                   "takes the role platform")
    assert_refused(ledger, accept(site_id=other_site_id), RoleRequired,
                   "is not operated by Banque Alimentaire du Doubs")
    assert_refused(ledger, accept(site_id=UNKNOWN_ID), NotFound, "site")
    assert_refused(ledger, accept(UNKNOWN_ID), NotFound, f"lot {UNKNOWN_ID}")
    assert_refused(ledger, accept(accepted_g=50_001), InvalidCommand,
                   "accept 50001 g refused: lot .* offers 50000 g")
    assert_refused(ledger, accept(accepted_g=0), InvalidCommand, "accepted quantity")
    assert_refused(ledger, accept(declined_id), InvalidState, "it is declined, not offered")
    territory.accept(lot_id, 50_000)
    assert_refused(ledger, accept(actor_id=other_platform_id, site_id=other_site_id),
                   InvalidState, "it is accepted, not offered")


def test_decline_records_the_reason(ledger: Ledger) -> None:
    """A declined offer records the platform and its reason and can no longer be received."""
    territory = found_territory(ledger)
    lot_id = territory.offer()
    ledger.execute(c.DeclineOffer(command_id="decline", actor_id=territory.platform_id,
                                  lot_id=lot_id, reason="  calibre hors norme "))
    lot = territory.lot(lot_id)
    assert (lot.status, lot.platform_id) == (LotStatus.DECLINED, territory.platform_id)
    declined = events_of_stream(ledger, lot_id)[-1]
    assert isinstance(declined, Lot.OfferDeclined)
    assert declined.reason == "calibre hors norme"


def test_decline_offer_refusals(ledger: Ledger) -> None:
    """Declining needs a platform, a reason, and an offer still open."""
    territory = found_territory(ledger)
    lot_id = territory.offer()

    def decline(actor_id: UUID = territory.platform_id, reason: str = "non") -> c.DeclineOffer:
        return c.DeclineOffer(command_id=territory.command_id("decline"), actor_id=actor_id,
                              lot_id=lot_id, reason=reason)

    assert_refused(ledger, decline(actor_id=territory.outlet_id), RoleRequired,
                   "takes the role platform")
    assert_refused(ledger, decline(reason=""), InvalidCommand, "reason must not be empty")
    territory.accept(lot_id, 100_000)
    assert_refused(ledger, decline(), InvalidState, "it is accepted, not offered")


# ----------------------------------------------------------------- receipt


def test_receive_records_the_measured_weight_and_discrepancy(ledger: Ledger) -> None:
    """Receipt weighs the lot: the measured grams go on hand, the difference is recorded."""
    territory = found_territory(ledger)
    short, heavy = territory.offer(), territory.offer()
    for lot_id in (short, heavy):
        territory.accept(lot_id, 90_000)
    territory.receive(short, 89_000)
    territory.receive(heavy, 90_500)
    lot = territory.lot(short)
    assert (lot.status, lot.on_hand_g, lot.available_g) == (LotStatus.RECEIVED, 89_000, 89_000)
    received = [event for event in events_of_stream(ledger, short)
                if isinstance(event, Lot.Received)]
    assert [(event.expected_g, event.measured_g, event.discrepancy_g)
            for event in received] == [(90_000, 89_000, -1_000)]
    heavy_event = events_of_stream(ledger, heavy)[-1]
    assert isinstance(heavy_event, Lot.Received)
    assert heavy_event.discrepancy_g == 500


def test_receive_lot_refusals(ledger: Ledger) -> None:
    """Only the accepting platform receives, at the accepted site, an accepted lot, once."""
    territory = found_territory(ledger)
    other_platform_id, other_site_id = territory.add_platform()
    second_site_id = territory.register_site("Annexe de Thise", territory.platform_id)
    offered_id = territory.offer()
    lot_id = territory.offer()
    territory.accept(lot_id, 100_000)

    def receive(lot_id: UUID = lot_id, measured_g: int = 100_000, *,
                actor_id: UUID = territory.platform_id,
                site_id: UUID = territory.site_id) -> c.ReceiveLot:
        return c.ReceiveLot(command_id=territory.command_id("receive"), actor_id=actor_id,
                            lot_id=lot_id, site_id=site_id, measured_g=measured_g)

    assert_refused(ledger, receive(offered_id), InvalidState, "it is offered, not accepted")
    assert_refused(ledger, receive(site_id=second_site_id), InvalidCommand,
                   "was accepted for site")
    assert_refused(ledger, receive(actor_id=other_platform_id, site_id=other_site_id),
                   RoleRequired, "handled by another platform")
    assert_refused(ledger, receive(actor_id=territory.outlet_id), RoleRequired,
                   "takes the role platform")
    assert_refused(ledger, receive(measured_g=0), InvalidCommand, "measured quantity")
    ledger.execute(receive())
    assert_refused(ledger, receive(), InvalidState, "it is received, not accepted")


# ------------------------------------------------------------------- split


def test_split_divides_the_available_stock_into_child_lots(ledger: Ledger) -> None:
    """A split keeps reservations on the parent and makes children that record their parent."""
    territory = found_territory(ledger)
    lot_id = territory.stocked_lot(100_000)
    territory.reserve(lot_id, 10_000)
    parent_code = territory.lot(lot_id).code
    children = territory.split(lot_id, [50_000, 30_000, 10_000])
    parent = territory.lot(lot_id)
    assert (parent.on_hand_g, parent.reserved_total_g, parent.available_g) == (10_000, 10_000, 0)
    assert parent.children == children
    for index, (child_id, quantity_g) in enumerate(
            zip(children, [50_000, 30_000, 10_000], strict=True), start=1):
        child = territory.lot(child_id)
        assert child.code == f"{parent_code}-{index}"
        assert (child.status, child.on_hand_g, child.site_id) == (
            LotStatus.RECEIVED, quantity_g, territory.site_id)
        assert (child.product, child.producer_id, child.best_before) == (
            parent.product, territory.producer_id, parent.best_before)
        assert child.parents == [ParentShare(lot_id, quantity_g)]
    split = events_of_stream(ledger, lot_id)[-1]
    assert isinstance(split, Lot.Split)
    assert split.used_g == sum(child.quantity_g for child in split.children) == 90_000


def test_split_lot_refusals(ledger: Ledger) -> None:
    """Splits need parts summing to the available stock, two or more, of a lot in stock."""
    territory = found_territory(ledger)
    other_platform_id, _ = territory.add_platform()
    lot_id = territory.stocked_lot(100_000)
    territory.reserve(lot_id, 10_000)
    accepted_id = territory.offer()
    territory.accept(accepted_id, 100_000)

    def split(parts_g: list[int], lot_id: UUID = lot_id,
              actor_id: UUID = territory.platform_id) -> c.SplitLot:
        return c.SplitLot(command_id=territory.command_id("split"), actor_id=actor_id,
                          lot_id=lot_id, parts_g=parts_g)

    assert_refused(ledger, split([50_000, 50_000]), QuantityMismatch,
                   "parts sum to 100000 g but lot .* has 90000 g available to split")
    assert_refused(ledger, split([90_000]), InvalidCommand, "2 to 100 parts, got 1")
    assert_refused(ledger, split([1] * 101), InvalidCommand, "got 101")
    assert_refused(ledger, split([90_000, 0]), InvalidCommand, "split part")
    assert_refused(ledger, split([50_000, 50_000], accepted_id), InvalidState,
                   "it has not been received")
    assert_refused(ledger, split([45_000, 45_000], actor_id=other_platform_id), RoleRequired,
                   "handled by another platform")
    assert_refused(ledger, split([45_000, 45_000], actor_id=territory.producer_id),
                   RoleRequired, "takes the role platform")
    ledger.execute(c.RecallLot(command_id="recall", actor_id=territory.coordinator_id,
                               lot_id=lot_id, reason="listeria"))
    assert_refused(ledger, split([45_000, 45_000]), Recalled, "it is recalled")


# ------------------------------------------------------------------- merge


def test_merge_makes_one_lot_from_parts_of_several(ledger: Ledger) -> None:
    """A merge takes part of each parent into one child recording every parent's share."""
    territory = found_territory(ledger)
    second_producer_id = territory.register_member("Jardin de Besançon", MemberKind.PRODUCER)
    first = territory.stocked_lot(40_000)
    second_offer = territory.offer_command(60_000, actor_id=second_producer_id,
                                           organic_certificate="FR-BIO-07")
    second = ledger.execute(second_offer).stream_id
    territory.accept(second, 60_000)
    territory.receive(second, 60_000)
    result = ledger.execute(c.MergeLots(
        command_id="merge", actor_id=territory.platform_id, code="MIX-1",
        parents=[c.ParentPart(first, 40_000), c.ParentPart(second, 25_000)]))
    child = territory.lot(result.stream_id)
    assert (child.code, child.on_hand_g, child.product) == ("MIX-1", 65_000, "carrot")
    assert child.parents == [ParentShare(first, 40_000), ParentShare(second, 25_000)]
    # Several producers, several certificates: neither can be claimed for the whole lot.
    assert (child.producer_id, child.organic_certificate) == (None, "")
    assert (territory.lot(first).on_hand_g, territory.lot(second).on_hand_g) == (0, 35_000)
    assert territory.lot(second).children == [child.id]
    assert result.stream_ids == [child.id, first, second]


def test_merge_lots_refusals(ledger: Ledger) -> None:
    """Merges take two distinct lots of one product at one site, within available stock."""
    territory = found_territory(ledger)
    annex_id = territory.register_site("Annexe", territory.platform_id)
    carrots = territory.stocked_lot(40_000)
    more_carrots = territory.stocked_lot(40_000)
    leeks = territory.stocked_lot(40_000, product="Leek")
    elsewhere = territory.stocked_lot(40_000, site_id=annex_id)
    territory.offer(code="MIX-TAKEN")

    def merge(*parts: tuple[UUID, int], code: str = "") -> c.MergeLots:
        return c.MergeLots(command_id=territory.command_id("merge"),
                           actor_id=territory.platform_id, code=code,
                           parents=[c.ParentPart(lot_id, grams) for lot_id, grams in parts])

    assert_refused(ledger, merge((carrots, 10_000)), InvalidCommand, "at least two lots")
    assert_refused(ledger, merge((carrots, 10_000), (carrots, 5_000)), InvalidCommand,
                   "lists a lot twice")
    assert_refused(ledger, merge((carrots, 10_000), (leeks, 10_000)), InvalidCommand,
                   r"one product only, got \['carrot', 'leek'\]")
    assert_refused(ledger, merge((carrots, 10_000), (elsewhere, 10_000)), InvalidCommand,
                   "at the same site")
    assert_refused(ledger, merge((carrots, 40_001), (more_carrots, 10_000)),
                   InsufficientStock, "merge 40001 g refused: lot .* has 40000 g available")
    assert_refused(ledger, merge((carrots, 10_000), (more_carrots, 10_000), code="MIX-TAKEN"),
                   AlreadyExists, "lot code MIX-TAKEN")
    ledger.execute(c.RecallLot(command_id="recall", actor_id=territory.coordinator_id,
                               lot_id=more_carrots, reason="pesticide"))
    assert_refused(ledger, merge((carrots, 10_000), (more_carrots, 10_000)), Recalled,
                   "recalled")


# --------------------------------------------------------------- transform


def test_transform_conserves_mass_with_the_declared_loss(ledger: Ledger) -> None:
    """Outputs plus loss equal inputs; each output records every input; inputs record all."""
    territory = found_territory(ledger)
    carrots = territory.stocked_lot(60_000)
    leeks = territory.stocked_lot(40_000, product="Leek")
    result = ledger.execute(c.TransformLots(
        command_id="soup", actor_id=territory.platform_id,
        inputs=[c.ParentPart(carrots, 50_000), c.ParentPart(leeks, 30_000)],
        outputs=[c.TransformOutput(product="Soup", quantity_g=60_000,
                                   best_before=date(2026, 12, 31)),
                 c.TransformOutput(product="Peeled carrot", quantity_g=12_000)],
        loss_g=8_000))
    soup, peeled = result.stream_ids[:2]
    assert result.stream_ids[2:] == [carrots, leeks]
    soup_lot = territory.lot(soup)
    assert (soup_lot.product, soup_lot.on_hand_g, soup_lot.best_before) == (
        "soup", 60_000, date(2026, 12, 31))
    assert soup_lot.parents == [ParentShare(carrots, 50_000), ParentShare(leeks, 30_000)]
    # An output without a date gets its product's shelf life from the day it is made (7
    # days for a product the stock rules do not list), not its inputs' dates.
    peeled_lot = territory.lot(peeled)
    made_on = paris_day(events_of_stream(ledger, peeled)[0].context.occurred_at)
    assert (peeled_lot.date_kind, peeled_lot.best_before) == (
        DateKind.NONE, made_on + timedelta(days=7))
    assert (territory.lot(carrots).on_hand_g, territory.lot(leeks).on_hand_g) == (10_000, 10_000)
    for lot_id, used_g in ((carrots, 50_000), (leeks, 30_000)):
        event = events_of_stream(ledger, lot_id)[-1]
        assert isinstance(event, Lot.TransformedInto)
        assert (event.used_g, event.inputs_total_g, event.loss_g) == (used_g, 80_000, 8_000)
        assert [child.lot_id for child in event.children] == [soup, peeled]
        assert sum(child.quantity_g for child in event.children) + event.loss_g == 80_000
    assert {territory.lot(soup).parents[0].lot_id} == {carrots}
    derived = events_of_stream(ledger, soup)[0]
    assert isinstance(derived, Lot.Derived)
    assert derived.process == Process.TRANSFORM


def test_transform_lots_refusals(ledger: Ledger) -> None:
    """Transformations balance to the gram, have outputs, and use only available stock."""
    territory = found_territory(ledger)
    carrots = territory.stocked_lot(60_000)

    def transform(used_g: int, outputs_g: list[int], loss_g: int = 0) -> c.TransformLots:
        return c.TransformLots(
            command_id=territory.command_id("transform"), actor_id=territory.platform_id,
            inputs=[c.ParentPart(carrots, used_g)], loss_g=loss_g,
            outputs=[c.TransformOutput(product="Grated carrot", quantity_g=grams)
                     for grams in outputs_g])

    assert_refused(ledger, transform(50_000, [45_000], 4_000), QuantityMismatch,
                   "outputs 45000 g \\+ loss 4000 g = 49000 g, but inputs are 50000 g")
    assert_refused(ledger, transform(50_000, []), InvalidCommand, "1 to 100 output lots")
    assert_refused(ledger, transform(50_000, [50_000, 0]), InvalidCommand, "output quantity")
    assert_refused(ledger, transform(60_001, [60_001]), InsufficientStock,
                   "transform 60001 g refused")
    assert_refused(ledger, c.TransformLots(
        command_id="no-input", actor_id=territory.platform_id, inputs=[],
        outputs=[c.TransformOutput(product="Air", quantity_g=1)]),
        InvalidCommand, "1 to 100 input lots, got 0")


# ---------------------------------------------------- reserve and release


def test_reserve_and_release_move_stock_between_available_and_reserved(
        ledger: Ledger) -> None:
    """Reservations per outlet add up; releasing gives stock back to available."""
    territory = found_territory(ledger)
    lot_id = territory.stocked_lot(100_000)
    first, second = territory.outlet_ids
    territory.reserve(lot_id, 30_000, first)
    territory.reserve(lot_id, 10_000, first)
    territory.reserve(lot_id, 20_000, second)
    lot = territory.lot(lot_id)
    assert lot.reserved_g == {first: 40_000, second: 20_000}
    assert (lot.on_hand_g, lot.available_g) == (100_000, 40_000)
    ledger.execute(c.ReleaseReservation(command_id="release", actor_id=territory.platform_id,
                                        lot_id=lot_id, outlet_id=second, quantity_g=20_000,
                                        reason="besoin annulé"))
    lot = territory.lot(lot_id)
    assert lot.reserved_g == {first: 40_000}
    assert lot.available_g == 60_000


def test_reserve_lot_refusals(ledger: Ledger) -> None:
    """Reservations need the lot's platform, a real outlet, and available stock not recalled."""
    territory = found_territory(ledger)
    other_platform_id, _ = territory.add_platform()
    lot_id = territory.stocked_lot(100_000)
    territory.reserve(lot_id, 70_000)
    accepted_id = territory.offer()
    territory.accept(accepted_id, 100_000)

    def reserve(quantity_g: int, *, lot_id: UUID = lot_id,
                outlet_id: UUID = territory.outlet_ids[1],
                actor_id: UUID = territory.platform_id) -> c.ReserveLot:
        return c.ReserveLot(command_id=territory.command_id("reserve"), actor_id=actor_id,
                            lot_id=lot_id, outlet_id=outlet_id, quantity_g=quantity_g)

    assert_refused(ledger, reserve(30_001), InsufficientStock,
                   "reserve 30001 g refused: lot .* has 30000 g available "
                   r"\(100000 g on hand, 70000 g reserved\)")
    assert_refused(ledger, reserve(0), InvalidCommand, "reserve quantity")
    assert_refused(ledger, reserve(1_000, outlet_id=territory.producer_id), InvalidCommand,
                   "is not an outlet")
    assert_refused(ledger, reserve(1_000, outlet_id=UNKNOWN_ID), NotFound, "outlet")
    assert_refused(ledger, reserve(1_000, lot_id=accepted_id), InvalidState,
                   "it has not been received")
    assert_refused(ledger, reserve(1_000, actor_id=other_platform_id), RoleRequired,
                   "another platform")
    assert_refused(ledger, reserve(1_000, actor_id=territory.outlet_id), RoleRequired,
                   "takes the role platform")
    ledger.execute(c.RecallLot(command_id="recall", actor_id=territory.platform_id,
                               lot_id=lot_id, reason="corps étranger"))
    assert_refused(ledger, reserve(1_000), Recalled, "cannot reserve lot .*: it is recalled")


def test_release_reservation_refusals(ledger: Ledger) -> None:
    """Releases give back at most what was reserved for that outlet, and say why."""
    territory = found_territory(ledger)
    lot_id = territory.stocked_lot(100_000)
    territory.reserve(lot_id, 5_000)

    def release(quantity_g: int, outlet_id: UUID = territory.outlet_id,
                reason: str = "erreur") -> c.ReleaseReservation:
        return c.ReleaseReservation(command_id=territory.command_id("release"),
                                    actor_id=territory.platform_id, lot_id=lot_id,
                                    outlet_id=outlet_id, quantity_g=quantity_g, reason=reason)

    assert_refused(ledger, release(5_001), InsufficientStock,
                   "release 5001 g refused: lot .* has 5000 g reserved")
    assert_refused(ledger, release(1, territory.outlet_ids[1]), InsufficientStock,
                   "has 0 g reserved")
    assert_refused(ledger, release(0), InvalidCommand, "released quantity")
    assert_refused(ledger, release(1_000, reason=" "), InvalidCommand, "reason")


# ------------------------------------------------------------------ losses


def test_losses_at_the_site_and_at_an_outlet(ledger: Ledger) -> None:
    """A platform loses available stock at its site; an outlet loses stock it holds."""
    territory = found_territory(ledger)
    lot_id = territory.stocked_lot(100_000)
    ledger.execute(c.RecordLoss(command_id="loss-site", actor_id=territory.platform_id,
                                lot_id=lot_id, quantity_g=2_000, reason="pourriture"))
    territory.deliver(lot_id, 20_000)
    ledger.execute(c.RecordLoss(command_id="loss-outlet", actor_id=territory.outlet_id,
                                lot_id=lot_id, quantity_g=3_000, reason="chambre froide"))
    lot = territory.lot(lot_id)
    assert (lot.on_hand_g, lot.held_g) == (78_000, {territory.outlet_id: 17_000})
    site_loss, outlet_loss = (event for event in events_of_stream(ledger, lot_id)
                              if isinstance(event, Lot.Lost))
    assert (site_loss.holder_id, site_loss.at_outlet) == (territory.platform_id, False)
    assert (outlet_loss.holder_id, outlet_loss.at_outlet) == (territory.outlet_id, True)


def test_record_loss_refusals(ledger: Ledger) -> None:
    """Losses come from available stock at the site or from what the outlet holds."""
    territory = found_territory(ledger)
    other_platform_id, other_site_id = territory.add_platform()
    lot_id = territory.stocked_lot(100_000)
    territory.reserve(lot_id, 95_000)
    accepted_id = territory.offer()
    territory.accept(accepted_id, 100_000)
    offered_id = territory.offer()

    def lose(quantity_g: int, *, lot_id: UUID = lot_id,
             actor_id: UUID = territory.platform_id, reason: str = "casse") -> c.RecordLoss:
        return c.RecordLoss(command_id=territory.command_id("loss"), actor_id=actor_id,
                            lot_id=lot_id, quantity_g=quantity_g, reason=reason)

    assert_refused(ledger, lose(5_001), InsufficientStock,
                   "loss of 5001 g refused: lot .* has 5000 g available")
    assert_refused(ledger, lose(0), InvalidCommand, "lost quantity")
    assert_refused(ledger, lose(1_000, reason=""), InvalidCommand, "reason")
    assert_refused(ledger, lose(1_000, actor_id=other_platform_id), RoleRequired,
                   "is not held by Banque Alimentaire du Jura")
    assert_refused(ledger, lose(1_000, lot_id=offered_id), RoleRequired, "is not held by")
    assert_refused(ledger, lose(1_000, lot_id=accepted_id), InvalidState,
                   "cannot record a loss on lot .*: it is accepted")
    assert_refused(ledger, lose(1_000, actor_id=territory.outlet_id), InsufficientStock,
                   "outlet .* holds 0 g")
    assert_refused(ledger, lose(1_000, actor_id=territory.producer_id), RoleRequired,
                   "takes the role platform or outlet")
    del other_site_id


# ------------------------------------------------------------ distribution


def test_distribution_passes_held_food_on_by_channel(ledger: Ledger) -> None:
    """An outlet distributes what it holds and the channel is recorded."""
    territory = found_territory(ledger)
    lot_id = territory.stocked_lot(100_000)
    territory.deliver(lot_id, 30_000)
    ledger.execute(c.RecordDistribution(command_id="distribute", actor_id=territory.outlet_id,
                                        lot_id=lot_id, quantity_g=30_000,
                                        channel=Channel.BASKET))
    assert territory.lot(lot_id).held_g == {}
    distributed = events_of_stream(ledger, lot_id)[-1]
    assert isinstance(distributed, Lot.Distributed)
    assert (distributed.outlet_id, distributed.quantity_g, distributed.channel) == (
        territory.outlet_id, 30_000, Channel.BASKET)


def test_record_distribution_refusals(ledger: Ledger) -> None:
    """Outlets distribute at most what they hold, never a recalled lot."""
    territory = found_territory(ledger)
    lot_id = territory.stocked_lot(100_000)
    territory.deliver(lot_id, 30_000)

    def distribute(quantity_g: int, actor_id: UUID = territory.outlet_id,
                   lot_id: UUID = lot_id) -> c.RecordDistribution:
        return c.RecordDistribution(command_id=territory.command_id("distribute"),
                                    actor_id=actor_id, lot_id=lot_id, quantity_g=quantity_g,
                                    channel=Channel.FOOD_AID)

    assert_refused(ledger, distribute(30_001), InsufficientStock,
                   "distribute 30001 g refused: outlet .* holds 30000 g")
    assert_refused(ledger, distribute(1, actor_id=territory.outlet_ids[1]), InsufficientStock,
                   "holds 0 g")
    assert_refused(ledger, distribute(0), InvalidCommand, "distributed quantity")
    assert_refused(ledger, distribute(1, actor_id=territory.platform_id), RoleRequired,
                   "takes the role outlet")
    assert_refused(ledger, distribute(1, lot_id=UNKNOWN_ID), NotFound, "lot")
    ledger.execute(c.RecallLot(command_id="recall", actor_id=territory.coordinator_id,
                               lot_id=lot_id, reason="listeria"))
    assert_refused(ledger, distribute(1_000), Recalled, "cannot distribute lot")


# ------------------------------------------------------------------ recall


def _family(territory: Territory) -> tuple[UUID, list[UUID], UUID, UUID]:
    """A lot, its split children, a merge of one child and a transformation of the merge."""
    ledger = territory.ledger
    root = territory.stocked_lot(100_000)
    children = territory.split(root, [60_000, 40_000])
    stranger = territory.stocked_lot(10_000)
    merged = ledger.execute(c.MergeLots(
        command_id=territory.command_id("merge"), actor_id=territory.platform_id,
        parents=[c.ParentPart(children[0], 20_000), c.ParentPart(stranger, 10_000)],
    )).stream_id
    soup = ledger.execute(c.TransformLots(
        command_id=territory.command_id("transform"), actor_id=territory.platform_id,
        inputs=[c.ParentPart(merged, 30_000)],
        outputs=[c.TransformOutput(product="Soup", quantity_g=25_000)], loss_g=5_000,
    )).stream_ids[0]
    return root, children, merged, soup


def test_recall_reaches_every_lot_made_from_the_lot(ledger: Ledger) -> None:
    """Recalling a lot recalls its split children, merges and transformations, not others."""
    territory = found_territory(ledger)
    root, children, merged, soup = _family(territory)
    untouched = territory.stocked_lot(5_000)
    result = ledger.execute(c.RecallLot(command_id="recall", actor_id=territory.producer_id,
                                        lot_id=root, reason="  résidus de pesticide "))
    reached = [root, *children, merged, soup]
    assert sorted(result.stream_ids) == sorted(reached)
    for lot_id in reached:
        lot = territory.lot(lot_id)
        assert lot.recalled
        recalled = events_of_stream(ledger, lot_id)[-1]
        assert isinstance(recalled, Lot.Recalled)
        assert (recalled.origin_lot_id, recalled.reason) == (root, "résidus de pesticide")
    assert not territory.lot(untouched).recalled


def test_recall_of_a_child_does_not_recall_its_parent(ledger: Ledger) -> None:
    """A recall goes forward (lots made from the lot), never back to the parents."""
    territory = found_territory(ledger)
    root, children, merged, soup = _family(territory)
    ledger.execute(c.RecallLot(command_id="recall", actor_id=territory.platform_id,
                               lot_id=merged, reason="rupture chaîne du froid"))
    assert [territory.lot(lot_id).recalled for lot_id in (root, *children, merged, soup)] == [
        False, False, False, True, True]


def test_recall_lot_refusals(ledger: Ledger) -> None:
    """Recalls by an outlet, by another producer, of an unknown or recalled lot are refused."""
    territory = found_territory(ledger)
    other_producer_id = territory.register_member("Jardin du Val", MemberKind.PRODUCER)
    lot_id = territory.stocked_lot(10_000)

    def recall(actor_id: UUID, lot_id: UUID = lot_id) -> c.RecallLot:
        return c.RecallLot(command_id=territory.command_id("recall"), actor_id=actor_id,
                           lot_id=lot_id, reason="contrôle DDPP")

    assert_refused(ledger, recall(territory.outlet_id), RoleRequired,
                   "takes the role coordinator or platform or producer")
    assert_refused(ledger, recall(other_producer_id), RoleRequired, "only recall its own lots")
    assert_refused(ledger, recall(territory.coordinator_id, UNKNOWN_ID), NotFound, "lot")
    ledger.execute(recall(territory.coordinator_id))
    assert_refused(ledger, recall(territory.coordinator_id), InvalidState, "already recalled")
