"""The floor of the write path: the CPU it takes just to compute an offer's stored rows.

An ``offer_lot`` command stores three events (the offer, the lot-code claim, the command
record) and, sealed, their three chain links. Whatever a ledger does around them, it has to
compute those rows: a time-ordered id and two name-based ids, the command's digest, the three
events with their context, their encoding, and the three chain hashes. This module does only
that, with the domain's own event classes and the write path's own functions
(``ledger_rows``, ``written_links``), and none of what a command also needs: no input checks,
no actor or role check, no look-up of the command id or the lot code, no stream versions,
no unit of work, no retries, no metrics, no SQLite.

``bench.write`` times this floor after each chunk, on the chunk's own commands grouped as
the ledger ran them, and adds it to raw SQLite's CPU per command to print the best ratio any
Python ledger storing the same rows could reach, ``raw / (raw + floor)``: a ledger inserting
the same rows spends at least raw SQLite's CPU on them, and at least the floor on computing
them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from domain import commands as c
from domain.base import Context, Role
from domain.command_records import CommandRecord, command_digest, command_record_id
from domain.dates import DateKind
from domain.ids import name_id, uuid7
from domain.lots import Lot, LotCode
from infra.audit.chain import ChainRow
from infra.audit.written_links import EventRow, ledger_rows, written_links

_GENESIS = bytes(32)  # Any 32-byte link: the hashing costs the same.


def rows_of(commands: Sequence[c.OfferLot]) -> tuple[list[EventRow], list[ChainRow]]:
    """The events-table rows and chain rows of ``commands`` stored in one transaction, as
    the ledger computes them, with nothing checked or looked up."""
    events: list[Lot.Offered | LotCode.Claimed | CommandRecord.Handled] = []
    for command in commands:
        now = datetime.now(tz=UTC)
        context = Context(member_id=command.actor_id, role=Role.PRODUCER,
                          command_id=command.command_id, correlation_id=command.command_id,
                          causation_id=command.command_id, occurred_at=now)
        lot_id = uuid7()
        harvest, best_before = command.harvest_date, command.best_before
        assert best_before is not None, "the bench's offers carry their date"
        code = (f"L{harvest.year % 100:02d}{harvest.month:02d}{harvest.day:02d}-"
                f"{lot_id.int & 0xFFFFFFFF:08X}")
        events.append(Lot.Offered(
            originator_id=lot_id, originator_version=1, timestamp=now, context=context,
            code=code, producer_id=command.actor_id, product=command.product,
            variety=command.variety, quantity_g=command.quantity_g,
            price_cents_per_kg=command.price_cents_per_kg, harvest_date=harvest,
            best_before=best_before, organic_certificate=command.organic_certificate,
            origin=command.origin, date_kind=command.date_kind or DateKind.NONE))
        events.append(LotCode.Claimed(
            originator_id=name_id("lot-code", code), originator_version=1, timestamp=now,
            context=context, code=code, lot_id=lot_id))
        events.append(CommandRecord.Handled(
            originator_id=command_record_id(command.command_id), originator_version=1,
            timestamp=now, context=context, command_type=command.NAME,
            digest=command_digest(command), stream_ids=[lot_id], events_written=2))
    rows = ledger_rows(events)
    return rows, written_links(_GENESIS, 1, 1, rows, datetime.now(tz=UTC).isoformat())
