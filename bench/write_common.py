"""What the write benchmarks share: the bench's cooperative and commands, timing the ledger
and its raw baseline chunk by chunk, cutting stored rows into the transactions that stored
them, and the table of results."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import Any
from uuid import UUID

from domain import commands as c
from domain.members import MemberKind
from domain.sites import SiteKind
from infra.ledger.ledger import Ledger

CHUNK_COMMANDS = 100  # Single commands run before raw inserts their rows (interleaving).

Row = tuple[Any, ...]  # Values as the database driver reads and writes them.
Group = tuple[list[Row], list[Row]]
"""One transaction's rows: its events, and its chain rows (none with sealing off)."""


def setup(ledger: Ledger) -> tuple[UUID, UUID]:
    """Found the cooperative, one producer, one platform and its site; return ids."""
    coordinator = ledger.execute(c.FoundCooperative(
        command_id="setup-0", name="Bench", coordinator_name="Network")).stream_id
    producer = ledger.execute(c.RegisterMember(
        command_id="setup-1", actor_id=coordinator, name="Jardin", kind=MemberKind.PRODUCER))
    ledger.execute(c.RegisterSite(
        command_id="setup-2", actor_id=coordinator, name="Entrepôt", kind=SiteKind.WAREHOUSE,
        operator_id=producer.stream_id))
    return coordinator, producer.stream_id


HARVEST_DATE = date.today() - timedelta(days=1)
"""Yesterday: a harvest the business-time rule finds plausible whatever day the bench runs."""


def offer(producer: UUID, number: int, prefix: str) -> c.OfferLot:
    """An offer command with a unique id."""
    return c.OfferLot(
        command_id=f"{prefix}-{number}", actor_id=producer, product="carrot",
        variety="Nantaise", quantity_g=120_000, price_cents_per_kg=180,
        harvest_date=HARVEST_DATE, best_before=HARVEST_DATE + timedelta(days=18),
        organic_certificate="FR-BIO-01-ABCD", origin="Parcelle 3")


@dataclass
class Timing:
    """Wall-clock and CPU seconds of the ledger and of the raw baseline, over the commands."""

    ledger_s: float = 0.0
    ledger_cpu_s: float = 0.0
    raw_s: float = 0.0
    raw_cpu_s: float = 0.0
    floor_cpu_s: float = 0.0
    """CPU seconds computing the same transactions' rows alone (``bench.write_floor``)."""

    def add_ledger(self, wall_s: float, cpu_s: float) -> None:
        """Count one timed stretch of the ledger."""
        self.ledger_s += wall_s
        self.ledger_cpu_s += cpu_s

    def add_raw(self, wall_s: float, cpu_s: float) -> None:
        """Count one timed stretch of the raw baseline."""
        self.raw_s += wall_s
        self.raw_cpu_s += cpu_s


