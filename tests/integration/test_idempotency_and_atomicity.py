"""Commands take effect once, all at once, and survive concurrent writers.

- Idempotency: the same command id twice has the effect of once and answers the same,
  whether the replay is refused by its aggregate, collides on its record when saved, comes
  after a restart, or sits twice in one batch; the same id with other content is refused.
- Atomicity: a batch is all or nothing; a split (parent, children, code index, record) is
  one transaction, so a save failing midway leaves no trace.
- Concurrency: two ledgers on one store race on a lot; the loser reloads and retries, both
  effects land exactly once, and a writer that keeps losing gives up with a conflict.

Races are driven deterministically: the second ledger's repository load is wrapped so that
the first ledger writes between the second's load and its save (the store stays real).
Everything runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from domain import commands as c
from domain.base import Event
from domain.command_records import CommandRecord, command_record_id
from domain.errors import (
    AlreadyExists,
    CommandIdReused,
    ConcurrencyConflict,
    InsufficientStock,
    InvalidCommand,
    InvalidState,
    RoleRequired,
)
from domain.ids import name_id
from domain.lots import Lot, LotCode
from infra.ledger.ledger import COMMAND_ATTEMPTS_MAX, TRANSACTION_EVENTS_MAX, Ledger, iter_events
from infra.store import StoreLocation
from tests.builders import (
    Territory,
    assert_refused,
    events_of_command,
    found_territory,
    max_notification_id,
)


def reserve_command(territory: Territory, lot_id: UUID, quantity_g: int,
                    command_id: str, outlet_id: UUID | None = None) -> c.ReserveLot:
    """A reservation with a chosen command id."""
    return c.ReserveLot(command_id=command_id, actor_id=territory.platform_id, lot_id=lot_id,
                        outlet_id=outlet_id or territory.outlet_id, quantity_g=quantity_g)


def reserved_events(ledger: Ledger, lot_id: UUID) -> list[Lot.Reserved]:
    """The lot's reservations, in order."""
    return [event for event in iter_events(ledger)
            if isinstance(event, Lot.Reserved) and event.originator_id == lot_id]


def without_replay_fields(result: c.CommandResult) -> tuple[Any, ...]:
    """The parts of an answer a replay repeats exactly."""
    return (result.command_id, result.command_type, result.stream_id, result.stream_ids,
            result.events_written)


# -------------------------------------------------------------- idempotency


def test_a_command_sent_twice_takes_effect_once_and_answers_the_same(ledger: Ledger) -> None:
    """A replayed offer (its record collides on save) writes nothing and repeats the answer."""
    territory = found_territory(ledger)
    command = territory.offer_command(25_000)
    first = ledger.execute(command)
    position = max_notification_id(ledger)
    again = ledger.execute(command)
    assert without_replay_fields(again) == without_replay_fields(first)
    assert (first.replayed, again.replayed) == (False, True)
    assert first.notification_id == position
    assert again.notification_id is None
    assert max_notification_id(ledger) == position
    offers = [event for event in iter_events(ledger) if isinstance(event, Lot.Offered)]
    assert [event.originator_id for event in offers] == [first.stream_id]


def test_a_replay_refused_by_its_aggregate_answers_as_the_first_run(ledger: Ledger) -> None:
    """Accepting again is refused by the lot; the record turns the refusal into the answer."""
    territory = found_territory(ledger)
    lot_id = territory.offer(50_000)
    command = c.AcceptOffer(command_id="accept-once", actor_id=territory.platform_id,
                            lot_id=lot_id, site_id=territory.site_id, accepted_g=50_000)
    first = ledger.execute(command)
    position = max_notification_id(ledger)
    again = ledger.execute(command)
    assert again.replayed
    assert without_replay_fields(again) == without_replay_fields(first)
    assert max_notification_id(ledger) == position


def test_a_command_refused_once_then_accepted_is_replayed(ledger: Ledger) -> None:
    """A command refused (its record looked up and found missing), sent again once it can
    be accepted, then a third time: the third is the second's replay. The stream cache
    remembered the record as missing; writing it must make it known."""
    territory = found_territory(ledger)
    lot_id = territory.offer(50_000)
    receive = c.ReceiveLot(command_id="receive-early", actor_id=territory.platform_id,
                           lot_id=lot_id, site_id=territory.site_id, measured_g=50_000)
    with pytest.raises(InvalidState, match="not accepted"):
        ledger.execute(receive)
    territory.accept(lot_id, 50_000)
    first = ledger.execute(receive)
    again = ledger.execute(receive)
    assert again.replayed
    assert without_replay_fields(again) == without_replay_fields(first)


