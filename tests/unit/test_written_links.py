"""The write path links a transaction's events exactly as ``verify`` recomputes them."""

from __future__ import annotations

from typing import cast
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from hypothesis import given
from hypothesis import strategies as st

from domain.base import Context, Role, utc_now
from domain.codec import StructMapper
from domain.command_records import CommandRecord
from domain.ids import name_id, uuid7
from domain.lots import Lot, LotCode
from infra.audit.chain import StoredRow, compute_link, link_rows
from infra.audit.chain_stores import sqlite_stream_id
from infra.audit.written_links import EventRow, ledger_rows, sqlite_event_rows, written_links

events = st.lists(st.builds(StoredEvent, originator_id=st.uuids(),
                            originator_version=st.integers(min_value=1, max_value=2**62),
                            topic=st.text(max_size=40), state=st.binary(max_size=300)),
                  max_size=8)


@given(stored=events, previous=st.binary(min_size=32, max_size=32),
       first_id=st.integers(min_value=1, max_value=2**62),
       sequence=st.integers(min_value=0, max_value=2**62))
def test_written_links_are_compute_links(stored: list[StoredEvent], previous: bytes,
                                         first_id: int, sequence: int) -> None:
    """Same links and chain rows as the general path, over the rows as SQLite returns them."""
    rows, linkable = sqlite_event_rows(stored)
    assert rows == [(event.originator_id.hex, event.originator_version, event.topic,
                     event.state) for event in stored]
    assert linkable
    fast = written_links(previous, sequence, first_id, cast(list[EventRow], rows), "now")
    read_back = [StoredRow(first_id + index, sqlite_stream_id(row[0]), *row[1:])
                 for index, row in enumerate(rows)]
    slow = link_rows(previous, sequence, read_back, "now")
    assert fast == [(link.notification_id, link.sequence, link.originator_id,
                     link.originator_version, link.topic, link.link, link.sealed_at)
                    for link in slow]
    expected = previous
    for row in read_back:
        expected = compute_link(expected, row)
    assert not stored or fast[-1][5] == expected


def test_other_types_are_left_to_the_general_path() -> None:
    """A stream id that is not a UUID (or a bool version) takes the general path."""
    text_id = StoredEvent(originator_id="not-a-uuid", originator_version=1,  # type: ignore[arg-type]
                          topic="t", state=b"")
    assert sqlite_event_rows([text_id]) == ([("not-a-uuid", 1, "t", b"")], False)
    flag = StoredEvent(originator_id=UUID(int=1), originator_version=True, topic="t", state=b"")
    assert not sqlite_event_rows([flag])[1]


def test_the_ledgers_rows_are_its_mappers() -> None:
    """``ledger_rows`` gives byte for byte the rows of ``StructMapper.to_stored_event``'s
    stored events, for each kind of event an offer writes."""
    context = Context(member_id=uuid7(), role=Role.PRODUCER, command_id="c-1",
                      correlation_id="c-1", causation_id="c-1", occurred_at=utc_now())
    lot = Lot.offer(uuid7(), context, code="L-1", producer_id=uuid7(), product="carrot",
                    variety="", quantity_g=1_000, price_cents_per_kg=100,
                    harvest_date=context.occurred_at.date(), best_before=None,
                    organic_certificate="", origin="")
    code = LotCode.claim(name_id("lot-code", "L-1"), context, "L-1", lot.id)
    record = CommandRecord.handled(context, command_type="offer_lot", digest="d",
                                   stream_ids=[lot.id], events_written=2)
    events = [*lot.collect_events(), *code.collect_events(), *record.collect_events()]
    mapper = StructMapper()
    expected, linkable = sqlite_event_rows([mapper.to_stored_event(event) for event in events])
    assert linkable
    assert ledger_rows(events) == expected
