"""The write path links a transaction's events exactly as ``verify`` recomputes them."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.persistence import StoredEvent
from hypothesis import given
from hypothesis import strategies as st

from infra.audit.chain import StoredRow, compute_link, link_rows
from infra.audit.chain_stores import sqlite_stream_id
from infra.audit.written_links import sqlite_event_rows, written_links

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
    rows, inserted = sqlite_event_rows(stored)
    assert rows == [(event.originator_id.hex, event.originator_version, event.topic,
                     event.state) for event in stored]
    fast = written_links(previous, sequence, first_id, stored, inserted, "now")
    assert fast is not None
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
    rows, inserted = sqlite_event_rows([text_id])
    assert rows == [("not-a-uuid", 1, "t", b"")]
    assert written_links(b"0" * 32, 0, 1, [text_id], inserted, "now") is None
    flag = StoredEvent(originator_id=UUID(int=1), originator_version=True, topic="t", state=b"")
    _, inserted = sqlite_event_rows([flag])
    assert written_links(b"0" * 32, 0, 1, [flag], inserted, "now") is None
