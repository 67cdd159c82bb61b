"""The stored form of events: msgspec MessagePack through ``StructMapper``.

Every event the ledger writes decodes back to an equal event and re-encodes to the very
same bytes. Schema evolution works by ``class_version`` and ``upcast_vN_vN+1``: the test
stream ``Parcel`` below stands for an event class that gained a field (version 2); its
version-1 stored bytes are kept in ``tests/fixtures/parcel_weighed_v1.json`` and still load,
straight through the mapper and from a real store. ``lot_offered_v1.json`` pins the stored
shape of a real domain event.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, ClassVar
from uuid import UUID

import msgspec
import pytest
from eventsourcing.persistence import MapperDeserialisationError, StoredEvent
from hypothesis import given
from hypothesis import strategies as st

from domain import commands as c
from domain.base import Aggregate, Context, Created, Event, Role, registered_event_classes
from domain.codec import StructMapper, encode_event, split_stored_topic, stored_topic
from domain.lots import Channel, Lot, OutOfRange
from domain.members import MemberKind
from infra.ledger.ledger import Ledger, iter_events
from tests.builders import found_territory

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

COVERED_MODULES = ("domain.lots", "domain.members", "domain.sites", "domain.allocations",
                   "domain.deliveries", "domain.command_records")
"""Modules whose every event class the round-trip flow below must write."""


class Parcel(Aggregate):
    """A test-only stream: a weighed parcel whose first event gained ``net_g`` in version 2."""

    label: str
    weight_g: int
    net_g: int

    class Weighed(Created, frozen=True, kw_only=True):
        """A parcel was weighed (version 2 adds the net weight)."""

        TOPIC: ClassVar[str] = "test.codec.parcel_weighed"
        class_version: ClassVar[int] = 2
        label: str
        weight_g: int
        net_g: int = 0
        """New in version 2; version 1 weighed without tare, so net was the gross weight."""

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Version 1 had no tare: the net weight was the weight."""
            state["net_g"] = state["weight_g"]

        def apply(self, parcel: Parcel) -> None:
            parcel.label = self.label
            parcel.weight_g = self.weight_g
            parcel.net_g = self.net_g


Parcel.Weighed.AGGREGATE = Parcel


def load_fixture(name: str) -> StoredEvent:
    """A stored event kept as JSON (topic, stream, version, state bytes in hex)."""
    raw = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return StoredEvent(originator_id=UUID(raw["originator_id"]),
                       originator_version=raw["originator_version"], topic=raw["topic"],
                       state=bytes.fromhex(raw["state_hex"]))


def load_fixture_context() -> Context:
    """The context stored in the version-1 fixture."""
    event = StructMapper().to_domain_event(load_fixture("parcel_weighed_v1.json"))
    assert isinstance(event, Parcel.Weighed)
    return event.context


# ---------------------------------------------------------------- topics


def test_stored_topics_carry_the_version_after_the_first() -> None:
    """Version 1 is stored under the bare topic, later versions as ``TOPIC#vN``."""
    assert stored_topic(Lot.Offered) == "lot.offered"
    assert stored_topic(Parcel.Weighed) == "test.codec.parcel_weighed#v2"
    assert split_stored_topic("test.codec.parcel_weighed#v2") == (
        "test.codec.parcel_weighed", 2)
    assert split_stored_topic("lot.offered") == ("lot.offered", 1)
    assert split_stored_topic("odd#vX") == ("odd#vX", 1)


def define_an_impostor() -> type[Event]:
    """Define an event class claiming the topic of ``Lot.Offered``."""

    class Impostor(Event, frozen=True, kw_only=True):
        TOPIC: ClassVar[str] = "lot.offered"

    return Impostor


def test_a_topic_cannot_be_taken_twice() -> None:
    """A second event class claiming an existing topic is refused when it is defined."""
    with pytest.raises(TypeError, match=r"'lot\.offered' of .*Impostor is taken by"):
        define_an_impostor()


# ------------------------------------------------------------- upcasting


def test_a_version_1_fixture_is_upcast_to_version_2() -> None:
    """The stored version-1 bytes lack ``net_g``; decoding runs the upcaster to fill it."""
    stored = load_fixture("parcel_weighed_v1.json")
    assert stored.topic == "test.codec.parcel_weighed"
    assert "net_g" not in msgspec.msgpack.decode(stored.state)
    event = StructMapper().to_domain_event(stored)
    assert isinstance(event, Parcel.Weighed)
    assert (event.label, event.weight_g, event.net_g) == ("caisse 12", 12_500, 12_500)
    assert (event.originator_id, event.originator_version) == (stored.originator_id, 1)
    assert event.timestamp == datetime(2026, 11, 2, 8, 0, 0, 123456, tzinfo=UTC)
    assert event.context.role == Role.PRODUCER
    assert event.context.member_id == UUID("01a20000-0000-7000-8000-000000000001")