def timed(work: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU seconds ``work`` took."""
    started, cpu_started = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - started, time.process_time() - cpu_started


def grouped(events: Sequence[Row], links: Sequence[Row], last_ids: Sequence[int]
            ) -> list[Group]:
    """Rows cut into the transactions that stored them: ``last_ids`` holds each one's last
    notification id; events and chain rows each start with their notification id, left out
    of the events' rows (the store numbers them) and kept in the chain's (a column)."""
    groups: list[Group] = []
    event_index = link_index = 0
    for last in last_ids:
        event_start, link_start = event_index, link_index
        while event_index < len(events) and events[event_index][0] <= last:
            event_index += 1
        while link_index < len(links) and links[link_index][0] <= last:
            link_index += 1
        groups.append(([row[1:] for row in events[event_start:event_index]],
                       list(links[link_start:link_index])))
    return groups


def spread(values: list[float], form: str) -> str:
    """``median (min to max)``, or the one value."""
    if len(values) == 1:
        return format(values[0], form)
    return (f"{format(statistics.median(values), form)} "
            f"({format(min(values), form)} to {format(max(values), form)})")


@dataclass
class Table:
    """Per mode and sealing, the figures of every round."""

    rows: dict[tuple[str, str], dict[str, list[float]]] = field(default_factory=dict)

    def add(self, mode: str, sealing: str, timing: Timing, count: int) -> None:
        """Record one round's timing of ``count`` commands."""
        figures = self.rows.setdefault((mode, sealing), {})
        for name, value in (("ledger", count / timing.ledger_s), ("raw", count / timing.raw_s),
                            ("ratio", timing.raw_s / timing.ledger_s),
                            ("ledger_cpu", timing.ledger_cpu_s / count * 1e6),
                            ("raw_cpu", timing.raw_cpu_s / count * 1e6)):
            figures.setdefault(name, []).append(value)
        if timing.floor_cpu_s:
            figures.setdefault("floor_cpu", []).append(timing.floor_cpu_s / count * 1e6)
            figures.setdefault("best", []).append(
                timing.raw_cpu_s / (timing.raw_cpu_s + timing.floor_cpu_s))

    def print(self, baseline: str) -> None:
        """One line per mode and sealing: medians (min to max)."""
        print(f"{'mode':<28}{'sealing':>8}{'ledger cmd/s':>28}{baseline + ' cmd/s':>28}"
              f"{'ratio':>22}{'ledger CPU µs/cmd':>24}{'raw CPU µs/cmd':>22}")
        # One command per transaction first, then batches; sealing off before on.
        for (mode, sealing), figures in sorted(
                self.rows.items(), key=lambda item: (not item[0][0].startswith("one"),
                                                     item[0][1] == "on")):
            print(f"{mode:<28}{sealing:>8}{spread(figures['ledger'], ',.0f'):>28}"
                  f"{spread(figures['raw'], ',.0f'):>28}{spread(figures['ratio'], '.2f'):>22}"
                  f"{spread(figures['ledger_cpu'], ',.0f'):>24}"
                  f"{spread(figures['raw_cpu'], ',.0f'):>22}")

    def print_floor(self) -> None:
        """Per mode with a floor measured: its CPU per command and the best ratio it leaves."""
        for (mode, _), figures in sorted(self.rows.items(),
                                         key=lambda item: not item[0][0].startswith("one")):
            if "floor_cpu" in figures:
                print(f"{mode:<28}{spread(figures['floor_cpu'], ',.0f'):>24} µs/cmd"
                      f"{'best ratio ' + spread(figures['best'], '.2f'):>36}")




@dataclass
class Run:
    """One ledger's timings, one command per transaction and in batches."""

    sealing: bool
    journal: str = ""
    synchronous: int = 0
    single: Timing = field(default_factory=Timing)
    batch: Timing = field(default_factory=Timing)
    events: int = 0
    state_bytes: int = 0


def _each(work: Callable[[list[c.OfferLot]], object],
          transactions: list[list[c.OfferLot]]) -> None:
    for commands in transactions:
        work(commands)


def run_chunks(ledger: Ledger, producer: UUID, run: Run, *, count: int, batch_size: int,
               read_back: Callable[[int, int], tuple[list[Row], list[Row]]],
               insert: Callable[[list[Group]], None],
               floor: Callable[[list[c.OfferLot]], object] | None = None) -> None:
    """Run ``count`` offers one per transaction, then ``count`` in batches, timing each
    chunk (``CHUNK_COMMANDS`` single commands, or one batch) through the ledger and then
    the raw insert of the rows it stored, read back untimed and grouped the same way; then,
    given a ``floor``, its computing of the same transactions' rows alone."""
    # Commands are built before the clock starts: the ledger's work is running them.
    singles = [offer(producer, number, "single") for number in range(count)]
    batches = [[offer(producer, number, "batch")
                for number in range(start, min(count, start + batch_size))]
               for start in range(0, count, batch_size)]
    chunks = [(run.single, [[command] for command in singles[start:start + CHUNK_COMMANDS]])
              for start in range(0, count, CHUNK_COMMANDS)]
    chunks += [(run.batch, [batch]) for batch in batches]
    last_id = ledger.recorder.max_notification_id() or 0
    for timing, transactions in chunks:
        last_ids: list[int] = []

        def through_ledger(transactions: list[list[c.OfferLot]] = transactions,
                           last_ids: list[int] = last_ids) -> None:
            for commands in transactions:
                last_ids.append(ledger.execute_batch(commands)[-1].notification_id or 0)

        timing.add_ledger(*timed(through_ledger))
        events, links = read_back(last_id + 1, last_ids[-1])
        groups = grouped(events, links, last_ids)
        timing.add_raw(*timed(partial(insert, groups)))
        if floor is not None:
            timing.floor_cpu_s += timed(partial(_each, floor, transactions))[1]
        run.events += len(events)
        run.state_bytes += sum(len(row[-1]) for row in events)
        last_id = last_ids[-1]