def test_a_replayed_reservation_reserves_once(ledger: Ledger) -> None:
    """A reservation sent three times while stock remains is reserved once."""
    territory = found_territory(ledger)
    lot_id = territory.stocked_lot(100_000)
    command = reserve_command(territory, lot_id, 30_000, "reserve-30kg")
    answers = [ledger.execute(command) for _ in range(3)]
    assert [answer.replayed for answer in answers] == [False, True, True]
    assert territory.lot(lot_id).reserved_g == {territory.outlet_id: 30_000}
    assert len(reserved_events(ledger, lot_id)) == 1


def test_a_replay_after_a_restart_answers_the_same(store: StoreLocation) -> None:
    """The answer lives in the store: a new ledger on the same store replays it."""
    ledger = Ledger(store)
    try:
        territory = found_territory(ledger)
        command = territory.offer_command()
        first = ledger.execute(command)
    finally:
        ledger.close()
    restarted = Ledger(store)
    try:
        again = restarted.execute(command)
        assert again.replayed
        assert without_replay_fields(again) == without_replay_fields(first)
        record = restarted.repository.get(command_record_id(command.command_id))
        assert isinstance(record, CommandRecord)
        assert (record.command_type, record.stream_ids) == ("offer_lot", [first.stream_id])
    finally:
        restarted.close()


def test_a_replay_refused_halfway_through_writes_nothing(ledger: Ledger) -> None:
    """A replayed split that claims one new code, then trips on a taken one, leaves no claim."""
    # Between the two runs the parent's stock became available again and a producer took
    # the code the replay would give its second child: the replay's handler adds a first
    # code claim before being refused, and that claim must not be saved with the answer.
    territory = found_territory(ledger)
    lot_id = territory.stocked_lot(100_000)
    code = territory.lot(lot_id).code
    territory.reserve(lot_id, 50_000)
    split = c.SplitLot(command_id="split-once", actor_id=territory.platform_id, lot_id=lot_id,
                       parts_g=[30_000, 20_000])
    first = ledger.execute(split)
    ledger.execute(c.ReleaseReservation(command_id="release", actor_id=territory.platform_id,
                                        lot_id=lot_id, outlet_id=territory.outlet_id,
                                        quantity_g=50_000, reason="besoin annulé"))
    territory.offer(code=f"{code}-4")
    position = max_notification_id(ledger)
    again = ledger.execute(split)
    assert again.replayed
    assert without_replay_fields(again) == without_replay_fields(first)
    assert max_notification_id(ledger) == position
    assert ledger.recorder.select_events(name_id("lot-code", f"{code}-3")) == []


def test_founding_twice_with_the_same_id_is_a_replay(ledger: Ledger) -> None:
    """Even the founding command, which has no actor, is idempotent."""
    command = c.FoundCooperative(command_id="found", name="Cocagne", coordinator_name="Réseau")
    first = ledger.execute(command)
    again = ledger.execute(command)
    assert again.replayed
    assert again.stream_ids == first.stream_ids


def test_a_reused_command_id_with_other_content_is_refused(ledger: Ledger) -> None:
    """Same id, different content: refused whether the new content is valid or not."""
    territory = found_territory(ledger)
    lot_id = territory.stocked_lot(100_000)
    ledger.execute(reserve_command(territory, lot_id, 30_000, "reserve-x"))
    # Valid on its own: the save collides on the record, the retry spots the other digest.
    assert_refused(ledger, reserve_command(territory, lot_id, 10_000, "reserve-x"),
                   CommandIdReused, "'reserve-x' was already used for a different "
                   "reserve_lot command")
    # Refused on its own: the record is looked up and the reuse named.
    assert_refused(ledger, reserve_command(territory, lot_id, 900_000, "reserve-x"),
                   CommandIdReused, "reserve-x")
    # Another command type under the same id.
    assert_refused(ledger, c.RecordLoss(command_id="reserve-x", actor_id=territory.platform_id,
                                        lot_id=lot_id, quantity_g=1_000, reason="casse"),
                   CommandIdReused, "for a different reserve_lot command")
    assert territory.lot(lot_id).reserved_g == {territory.outlet_id: 30_000}