def test_a_version_2_event_is_stored_as_version_2() -> None:
    """New events are written with the ``#v2`` topic and decode without upcasting."""
    mapper = StructMapper()
    event = Parcel.Weighed(originator_id=UUID(int=7), originator_version=1,
                           timestamp=datetime(2026, 11, 3, tzinfo=UTC),
                           context=load_fixture_context(), label="caisse 13",
                           weight_g=10_000, net_g=9_400)
    stored = mapper.to_stored_event(event)
    assert stored.topic == "test.codec.parcel_weighed#v2"
    assert mapper.to_domain_event(stored) == event


def test_an_old_event_in_the_store_still_loads(ledger: Ledger) -> None:
    """A version-1 event written long ago is read back from the store, upcast, and applied."""
    stored = load_fixture("parcel_weighed_v1.json")
    ledger.recorder.insert_events([stored])
    parcel = ledger.repository.get(stored.originator_id)
    assert isinstance(parcel, Parcel)
    assert (parcel.label, parcel.weight_g, parcel.net_g, parcel.version) == (
        "caisse 12", 12_500, 12_500, 1)
    [notification] = ledger.recorder.select_notifications(1, 10)
    assert notification.state == stored.state


def test_the_stored_shape_of_an_offer_is_pinned() -> None:
    """``lot.offered`` bytes stored by version 1 still load; a shape change needs a version."""
    stored = load_fixture("lot_offered_v1.json")
    event = StructMapper().to_domain_event(stored)
    assert isinstance(event, Lot.Offered)
    assert (event.code, event.product, event.quantity_g, event.price_cents_per_kg) == (
        "VES-2026-0042", "carrot", 42_000, 180)
    assert (event.harvest_date, event.best_before) == (date(2026, 11, 2), date(2026, 11, 20))
    assert event.producer_id == event.context.member_id
    # Re-encoding gives the fixture's bytes until the class moves to a later version:
    # changing the shape without bumping class_version would break this.
    assert Lot.Offered.class_version > 1 or encode_event(event) == stored.state


# -------------------------------------------------------------- round trip


def write_every_kind_of_event(ledger: Ledger) -> None:
    """A flow that writes at least one event of every class in ``COVERED_MODULES``."""
    territory = found_territory(ledger)
    run = ledger.execute
    member_id = territory.register_member("Jardin du Marais", MemberKind.PRODUCER)
    run(c.GrantRole(command_id="grant", actor_id=territory.coordinator_id,
                    member_id=member_id, role=Role.AUDITOR))
    run(c.RevokeRole(command_id="revoke", actor_id=territory.coordinator_id,
                     member_id=member_id, role=Role.AUDITOR, reason="fin de mission"))
    run(c.SuspendMember(command_id="suspend", actor_id=territory.coordinator_id,
                        member_id=member_id, reason="départ"))
    declined = territory.offer()
    run(c.DeclineOffer(command_id="decline", actor_id=territory.platform_id, lot_id=declined,
                       reason="trop tard"))
    lot_id = territory.stocked_lot(200_000)
    other_id = territory.stocked_lot(50_000)
    children = territory.split(lot_id, [150_000, 50_000])
    run(c.MergeLots(command_id="merge", actor_id=territory.platform_id,
                    parents=[c.ParentPart(children[1], 50_000), c.ParentPart(other_id, 10_000)]))
    run(c.TransformLots(command_id="transform", actor_id=territory.platform_id,
                        inputs=[c.ParentPart(other_id, 40_000)], loss_g=4_000,
                        outputs=[c.TransformOutput(product="Soup", quantity_g=36_000)]))
    stock = children[0]
    round_id = run(c.OpenRound(command_id="open", actor_id=territory.platform_id,
                               site_id=territory.site_id, week="2026-W45")).stream_id
    run(c.DeclareNeed(command_id="need", actor_id=territory.outlet_id, round_id=round_id,
                      product="carrot", quantity_g=40_000))
    run(c.ComputeRound(command_id="compute", actor_id=territory.platform_id, round_id=round_id))
    run(c.AdjustRound(command_id="adjust", actor_id=territory.platform_id, round_id=round_id,
                      reason="arrondi",
                      lines=[c.AdjustedLine(stock, territory.outlet_id, 40_000)]))
    run(c.ConfirmRound(command_id="confirm", actor_id=territory.platform_id, round_id=round_id))
    run(c.ReleaseReservation(command_id="release", actor_id=territory.platform_id,
                             lot_id=stock, outlet_id=territory.outlet_id, quantity_g=5_000,
                             reason="besoin revu"))
    territory.deliver(stock, 30_000, received_g=29_000)
    cancelled = territory.plan(stock, 1_000)
    run(c.CancelDelivery(command_id="cancel", actor_id=territory.platform_id,
                         delivery_id=cancelled, reason="pluie"))
    run(c.RecordLoss(command_id="loss", actor_id=territory.outlet_id, lot_id=stock,
                     quantity_g=1_000, reason="abîmé"))
    run(c.RecordDistribution(command_id="distribute", actor_id=territory.outlet_id,
                             lot_id=stock, quantity_g=20_000, channel=Channel.CANTEEN))
    run(c.RecallLot(command_id="recall", actor_id=territory.coordinator_id, lot_id=lot_id,
                    reason="contrôle"))
    # Holds, a refused warm reception, a bulk donation sorted into product lots.
    run(c.HoldLot(command_id="hold", actor_id=territory.platform_id, lot_id=other_id,
                  reason="analyse"))
    run(c.ReleaseHold(command_id="unhold", actor_id=territory.platform_id,
                      lot_id=other_id, reason="analyse conforme"))
    yoghurt = territory.offer(10_000, product="yaourt", best_before=date(2027, 1, 10))
    territory.accept(yoghurt, 10_000)
    run(c.ReceiveLot(command_id="warm", actor_id=territory.platform_id, lot_id=yoghurt,
                     site_id=territory.site_id, measured_g=10_000, temperature_dc=95,
                     if_out_of_range=OutOfRange.REFUSE))
    donation = run(c.ReceiveDonation(command_id="donation", actor_id=territory.platform_id,
                                     site_id=territory.site_id, donor_id=member_id,
                                     description="invendus", quantity_g=20_000)).stream_id
    run(c.SortDonation(command_id="sort", actor_id=territory.platform_id, lot_id=donation,
                       outputs=[c.SortedOutput(product="tomate", quantity_g=18_000)],
                       waste_g=2_000))


