"""Poison on the topic, and a broker that goes away: the consumers set aside and go on.

Without a broker first: records that are not relayed events, truncated events, events of
an unknown type or of a newer version, an event whose key lies about its stream, and an event
the view raises on are each stored in the dead-letter table with the error, while every
other record is applied; the views equal the in-process ones, a repeat stores nothing twice,
and a republication after the fix applies what was held back. Then against a real Tansu
broker (no mocks): garbage bytes, a truncated event and an event of an unknown type
published between valid ones land in the dead-letter table, the views equal the in-process
ones and the consumer's position passes them; and when the broker stops mid-stream and
comes back (empty: Tansu keeps topics in memory), the relay and the consumers resume on
their own and the views end equal. ``cocagne consume VIEW --dead-letters`` lists them.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

import msgspec
import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from consumers.dead_letters import (
    LIST_LIMIT_MAX,
    VALUE_BYTES_MAX,
    DeadLetter,
    DeadLetterTable,
    list_dead_letters,
)
from consumers.projection_consumer import (
    Delivered,
    ProjectionHandler,
    dead_letter_of_message,
    delivered_from_message,
)
from consumers.relay import (
    DEFAULT_TOPIC,
    Relay,
    RelaySettings,
    open_recorder,
    position_store_from_env,
)
from domain.base import Event
from infra.cli.main import main as cli_main
from infra.store import StoreLocation
from projections.stock import StockView
from projections.view_store import SQLiteViewDatabase, ViewDatabase, ViewTransaction
from tests.integration.kafka.test_consumers import (
    CONVERGE_TIMEOUT_S,
    PARTITIONS,
    VIEW_CLASSES,
    consumer_for,
    demo_store,
    dumps_of,
    fresh_views,
    relay_catch_up,
    relayed_records,
    running,
    view_database,
    wait_for_views,
)
from tests.kafka_broker import TansuBroker

UNKNOWN_TYPE = "lot.teleported"
"""An event type no version of the ledger ever wrote."""


# ---------------------------------------------------------------------------------------------
# Helpers


def renumbered(records: Sequence[Delivered]) -> list[Delivered]:
    """The records as one partitioned topic would hold them, in this order: offsets counted
    per partition from zero."""
    offsets: dict[int, int] = {}
    numbered = []
    for record in records:
        offset = offsets.get(record.partition, 0)
        numbered.append(dataclasses.replace(record, offset=offset))
        offsets[record.partition] = offset + 1
    return numbered


def fresh_stream_record(event_type: str, value: bytes, partition: int = 0) -> Delivered:
    """A record of a stream no store holds, version 1."""
    return Delivered(topic=DEFAULT_TOPIC, partition=partition, offset=0,
                     stream_id=str(uuid.uuid4()), event_type=event_type,
                     notification_id=1_000_000, stream_version=1, value=value)


def batches_of(records: Sequence[Delivered], size: int) -> list[list[Delivered]]:
    """Consecutive batches of ``size`` records."""
    return [list(records[start:start + size]) for start in range(0, len(records), size)]


def letters_of(database: ViewDatabase, view: str) -> list[DeadLetter]:
    """Every dead letter of one view, oldest offsets first."""
    return sorted(list_dead_letters(database, view, limit=LIST_LIMIT_MAX),
                  key=lambda letter: (letter.partition, letter.offset))


# ---------------------------------------------------------------------------------------------
# The handler, without a broker


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_poison_records_are_set_aside_and_every_other_record_applied(
        kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Truncated, unknown, newer and lying records among the demo's land in the dead-letter
    table with their error; the views equal the in-process ones; a repeat stores nothing."""
    location: StoreLocation = request.getfixturevalue(f"{kind}_store")
    expected, head = demo_store(location)
    records = relayed_records(location.eventsourcing_env())
    offered = next(record for record in records if record.event_type == "lot.offered")
    received = next(record for record in records if record.event_type == "lot.received")
    poisons = {
        # A corrupt copy of a real event, arriving before the real one.
        "truncated": dataclasses.replace(offered, value=offered.value[:len(offered.value) // 2]),
        "unknown": fresh_stream_record(UNKNOWN_TYPE, msgspec.msgpack.encode({"x": 1})),
        "newer": dataclasses.replace(received, event_type="lot.received#v9"),
        # A real event under another stream's key: it would corrupt that stream's versions.
        "lying": dataclasses.replace(offered, stream_id=str(uuid.uuid4()), stream_version=1),
    }
    # A corrupt copy goes just before the real record it copies; the others go first.
    before = {offered.notification_id: poisons["truncated"],
              received.notification_id: poisons["newer"]}
    ordered = [poisons["unknown"], poisons["lying"]]
    for record in records:
        if record.notification_id in before:
            ordered.append(before[record.notification_id])
        ordered.append(record)
    ordered = renumbered(ordered)
    database = view_database(location, tmp_path)
    try:
        handlers = fresh_views(database)
        for handler in handlers.values():
            outcomes = [handler.handle(batch) for batch in batches_of(ordered, 100)]
            assert sum(outcome.dead_letters for outcome in outcomes) == 4
            assert sum(outcome.applied for outcome in outcomes) == head
            letters = letters_of(database, handler.name)
            errors = {letter.event_type: letter.error for letter in letters}
            assert set(errors) == {"lot.offered", UNKNOWN_TYPE, "lot.received#v9"}
            assert [letter.value_length for letter in letters
                    if letter.error.startswith("cannot decode")] == [len(offered.value) // 2]
            assert f"unknown event type {UNKNOWN_TYPE!r}" in errors[UNKNOWN_TYPE]
            assert "newer than this code" in errors["lot.received#v9"]
            assert any("keyed as version 1" in letter.error for letter in letters)
            # Delivered again (a crash before the offset commit): nothing new is stored.
            again = handler.handle(ordered[:100])
            assert again.applied == 0
            assert len(letters_of(database, handler.name)) == 4
        assert dumps_of({name: handler.view for name, handler in handlers.items()}) == expected
    finally:
        database.close()


class FussyStockView(StockView):
    """The stock view with a bug: it raises on one notification, wherever it comes."""

    poison_notification_id: ClassVar[int] = 0

    def apply(self, transaction: ViewTransaction, events: Sequence[tuple[int, Event]]) -> None:
        """Apply, unless the poison is among ``events``."""
        if any(notification_id == self.poison_notification_id for notification_id, _ in events):
            raise KeyError("a view bug")
        super().apply(transaction, events)


def test_an_event_the_view_raises_on_is_set_aside_alone_and_applied_after_the_fix(
        sqlite_store: StoreLocation, tmp_path: Path) -> None:
    """The batch is applied record by record to find the culprit: it is set aside, its
    stream's later events wait as gaps, the rest is applied; once the view is fixed, a
    republication brings the stream in order and the view equals the in-process one."""
    expected, _ = demo_store(sqlite_store)
    records = relayed_records(sqlite_store.eventsourcing_env())
    received = next(record for record in records if record.event_type == "lot.received")
    later = [record for record in records if record.stream_id == received.stream_id
             and record.stream_version > received.stream_version]
    assert later, "the poisoned lot must have later events"
    FussyStockView.poison_notification_id = received.notification_id
    database = SQLiteViewDatabase(tmp_path / "views.db")
    fussy = ProjectionHandler(FussyStockView(database))
    fussy.setup()

    outcomes = [fussy.handle(batch) for batch in batches_of(records, 200)]

    assert sum(outcome.dead_letters for outcome in outcomes) == 1
    assert sum(outcome.gaps for outcome in outcomes) == len(later)
    (letter,) = letters_of(database, "stock")
    assert (letter.stream_id, letter.stream_version) == (received.stream_id,
                                                         received.stream_version)
    assert letter.error.startswith("cannot apply 'lot.received' to view 'stock': KeyError")
    assert fussy.view.dump() != expected["stock"]

    fixed = ProjectionHandler(StockView(database))
    republished = fixed.handle(records)  # relay --from 0: offsets start again at 0
    assert republished.applied == 1 + len(later)
    assert fixed.view.dump() == expected["stock"]
    database.close()


def test_records_that_are_not_relayed_events_are_set_aside_by_name(tmp_path: Path) -> None:
    """No key, a key that is no stream id, missing headers, no value: each is a dead letter
    naming its topic, partition and offset, and the batch's offsets pass them."""

    def message(offset: int, key: bytes | None, value: bytes | None,
                headers: list[tuple[str, bytes]]) -> ConsumerRecord:
        return ConsumerRecord(topic=DEFAULT_TOPIC, partition=2, leader_epoch=0, offset=offset,
                              timestamp=0, timestamp_type=0, key=key, value=value,
                              headers=headers, checksum=None, serialized_key_size=-1,
                              serialized_value_size=-1, serialized_header_size=-1)

    relay_headers = [("event-type", b"lot.offered"), ("notification-id", b"7"),
                     ("stream-version", b"1")]
    messages = [message(10, None, b"\x00garbage", []),
                message(11, b"stream", b"{}", relay_headers),
                message(12, str(uuid.uuid4()).encode(), b"{}", relay_headers[:1]),
                message(13, str(uuid.uuid4()).encode(), None, relay_headers)]
    handler = ProjectionHandler(StockView(SQLiteViewDatabase(tmp_path / "views.db")))
    handler.setup()
    rejected = []
    for each in messages:
        with pytest.raises(Exception, match="not a relayed event") as caught:
            delivered_from_message(each)
        rejected.append(dead_letter_of_message(handler.name, each, caught.value))

    outcome = handler.handle([], rejected)

    assert outcome.dead_letters == 4
    assert handler.state.stored_offsets(DEFAULT_TOPIC) == {2: 14}
    letters = letters_of(handler.database, "stock")
    assert [(letter.partition, letter.offset) for letter in letters] == [(2, 10), (2, 11),
                                                                         (2, 12), (2, 13)]
    assert letters[0].value == b"\x00garbage"
    assert all("stream id as key" in letter.error for letter in letters)


def test_a_huge_value_is_kept_cut_with_its_length_and_digest(tmp_path: Path) -> None:
    """A megabyte of garbage keeps its first bytes, its full length and its SHA-256."""
    value = bytes(range(256)) * 4_096  # 1 MiB
    poison = fresh_stream_record("lot.offered", value)
    handler = ProjectionHandler(StockView(SQLiteViewDatabase(tmp_path / "views.db")))
    handler.setup()
    handler.handle([poison])
    (letter,) = letters_of(handler.database, "stock")
    assert letter.value == value[:VALUE_BYTES_MAX]
    assert letter.value_length == len(value)
    assert len(letter.value_sha256) == 64


def test_listing_is_newest_first_bounded_and_empty_without_a_consumer(tmp_path: Path) -> None:
    """No table yet: an empty list; then the newest first, at most the limit asked."""
    database = SQLiteViewDatabase(tmp_path / "views.db")
    assert list_dead_letters(database) == []
    handler = ProjectionHandler(StockView(database))
    handler.setup()
    for index in range(3):
        handler.handle([fresh_stream_record(UNKNOWN_TYPE, bytes([index]))])
        time.sleep(0.002)  # distinct recording times
    newest = list_dead_letters(database, "stock", limit=2)
    assert [letter.value for letter in newest] == [b"\x02", b"\x01"]
    assert DeadLetterTable(database).count("stock") == 3
    assert list_dead_letters(database, "trace") == []
    with pytest.raises(ValueError, match="1 to"):
        list_dead_letters(database, limit=0)
    database.close()


# ---------------------------------------------------------------------------------------------
# Against the broker


def publish_raw(bootstrap_servers: str,
                records: Sequence[tuple[bytes | None, bytes, list[tuple[str, bytes]]]],
                ) -> list[tuple[int, int]]:
    """Publish records as a foreign producer would; their (partition, offset)."""
    producer = KafkaProducer(bootstrap_servers=bootstrap_servers, acks="all")
    try:
        placed = []
        for key, value, headers in records:
            metadata = producer.send(DEFAULT_TOPIC, key=key, value=value,
                                     headers=headers).get(timeout=10)
            placed.append((metadata.partition, metadata.offset))
        return placed
    finally:
        producer.close()


def committed_offsets(bootstrap_servers: str, group: str) -> dict[int, int | None]:
    """The group's committed offset of each partition of the topic."""
    reader = KafkaConsumer(bootstrap_servers=bootstrap_servers, group_id=group,
                           enable_auto_commit=False)
    try:
        return {partition: reader.committed(TopicPartition(DEFAULT_TOPIC, partition))
                for partition in range(PARTITIONS)}
    finally:
        reader.close()


@pytest.mark.kafka
@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_garbage_a_truncated_event_and_an_unknown_type_between_valid_ones_are_set_aside(
        kind: str, request: pytest.FixtureRequest, kafka_bootstrap_servers: str,
        tmp_path: Path) -> None:
    """Three poison records published between two halves of the log: the consumers set them
    aside, build views equal to the in-process ones, and their positions pass them."""
    location: StoreLocation = request.getfixturevalue(f"{kind}_store")
    expected, head = demo_store(location)
    store_env = location.eventsourcing_env()
    first_half = relay_catch_up(store_env, kafka_bootstrap_servers, batch_size_max=head // 2,
                                batches_max=1)
    following = relayed_records(store_env)[first_half]  # the next event the relay publishes
    poisons = publish_raw(kafka_bootstrap_servers, [
        (b"garbage", b"\xde\xad\xbe\xef" * 8, []),
        # A corrupt copy of the next real event, published just before it.
        (following.stream_id.encode(), following.value[:len(following.value) // 2],
         [("event-type", following.event_type.encode()),
          ("notification-id", str(following.notification_id).encode()),
          ("stream-version", str(following.stream_version).encode())]),
        (str(uuid.uuid4()).encode(), msgspec.msgpack.encode({"x": 1}),
         [("event-type", UNKNOWN_TYPE.encode()), ("notification-id", b"999999"),
          ("stream-version", b"1")]),
    ])
    assert relay_catch_up(store_env, kafka_bootstrap_servers) == head - first_half
    database = view_database(location, tmp_path)
    consumers = [consumer_for(view_class(database), kafka_bootstrap_servers, f"test.{name}")
                 for name, view_class in VIEW_CLASSES.items()]
    try:
        with running(consumers):
            wait_for_views({c.handler.name: c.handler.view for c in consumers}, expected)
            deadline_s = time.monotonic() + CONVERGE_TIMEOUT_S
            while any(consumer.dead_letters_total < 3 for consumer in consumers):
                assert time.monotonic() < deadline_s, [c.dead_letters_total for c in consumers]
                time.sleep(0.1)
        assert {consumer.applied_total for consumer in consumers} == {head}
        for consumer in consumers:
            letters = letters_of(database, consumer.handler.name)
            assert sorted((letter.partition, letter.offset) for letter in letters) == sorted(
                poisons)
            stored = consumer.handler.state.stored_offsets(DEFAULT_TOPIC)
            committed = committed_offsets(kafka_bootstrap_servers, f"test.{consumer.handler.name}")
            for partition, offset in poisons:
                assert stored[partition] > offset
                assert (committed[partition] or 0) > offset
        errors = [letter.error for letter in letters]
        assert any(error.startswith("cannot decode") for error in errors)
        assert any(error.startswith("unknown event type") for error in errors)
        assert any(error.startswith("record is not a relayed event") for error in errors)
    finally:
        database.close()


@contextmanager
def following_relay(store_env: Mapping[str, str], bootstrap_servers: str, *,
                    batch_size_max: int, pause_s: float) -> Iterator[Relay]:
    """A relay following the store in a thread until the block ends, pausing ``pause_s``
    after each batch (so that the log takes a while to publish)."""
    factory, recorder = open_recorder(store_env)
    settings = RelaySettings(bootstrap_servers=bootstrap_servers, partitions=PARTITIONS,
                             batch_size_max=batch_size_max, idle_sleep_ms=20)
    relay = Relay(recorder, position_store_from_env(store_env, settings.relay_name), settings,
                  on_progress=lambda _: time.sleep(pause_s))
    stop = threading.Event()
    failures: list[BaseException] = []

    def follow() -> None:
        try:
            relay.follow(stop)
        except BaseException as error:  # Reported by the test, not lost in the thread.
            failures.append(error)

    thread = threading.Thread(target=follow, name="test-relay")
    thread.start()
    try:
        yield relay
    finally:
        stop.set()
        thread.join(timeout=30)
        relay.close()
        factory.close()
    assert not thread.is_alive(), "the relay did not stop"
    assert failures == []


@pytest.mark.kafka
@pytest.mark.slow
def test_relay_and_consumers_resume_on_their_own_after_the_broker_stops_and_returns(
        sqlite_store: StoreLocation, kafka_broker: TansuBroker, tmp_path: Path) -> None:
    """The broker stops mid-stream for a few seconds and comes back empty: the relay keeps
    retrying with new producers, finds its topic gone and republishes from the start; the
    consumers rejoin, skip what they had, apply the rest; the views end equal."""
    expected, head = demo_store(sqlite_store)
    store_env = sqlite_store.eventsourcing_env()
    servers = kafka_broker.bootstrap_servers
    database = SQLiteViewDatabase(tmp_path / "kafka-views.db")
    consumers = [consumer_for(view_class(database), servers, f"test.{name}", batch_size_max=100)
                 for name, view_class in VIEW_CLASSES.items() if name != "balances"]
    third = relay_catch_up(store_env, servers, batch_size_max=head // 3, batches_max=1)
    with running(consumers):
        deadline_s = time.monotonic() + CONVERGE_TIMEOUT_S
        while min(consumer.applied_total for consumer in consumers) < third:
            assert time.monotonic() < deadline_s, [c.applied_total for c in consumers]
            time.sleep(0.02)
        with following_relay(store_env, servers, batch_size_max=20, pause_s=0.05) as relay:
            while relay.position < third + 100:
                assert time.monotonic() < deadline_s, relay.position
                time.sleep(0.01)
            assert relay.position < head, "the broker must stop mid-stream"
            # SIGKILL: Tansu keeps serving for seconds after a SIGTERM.
            kafka_broker.kill()
            stopped_at = relay.position
            time.sleep(3)  # Sends fail, polls find nobody; nothing gives up.
            assert relay.position == stopped_at < head
            kafka_broker.start()
            wait_for_views({c.handler.name: c.handler.view for c in consumers}, expected,
                           timeout_s=2 * CONVERGE_TIMEOUT_S)
            assert relay.position == head
    assert relay.topic_losses == 1
    assert relay.producers_created >= 2
    assert {consumer.applied_total for consumer in consumers} == {head}
    assert {consumer.dead_letters_total for consumer in consumers} == {0}
    assert all(consumer.duplicates_total >= third for consumer in consumers)
    assert dumps_of({c.handler.name: c.handler.view for c in consumers}) == {
        name: expected[name] for name in ("stock", "trace")}
    database.close()


def test_cocagne_consume_dead_letters_lists_them_in_french_and_as_json(
        sqlite_store: StoreLocation, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``cocagne consume stock --dead-letters`` prints the set-aside records, newest first,
    with where they were and why; ``--json`` one JSON line each; none: a sentence."""
    views_db = tmp_path / "kafka-views.db"
    arguments = ["consume", "stock", "--db", str(sqlite_store.sqlite_path),
                 "--views-db", str(views_db), "--dead-letters"]
    assert cli_main(arguments) == 0
    assert "Aucun message mis de côté par le consommateur « stock »." in (
        capsys.readouterr().out)
    handler = ProjectionHandler(StockView(SQLiteViewDatabase(views_db)))
    handler.setup()
    handler.handle([dataclasses.replace(fresh_stream_record(UNKNOWN_TYPE, b"\x01\x02"),
                                        partition=3, offset=17)])
    handler.database.close()

    assert cli_main(arguments) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].startswith("Messages mis de côté par le consommateur « stock »")
    assert table[1].split()[:6] == ["mis", "de", "côté", "le", "sujet", "partition"]
    row = table[3].split()
    assert row[2:6] == [DEFAULT_TOPIC, "3", "17", UNKNOWN_TYPE]
    assert f"unknown event type {UNKNOWN_TYPE!r}" in table[3]
    assert cli_main([*arguments, "--json"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    listed = json.loads(line)
    assert (listed["partition"], listed["offset"], listed["value"]) == (3, 17, "0102")