def test_a_command_twice_in_one_batch_takes_effect_once(ledger: Ledger) -> None:
    """Within one batch the second copy is answered from the first's record."""
    territory = found_territory(ledger)
    lot_id = territory.stocked_lot(100_000)
    command = reserve_command(territory, lot_id, 30_000, "batch-reserve")
    first, again = ledger.execute_batch([command, command])
    assert (first.replayed, again.replayed) == (False, True)
    assert territory.lot(lot_id).reserved_g == {territory.outlet_id: 30_000}
    assert_refused(ledger, c.RecordLoss(command_id="batch-reserve",
                                        actor_id=territory.platform_id, lot_id=lot_id,
                                        quantity_g=1, reason="x"), CommandIdReused)


# ---------------------------------------------------------------- atomicity


def test_a_batch_is_all_or_nothing(ledger: Ledger) -> None:
    """A refused command refuses its whole batch, named by position; earlier ones vanish."""
    territory = found_territory(ledger)
    lot_id = territory.stocked_lot(100_000)
    batch = [reserve_command(territory, lot_id, 60_000, "batch-1"),
             reserve_command(territory, lot_id, 60_000, "batch-2", territory.outlet_ids[1])]
    before = max_notification_id(ledger)
    with pytest.raises(InsufficientStock,
                       match=r"batch command 2 of 2 \(batch-2\): reserve 60000 g refused"):
        ledger.execute_batch(batch)
    assert max_notification_id(ledger) == before
    assert territory.lot(lot_id).reserved_g == {}
    # The first command was not recorded either: sent alone, it now takes effect.
    assert not ledger.execute(batch[0]).replayed


def test_a_batch_lands_in_one_transaction(ledger: Ledger) -> None:
    """Every command of a batch is recorded, each answer pointing at the batch's end."""
    territory = found_territory(ledger)
    lot_id = territory.stocked_lot(100_000)
    results = ledger.execute_batch([
        reserve_command(territory, lot_id, 10_000 * (index + 1), f"batch-{index}")
        for index in range(3)])
    assert {result.notification_id for result in results} == {max_notification_id(ledger)}
    assert territory.lot(lot_id).reserved_total_g == 60_000


def test_batch_size_is_bounded(ledger: Ledger) -> None:
    """An empty batch is refused (the upper bound is BATCH_COMMANDS_MAX)."""
    with pytest.raises(InvalidCommand, match="a batch holds 1 to"):
        ledger.execute_batch([])