def test_every_stored_event_round_trips_to_the_same_bytes(ledger: Ledger) -> None:
    """Each event of a full flow decodes, equals its re-decoding, and re-encodes identically."""
    write_every_kind_of_event(ledger)
    mapper = ledger.mapper
    topics: set[str] = set()
    notifications = ledger.recorder.select_notifications(1, 10_000)
    for notification in notifications:
        event = mapper.to_domain_event(notification)
        again = mapper.to_stored_event(event)
        assert (again.originator_id, again.originator_version, again.topic, again.state) == (
            notification.originator_id, notification.originator_version, notification.topic,
            notification.state)
        assert mapper.to_domain_event(again) == event
        topics.add(notification.topic)
    expected = {stored_topic(cls) for cls in registered_event_classes().values()
                if cls.__module__ in COVERED_MODULES}
    assert expected - topics == set(), "the flow misses some event classes"
    assert len(list(iter_events(ledger))) == len(notifications)


@given(quantity_g=st.integers(0, 50_000_000), price=st.integers(0, 100_000),
       text=st.text(max_size=40), harvest=st.dates(date(2000, 1, 1), date(2100, 1, 1)),
       ids=st.tuples(st.uuids(), st.uuids()),
       occurred=st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1), timezones=st.just(UTC)))
def test_any_offer_round_trips(quantity_g: int, price: int, text: str, harvest: date,
                               ids: tuple[UUID, UUID], occurred: datetime) -> None:
    """Whatever the values, an offer decodes back equal to itself."""
    context = Context(member_id=ids[0], role=Role.PRODUCER, command_id=text or "x",
                      correlation_id=text, causation_id="", occurred_at=occurred,
                      decision_id=ids[1])
    event = Lot.Offered(originator_id=ids[1], originator_version=1, timestamp=occurred,
                        context=context, code=text, producer_id=ids[0], product=text,
                        variety=text, quantity_g=quantity_g, price_cents_per_kg=price,
                        harvest_date=harvest, best_before=harvest, organic_certificate=text,
                        origin=text)
    mapper = StructMapper()
    assert mapper.to_domain_event(mapper.to_stored_event(event)) == event


# ------------------------------------------------------------------ errors


def test_undecodable_bytes_are_reported_with_their_stream() -> None:
    """Corrupt state or an unknown topic raise the library's deserialisation error."""
    mapper = StructMapper()
    stream_id = UUID(int=42)
    with pytest.raises(MapperDeserialisationError,
                       match=f"'lot.offered' of stream {stream_id} version 3"):
        mapper.to_domain_event(StoredEvent(originator_id=stream_id, originator_version=3,
                                           topic="lot.offered", state=b"\x81\xa1x\x01"))
    with pytest.raises(MapperDeserialisationError, match=r"'no\.such\.topic'"):
        mapper.to_domain_event(StoredEvent(originator_id=stream_id, originator_version=1,
                                           topic="no.such.topic", state=b"\x80"))