def test_a_split_whose_save_fails_midway_leaves_no_trace(
        store: StoreLocation, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rival claims a child's code just before the split's save: nothing of it is written."""
    # The split's transaction holds the parent's event, the first child's code claim, then
    # the second's, which collides with the rival's claim: the rows written before the
    # collision are rolled back, and the retry refuses the split as the code is now taken.
    ledger, rival = Ledger(store), Ledger(store)
    try:
        territory = found_territory(ledger)
        lot_id = territory.stocked_lot(100_000)
        parent = territory.lot(lot_id)
        taken_code = f"{parent.code}-2"
        failing_batches: list[list[str]] = []
        rival_answers: list[c.CommandResult] = []
        original_write = ledger._write_events

        def rival_claims_first(events: list[Event]) -> Any:
            topics = [event.TOPIC for event in events]
            if Lot.Split.TOPIC in topics and not rival_answers:
                failing_batches.append(topics)
                rival_answers.append(rival.execute(territory.offer_command(code=taken_code)))
            return original_write(events)

        monkeypatch.setattr(ledger, "_write_events", rival_claims_first)
        split = c.SplitLot(command_id="split", actor_id=territory.platform_id, lot_id=lot_id,
                           parts_g=[60_000, 40_000])
        with pytest.raises(AlreadyExists, match=f"lot code {taken_code} is already used"):
            ledger.execute(split)

        # The failed transaction carried the parent's event before the colliding claim.
        assert failing_batches == [[Lot.Split.TOPIC, LotCode.Claimed.TOPIC,
                                    LotCode.Claimed.TOPIC, Lot.Derived.TOPIC,
                                    Lot.Derived.TOPIC, CommandRecord.Handled.TOPIC]]
        assert events_of_command(ledger, "split") == []
        assert ledger.recorder.select_events(name_id("lot-code", f"{parent.code}-1")) == []
        after = territory.lot(lot_id)
        assert (after.version, after.on_hand_g, after.children) == (parent.version, 100_000, [])
        assert max_notification_id(ledger) == rival_answers[0].notification_id
    finally:
        ledger.close()
        rival.close()


def test_a_generated_code_that_collides_is_generated_again(
        ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    """Generated codes are not looked up: a collision fails the save and the retry re-draws."""
    territory = found_territory(ledger)
    unlucky_id = UUID("01a20000-0000-7000-8000-0000deadbeef")
    taken = territory.offer(code="L261102-DEADBEEF")
    import infra.ledger.lots  # noqa: PLC0415 - patched for this test only.

    real_uuid7 = infra.ledger.lots.uuid7
    draws = iter([unlucky_id])
    monkeypatch.setattr(infra.ledger.lots, "uuid7", lambda: next(draws, None) or real_uuid7())
    result = ledger.execute(territory.offer_command())
    lot = territory.lot(result.stream_id)
    assert lot.id != unlucky_id
    assert lot.code != "L261102-DEADBEEF"
    assert ledger.recorder.select_events(unlucky_id) == []
    index = ledger.repository.get(name_id("lot-code", "L261102-DEADBEEF"))
    assert isinstance(index, LotCode)
    assert index.lot_id == taken


# -------------------------------------------------------------- concurrency


class Interleaver:
    """Wraps a ledger's repository loads so another writer acts right after a lot is loaded."""

    def __init__(self, ledger: Ledger, lot_id: UUID, monkeypatch: pytest.MonkeyPatch) -> None:
        self.loaded_versions: list[int] = []
        self.between: list[Any] = []
        """Callables run after each load of the lot, in turn (the last one repeats)."""
        original_get = ledger.repository.get

        def get(aggregate_id: UUID, *args: Any, **kwargs: Any) -> Any:
            aggregate = original_get(aggregate_id, *args, **kwargs)
            if aggregate_id == lot_id:
                self.loaded_versions.append(aggregate.version)
                if self.between:
                    act = self.between.pop(0) if len(self.between) > 1 else self.between[0]
                    act()
            return aggregate

        monkeypatch.setattr(ledger.repository, "get", get)


def test_two_writers_of_one_lot_both_land_exactly_once(
        store: StoreLocation, monkeypatch: pytest.MonkeyPatch) -> None:
    """The second writer loses the race, reloads the lot, and both reservations land once."""
    first, second = Ledger(store), Ledger(store)
    try:
        territory = found_territory(first)
        lot_id = territory.stocked_lot(100_000)
        version = territory.lot(lot_id).version
        outlet, other_outlet = territory.outlet_ids
        race = Interleaver(second, lot_id, monkeypatch)
        race.between = [lambda: first.execute(reserve_command(territory, lot_id, 30_000,
                                                              "first-writer", outlet)),
                        lambda: None]
        result = second.execute(reserve_command(territory, lot_id, 20_000, "second-writer",
                                                other_outlet))
        assert not result.replayed
        assert race.loaded_versions == [version, version + 1]
        assert territory.lot(lot_id).reserved_g == {outlet: 30_000, other_outlet: 20_000}
        assert [event.context.command_id for event in reserved_events(first, lot_id)] == [
            "first-writer", "second-writer"]
    finally:
        first.close()
        second.close()


def test_the_race_is_refused_on_fresh_state(
        store: StoreLocation, monkeypatch: pytest.MonkeyPatch) -> None:
    """The retry checks the reloaded lot: a reservation that no longer fits is refused."""
    first, second = Ledger(store), Ledger(store)
    try:
        territory = found_territory(first)
        lot_id = territory.stocked_lot(100_000)
        race = Interleaver(second, lot_id, monkeypatch)
        race.between = [lambda: first.execute(reserve_command(territory, lot_id, 70_000,
                                                              "first-writer")),
                        lambda: None]
        with pytest.raises(InsufficientStock, match="has 30000 g available"):
            second.execute(reserve_command(territory, lot_id, 40_000, "second-writer",
                                           territory.outlet_ids[1]))
        assert territory.lot(lot_id).reserved_g == {territory.outlet_id: 70_000}
    finally:
        first.close()
        second.close()


def test_a_writer_that_keeps_losing_gives_up_with_a_conflict(
        store: StoreLocation, monkeypatch: pytest.MonkeyPatch) -> None:
    """After COMMAND_ATTEMPTS_MAX lost races the command answers ConcurrencyConflict, unwritten."""
    first, second = Ledger(store), Ledger(store)
    try:
        territory = found_territory(first)
        lot_id = territory.stocked_lot(100_000)
        race = Interleaver(second, lot_id, monkeypatch)
        race.between = [lambda: first.execute(reserve_command(
            territory, lot_id, 1_000, territory.command_id("rival")))]
        with pytest.raises(ConcurrencyConflict, match=f"gave up after {COMMAND_ATTEMPTS_MAX}"):
            second.execute(reserve_command(territory, lot_id, 20_000, "unlucky",
                                           territory.outlet_ids[1]))
        assert len(race.loaded_versions) == COMMAND_ATTEMPTS_MAX
        assert events_of_command(first, "unlucky") == []
        assert territory.lot(lot_id).reserved_g == {territory.outlet_id: COMMAND_ATTEMPTS_MAX
                                                    * 1_000}
    finally:
        first.close()
        second.close()


def test_one_command_sent_to_two_ledgers_at_once_takes_effect_once(
        store: StoreLocation, monkeypatch: pytest.MonkeyPatch) -> None:
    """A client retrying through another server: one run writes, the other replays."""
    first, second = Ledger(store), Ledger(store)
    try:
        territory = found_territory(first)
        lot_id = territory.stocked_lot(100_000)
        command = reserve_command(territory, lot_id, 25_000, "sent-twice")
        answers: list[c.CommandResult] = []
        race = Interleaver(second, lot_id, monkeypatch)
        race.between = [lambda: answers.append(first.execute(command)), lambda: None]
        answers.append(second.execute(command))
        assert [answer.replayed for answer in answers] == [False, True]
        assert without_replay_fields(answers[0]) == without_replay_fields(answers[1])
        assert territory.lot(lot_id).reserved_g == {territory.outlet_id: 25_000}
        assert len(reserved_events(first, lot_id)) == 1
    finally:
        first.close()
        second.close()


def test_a_member_suspended_by_another_process_is_refused_at_once(
        store: StoreLocation) -> None:
    """A ledger that cached the producer sees another ledger's suspension on its next act."""
    first, second = Ledger(store), Ledger(store)
    try:
        territory = found_territory(first)
        territory.offer()  # The producer is now cached by the first ledger.
        second.execute(c.SuspendMember(command_id="suspend", actor_id=territory.coordinator_id,
                                       member_id=territory.producer_id, reason="enquête"))
        assert_refused(first, territory.offer_command(), RoleRequired, "is suspended")
    finally:
        first.close()
        second.close()


def test_a_batch_writing_more_than_one_transaction_may_is_refused_and_writes_nothing(
        ledger: Ledger) -> None:
    """A batch whose events exceed TRANSACTION_EVENTS_MAX is refused with its numbers, before
    any insert (on PostgreSQL such an insert never returned, holding the events table's
    lock); a batch just under it lands."""
    territory = found_territory(ledger)
    offers_over = TRANSACTION_EVENTS_MAX // 3 + 1  # Three events an offer.
    before = max_notification_id(ledger)
    with pytest.raises(InvalidCommand) as refused:
        ledger.execute_batch([territory.offer_command(1_000) for _ in range(offers_over)])
    assert refused.value.reason == "transaction_too_large"
    assert refused.value.facts == {"events": offers_over * 3,
                                   "maximum": TRANSACTION_EVENTS_MAX, "count": offers_over}
    assert max_notification_id(ledger) == before
    results = ledger.execute_batch([territory.offer_command(1_000)
                                    for _ in range(offers_over - 1)])
    assert len(results) == offers_over - 1
