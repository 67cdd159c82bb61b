"""Views and the API equal a recount from the stored events at random moments of a
concurrent workload, on SQLite with the in-process runner following the store.

Three writers (each its own ``Ledger`` on the same file, like three processes) and one
writer through the HTTP API run a seeded random mix: lots offered, accepted and received,
reserved and released, held and released, split (and the parents recalled with their
derived lots), lost, dispatched, signed for and distributed, money committed, moved,
posted and voided; acts back-dated within the window; commands refused on their merits;
commands sent again with the same id. Meanwhile the reader pauses at random moments and
reads, in one snapshot, each view's position and its answers (stock now and as of a past
moment, recall reach, balances), then recounts those figures from the events up to that
position (``tests/stock_recount.py``, ``projections.balances.fold_balances``, a walk of the
lots' parents) and compares. The API's ``/api/stock`` and ``/api/balances`` must answer
figures that equal the recount at the ``position`` they report.

``LIVE_RECOUNT_SEED`` replays another seed. Bounded to a few seconds of writing.
"""

from __future__ import annotations

import os
import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import msgspec
import psycopg
import pytest
from litestar.testing import TestClient

from domain import commands as c
from domain import governance_commands as g
from domain.base import Event
from domain.cold_chain import OutOfRange
from domain.errors import DomainError
from domain.lot_values import Channel
from domain.lots import Lot
from domain.members import MemberKind
from domain.transfers import AccountKind, account_id
from infra.api import create_app
from infra.api.auth import TokenStore
from infra.ledger.ledger import Ledger
from infra.projections_wiring import LedgerProjections, open_projections
from infra.store import StoreLocation, sqlite_location
from projections.balances import fold_balances
from tests.builders import Territory, found_territory
from tests.conftest import POSTGRES_ADMIN_URL, SCENARIO_NOW, drop_postgres_database
from tests.stock_recount import recount

SEED = int(os.environ.get("LIVE_RECOUNT_SEED", "20261207"))
WRITERS = 3
ACTS_PER_WRITER = 70
API_ACTS = 40
WINDOW = timedelta(days=6)  # Inside the seven-day back-dating window.
TODAY = SCENARIO_NOW.date()


@dataclass
class World:
    """The territory's ids, and the accounts money moves between."""

    territory: Territory
    funder_id: UUID
    platforms: list[tuple[UUID, UUID]]  # (platform, site)
    accounts: list[UUID] = field(default_factory=list)


def build_world(ledger: Ledger) -> World:
    """Found the territory, a second platform, a funder and the accounts money moves on."""
    territory = found_territory(ledger, prefix="live")
    funder = territory.register_member("Fondation Mieux manger", MemberKind.FUNDER)
    other = territory.add_platform()
    world = World(territory, funder, [(territory.platform_id, territory.site_id), other])
    for kind, owner in ((AccountKind.PRODUCER, territory.producer_id),
                        (AccountKind.OUTLET, territory.outlet_ids[0]),
                        (AccountKind.OUTLET, territory.outlet_ids[1])):
        ledger.execute(g.OpenAccount(command_id=f"open-{owner}", kind=kind, owner_id=owner,
                                     actor_id=territory.coordinator_id))
        world.accounts.append(account_id(kind, owner))
    ledger.execute(g.CommitBudget(command_id="budget-0", actor_id=funder,
                                  amount_cents=5_000_000))
    world.accounts.append(account_id(AccountKind.FUNDER_BUDGET, funder))
    return world


class Writer:
    """A random mix of acts, each at a business time moving forward (some back-dated)."""

    def __init__(self, name: str, world: World, seed: int,
                 send: Callable[[msgspec.Struct], c.CommandResult]) -> None:
        self.name, self.world, self.send = name, world, send
        self.rng = random.Random(seed)
        self.clock = SCENARIO_NOW - WINDOW + timedelta(minutes=self.rng.randrange(600))
        self.platform_id, self.site_id = world.platforms[self.rng.randrange(2)]
        self.lots: list[UUID] = []
        self.parents: list[UUID] = []
        self.deliveries: list[tuple[UUID, UUID, UUID, int]] = []  # delivery, lot, outlet, g
        self.held_at: list[tuple[UUID, UUID]] = []  # lot, outlet
        self.transfers: list[UUID] = []
        self.sent: list[msgspec.Struct] = []
        self.outcomes: Counter[str] = Counter()
        self.count = 0

    def when(self, *, back: bool = False) -> datetime:
        """The next act's business time: forward a little; with ``back``, sometimes hours
        back. Only acts that start a stream (an offer, a transfer) go back: each lot's acts
        stay in order (see ``test_as_of_stock_is_never_negative``)."""
        self.clock = min(self.clock + timedelta(minutes=self.rng.randrange(5, 60)),
                         SCENARIO_NOW - timedelta(minutes=1))
        if back and self.rng.random() < 0.3:
            return self.clock - timedelta(hours=self.rng.randrange(1, 30))
        return self.clock

    def fields(self, actor: UUID | None = None, *, back: bool = False) -> dict[str, Any]:
        """Command id, actor and business time of the next command."""
        self.count += 1
        return {"command_id": f"{self.name}-{self.count}",
                "actor_id": actor or self.platform_id, "occurred_at": self.when(back=back)}

    def run(self, command: msgspec.Struct) -> c.CommandResult | None:
        """Send a command; a refusal on its merits is an outcome, not a failure."""
        try:
            result = self.send(command)
        except DomainError:
            self.outcomes["refused"] += 1
            return None
        self.outcomes["replayed" if result.replayed else "written"] += 1
        self.sent.append(command)
        return result

    def act(self) -> None:
        """One random act (or a short chain of them)."""
        moves: list[Callable[[], None]] = [self.new_lot] * 3 if len(self.lots) < 4 else []
        moves += [self.new_lot, self.reserve, self.release, self.hold, self.split,
                  self.recall, self.lose, self.dispatch, self.dispatch, self.sign,
                  self.distribute, self.money, self.retry, self.refused]
        self.rng.choice(moves)()

    def lot(self) -> UUID:
        return self.rng.choice(self.lots)

    def new_lot(self) -> None:
        territory = self.world.territory
        grams = self.rng.randrange(10, 120) * 1_000
        offered = self.run(territory.offer_command(
            grams, product=self.rng.choice(["carotte", "poireau", "yaourt nature"]),
            best_before=TODAY + timedelta(days=self.rng.randrange(-3, 12)),
            command_id=f"{self.name}-offer-{self.count}", occurred_at=self.when(back=True)))
        if offered is None:
            return
        lot_id = offered.stream_id
        if self.run(c.AcceptOffer(**self.fields(), lot_id=lot_id, site_id=self.site_id,
                                  accepted_g=grams)) is None:
            return
        if self.run(c.ReceiveLot(**self.fields(), lot_id=lot_id, site_id=self.site_id,
                                 measured_g=grams - self.rng.randrange(0, 500),
                                 temperature_dc=40, if_out_of_range=OutOfRange.HOLD)) is not None:
            self.lots.append(lot_id)

    def reserve(self) -> None:
        if self.lots:
            self.run(c.ReserveLot(**self.fields(), lot_id=self.lot(),
                                  outlet_id=self.rng.choice(self.world.territory.outlet_ids),
                                  quantity_g=self.rng.randrange(1, 20) * 1_000))

    def release(self) -> None:
        if self.lots:
            self.run(c.ReleaseReservation(
                **self.fields(), lot_id=self.lot(),
                outlet_id=self.rng.choice(self.world.territory.outlet_ids),
                quantity_g=self.rng.randrange(1, 5) * 1_000, reason="besoin annulé"))

    def hold(self) -> None:
        if self.lots:
            kind = c.HoldLot if self.rng.random() < 0.5 else c.ReleaseHold
            self.run(kind(**self.fields(), lot_id=self.lot(), reason="analyse"))

    def split(self) -> None:
        if self.lots:
            parent = self.lot()
            result = self.run(c.SplitLot(**self.fields(), lot_id=parent,
                                         parts_g=[3_000, self.rng.randrange(1, 8) * 1_000]))
            if result is not None:
                self.parents.append(parent)
                self.lots.extend(result.stream_ids[1:])

    def recall(self) -> None:
        if self.parents and self.rng.random() < 0.5:
            self.run(c.RecallLot(**self.fields(), lot_id=self.rng.choice(self.parents),
                                 reason="listeria"))

    def lose(self) -> None:
        if self.lots:
            self.run(c.RecordLoss(**self.fields(), lot_id=self.lot(),
                                  quantity_g=self.rng.randrange(1, 4) * 500, reason="abîmé"))

    def dispatch(self) -> None:
        if not self.lots:
            return
        lot_id, outlet = self.lot(), self.rng.choice(self.world.territory.outlet_ids)
        grams = self.rng.randrange(1, 10) * 1_000
        planned = self.run(c.PlanDelivery(
            **self.fields(), from_site_id=self.site_id, planned_for=TODAY,
            stops=[c.PlannedStop(outlet, [c.PlannedLine(lot_id, grams)])]))
        if planned is None:
            return
        if self.rng.random() < 0.15:
            self.run(c.CancelDelivery(**self.fields(), delivery_id=planned.stream_id,
                                      reason="camion en panne"))
        elif self.run(c.DispatchDelivery(**self.fields(),
                                         delivery_id=planned.stream_id)) is not None:
            self.deliveries.append((planned.stream_id, lot_id, outlet, grams))

    def sign(self) -> None:
        if self.deliveries:
            delivery, lot_id, outlet, grams = self.deliveries.pop(
                self.rng.randrange(len(self.deliveries)))
            received = grams - self.rng.choice([0, 0, 500])
            if self.run(c.ReceiveDelivery(**self.fields(outlet), delivery_id=delivery,
                                          lines=[c.ReceiptLine(lot_id, received)],
                                          signer="Marie, bénévole")) is not None:
                self.held_at.append((lot_id, outlet))

    def distribute(self) -> None:
        if self.held_at:
            lot_id, outlet = self.rng.choice(self.held_at)
            if self.rng.random() < 0.3:
                self.run(c.RecordLoss(**self.fields(outlet), lot_id=lot_id, quantity_g=200,
                                      reason="abîmé"))
            else:
                self.run(c.RecordDistribution(**self.fields(outlet), lot_id=lot_id,
                                              quantity_g=self.rng.randrange(1, 4) * 500,
                                              channel=Channel.FOOD_AID))

    def money(self) -> None:
        coordinator = self.world.territory.coordinator_id
        roll = self.rng.random()
        if self.transfers and roll < 0.4:
            transfer = self.transfers.pop(self.rng.randrange(len(self.transfers)))
            if roll < 0.25:
                self.run(g.PostTransfer(**self.fields(coordinator), transfer_id=transfer,
                                        amount_cents=self.rng.choice([None, 100])))
            else:
                self.run(g.VoidTransfer(**self.fields(coordinator), transfer_id=transfer,
                                        reason="erreur de saisie"))
            return
        debit, credit = self.rng.sample(self.world.accounts, 2)
        result = self.run(g.TransferFunds(**self.fields(coordinator, back=True),
                                          debit_account_id=debit,
                                          credit_account_id=credit,
                                          amount_cents=self.rng.randrange(1, 50_000),
                                          pending=self.rng.random() < 0.5, memo="avance"))
        if result is not None:
            self.transfers.append(result.stream_id)

    def retry(self) -> None:
        """The same command again (a phone that lost the answer): written once."""
        if self.sent:
            command = self.rng.choice(self.sent)
            result = self.send(command)
            assert result.replayed, command
            self.outcomes["replayed"] += 1

    def refused(self) -> None:
        """More than is there: refused, nothing written."""
        if self.lots:
            self.run(c.ReserveLot(**self.fields(), lot_id=self.lot(),
                                  outlet_id=self.world.territory.outlet_ids[0],
                                  quantity_g=10_000_000))


# ------------------------------------------------------------------------ recounts


def events_upto(ledger: Ledger, position: int) -> list[Event]:
    """Every stored event up to notification ``position``, in log order."""
    events: list[Event] = []
    start = 1
    while start <= position:
        page = ledger.recorder.select_notifications(start, 1_000, stop=position)
        if not page:
            break
        for notification in page:
            event = ledger.mapper.to_domain_event(notification)
            assert isinstance(event, Event)
            events.append(event)
        start = page[-1].id + 1
    return events


def descendants(events: list[Event], lot_id: str) -> set[str]:
    """The lot and every lot made from it, from the ``Derived`` events' parents."""
    children: dict[str, set[str]] = {}
    for event in events:
        if isinstance(event, Lot.Derived):
            for parent in event.parents:
                children.setdefault(str(parent.lot_id), set()).add(str(event.originator_id))
    found, todo = {lot_id}, [lot_id]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def explain(events: list[Event], lot_ids: list[UUID]) -> str:
    """The events of the lots a comparison disagrees on, to read in the failure."""
    return "\n".join(
        f"{event.originator_id} {type(event).__qualname__} at {event.context.occurred_at} "
        f"{ {k: v for k, v in msgspec.to_builtins(event).items() if k.endswith('_g')} }"
        for event in events if event.originator_id in lot_ids)


def stock_answer_lines(lines: list[Any]) -> dict[UUID, dict[str, object]]:
    """View lines keyed like ``Recount.lot_states``."""
    keys = ("site_id", "product", "code", "on_hand_g", "reserved_g", "available_g",
            "in_transit_g", "on_hold_g", "recalled_g", "expired_g", "expiring_soon_g",
            "blocked_by_date", "recalled", "on_hold")
    return {UUID(str(line["lot_id"])): {key: line[key] for key in keys} for line in lines}


def as_dicts(structs: list[Any]) -> list[dict[str, Any]]:
    """Structs (or JSON objects) as plain dictionaries."""
    return [msgspec.to_builtins(item) if not isinstance(item, dict) else item
            for item in structs]


def compare_stock(events: list[Event], moment: datetime, answer: dict[str, Any],
                  label: str) -> None:
    """Lines, transit and outlet holdings equal the recount at ``moment``."""
    counted = recount(events, moment)
    seen, expected = stock_answer_lines(answer["lines"]), counted.lot_states()
    assert seen == expected, f"{label}\n" + explain(events, [
        lot for lot in {*seen, *expected} if seen.get(lot) != expected.get(lot)])
    transit = {(line["lot_id"], line["delivery_id"], line["outlet_id"]): line["quantity_g"]
               for line in answer["in_transit"]}
    assert transit == {key: grams for key, (grams, _) in counted.in_transit().items()}, label
    assert {(holding["outlet_id"], holding["lot_id"]): holding["held_g"]
            for holding in answer["outlet_holdings"]} == counted.outlet_holdings(), label


def compare_balances(ledger: Ledger, position: int, accounts: list[dict[str, Any]],
                     total: int | None, label: str) -> None:
    """Each account's totals equal a fold of the account events up to ``position``."""
    fold = fold_balances(ledger, upto=position)
    assert fold.total_cents() == 0
    expected = {str(account.account_id): (
        account.debits_pending, account.debits_posted, account.credits_pending,
        account.credits_posted) for account in fold.accounts.values()}
    assert {account["account_id"]: (
        account["debits_pending_cents"], account["debits_posted_cents"],
        account["credits_pending_cents"], account["credits_posted_cents"])
        for account in accounts} == expected, label
    if total is not None:
        assert total == 0, label


# --------------------------------------------------------------------- the workload


@pytest.fixture(params=["sqlite", "postgres"])
def live_store(request: pytest.FixtureRequest, tmp_path: Path
               ) -> Iterator[tuple[StoreLocation, Ledger, World]]:
    """A fresh store (an SQLite file, or a ``live_recount_*`` PostgreSQL database dropped
    afterwards) with the world written."""
    if request.param == "sqlite":
        location = sqlite_location(tmp_path / "ledger.db")
    else:
        location = StoreLocation(kind="postgres",
                                 postgres_dbname=f"live_recount_{uuid4().hex[:12]}")
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{location.postgres_dbname}"')
    ledger = Ledger(location)
    try:
        yield location, ledger, build_world(ledger)
    finally:
        ledger.close()
        if location.kind == "postgres":
            drop_postgres_database(location)


@contextmanager
def writing(writers: list[Writer], acts: list[int]
            ) -> Iterator[tuple[list[threading.Thread], list[BaseException]]]:
    """Each writer's acts in its own thread, and what failed in them. On exit the threads
    are stopped (early when the test failed) and joined, before the test closes what they
    write with."""
    failures: list[BaseException] = []
    stop = threading.Event()

    def work(writer: Writer, count: int) -> None:
        try:
            for _ in range(count):
                if stop.is_set():
                    return
                writer.act()
        except BaseException as error:  # Reported by the test, not lost in the thread.
            failures.append(error)

    threads = [threading.Thread(target=work, args=(writer, count), daemon=True)
               for writer, count in zip(writers, acts, strict=True)]
    for thread in threads:
        thread.start()
    try:
        yield threads, failures
    finally:
        stop.set()
        for thread in threads:
            thread.join()


def snapshot_of_views(projections: LedgerProjections, past: datetime) -> dict[str, Any]:
    """Each view's position and its answers, read in one snapshot."""
    with projections.snapshot() as positions:
        stock, balances, trace = projections.stock, projections.balances, projections.trace
        recalled = [line.lot_id for line in stock.lines(today=TODAY) if line.recalled]
        return {
            "positions": positions,
            "now": {"lines": as_dicts(stock.lines(today=TODAY)),
                    "in_transit": as_dicts(stock.in_transit()),
                    "outlet_holdings": as_dicts(stock.outlet_holdings(today=TODAY))},
            "past": {"lines": as_dicts(stock.lines(as_of=past)),
                     "in_transit": as_dicts(stock.in_transit(as_of=past)),
                     "outlet_holdings": as_dicts(stock.outlet_holdings(as_of=past))},
            "accounts": as_dicts(balances.accounts()),
            "total": balances.total_cents(),
            "recalls": {lot_id: {lot.lot_id for lot in impact.lots}
                        for lot_id in recalled[:5]
                        if (impact := trace.recall_impact(lot_id)) is not None},
        }


def pause_and_compare(ledger: Ledger, projections: LedgerProjections, rng: random.Random,
                      label: str) -> None:
    """Read the views in one snapshot and compare each with the recount at its position."""
    past = SCENARIO_NOW - timedelta(minutes=rng.randrange(int(WINDOW.total_seconds()) // 60))
    seen = snapshot_of_views(projections, past)
    positions = seen["positions"]
    label = f"{label} at {positions}, seed {SEED}"
    stock_events = events_upto(ledger, positions["stock"])
    compare_stock(stock_events, SCENARIO_NOW, seen["now"], label)
    compare_stock(stock_events, past, seen["past"], f"{label}, as of {past}")
    compare_balances(ledger, positions["balances"], seen["accounts"], seen["total"], label)
    trace_events = events_upto(ledger, positions["trace"])
    for lot_id, reached in seen["recalls"].items():
        assert reached == descendants(trace_events, lot_id), label


def test_views_equal_the_recount_at_random_moments(
        live_store: tuple[StoreLocation, Ledger, World]) -> None:
    """Every pause: stock now and as of a past moment, recall reach and balances equal the
    recount of the events up to the position the snapshot read; once caught up, the
    positions are the store's head."""
    location, ledger, world = live_store
    rng = random.Random(SEED)
    projections = open_projections(ledger, follow=True, batch_size=7, poll_interval_s=0.002)
    ledgers = [Ledger(location) for _ in range(WRITERS)]
    writers = [Writer(f"w{index}", world, SEED + index, ledgers[index].execute)
               for index in range(WRITERS)]
    try:
        with writing(writers, [ACTS_PER_WRITER] * WRITERS) as (threads, failures):
            pauses = 0
            while any(thread.is_alive() for thread in threads) or pauses < 5:
                threading.Event().wait(rng.uniform(0, 0.05))
                pauses += 1
                pause_and_compare(ledger, projections, rng, f"pause {pauses}")
        assert not failures, failures
        outcomes = sum((writer.outcomes for writer in writers), Counter())
        assert outcomes["written"] > 100
        assert outcomes["refused"]
        assert outcomes["replayed"]
        head = ledger.recorder.max_notification_id()
        assert projections.wait_for(head, 10.0)
        with projections.snapshot() as positions:
            assert set(positions.values()) == {head}
        pause_and_compare(ledger, projections, rng, "caught up")
    finally:
        projections.close()
        for writer_ledger in ledgers:
            writer_ledger.close()


# ------------------------------------------------------------------------- the API


def api_sender(client: TestClient[Any], tokens: dict[UUID, str]
               ) -> Callable[[msgspec.Struct], c.CommandResult]:
    """Send a command through ``POST /api/commands/{name}`` with its actor's token."""

    def send(command: msgspec.Struct) -> c.CommandResult:
        body = msgspec.to_builtins(command)
        actor = UUID(body["actor_id"])
        name = getattr(type(command), "NAME", "")
        response = client.post(f"/api/commands/{name}", json=body,
                               headers={"Authorization": f"Bearer {tokens[actor]}"})
        if response.status_code in (404, 409, 422):
            raise DomainError(response.text)
        assert response.status_code in (200, 201), response.text
        return msgspec.convert(response.json(), c.CommandResult)

    return send


def test_api_answers_equal_the_recount_at_the_position_they_report(
        live_store: tuple[StoreLocation, Ledger, World]) -> None:
    """``/api/stock`` and ``/api/balances`` answered while writers write: each answer's
    figures equal the recount at the ``position`` it reports (a lagging view is told from a
    wrong one by that position)."""
    location, ledger, world = live_store
    rng = random.Random(SEED + 100)
    territory = world.territory
    tokens = TokenStore(location)
    members = {territory.coordinator_id, territory.producer_id, territory.platform_id,
               world.platforms[1][0], *territory.outlet_ids}
    token_of = {member: tokens.create(member, label="live")[1] for member in members}
    reader = {"Authorization": f"Bearer {token_of[territory.coordinator_id]}"}
    writer_ledger = Ledger(location)
    with TestClient(app=create_app(location, poll_interval_s=0.002)) as client:
        api_writer = Writer("api", world, SEED + 50, api_sender(client, token_of))
        store_writer = Writer("store", world, SEED + 51, writer_ledger.execute)
        try:
            with writing([api_writer, store_writer], [API_ACTS, ACTS_PER_WRITER]) as (
                    threads, failures):
                pauses = 0
                while any(thread.is_alive() for thread in threads) or pauses < 5:
                    threading.Event().wait(rng.uniform(0, 0.03))
                    pauses += 1
                    stock = client.get("/api/stock", headers=reader)
                    assert stock.status_code == 200, stock.text
                    answer = stock.json()
                    compare_stock(events_upto(ledger, answer["position"]),
                                  datetime.now(tz=SCENARIO_NOW.tzinfo), answer,
                                  f"/api/stock pause {pauses} at {answer['position']}")
                    balances = client.get("/api/balances", headers=reader).json()
                    compare_balances(ledger, balances["position"], balances["accounts"],
                                     balances["total_cents"],
                                     f"/api/balances pause {pauses} at {balances['position']}")
            assert not failures, failures
            assert api_writer.outcomes["written"] > 10
        finally:
            writer_ledger.close()
            tokens.close()


def test_as_of_stock_is_never_negative(tmp_path: Path) -> None:
    """A lot received on the 28th at 10:00, then a dispatch typed in dated the 27th: it used
    to be taken, and stock as of the 27th evening said -8 000 g on hand. An act on a lot or
    a delivery is now refused when dated before the stream's latest act
    (``domain.business_time.check_act_order``); were it taken, stock as of the evening
    between must still not be negative."""
    ledger = Ledger(sqlite_location(tmp_path / "ledger.db"))
    try:
        territory = found_territory(ledger, prefix="neg")
        received = SCENARIO_NOW - timedelta(days=3)
        lot_id = territory.run(territory.offer_command(
            50_000, occurred_at=received - timedelta(hours=2))).stream_id
        for command in (c.AcceptOffer(command_id="neg-accept", actor_id=territory.platform_id,
                                      lot_id=lot_id, site_id=territory.site_id,
                                      accepted_g=50_000,
                                      occurred_at=received - timedelta(hours=1)),
                        c.ReceiveLot(command_id="neg-receive", actor_id=territory.platform_id,
                                     lot_id=lot_id, site_id=territory.site_id,
                                     measured_g=50_000, occurred_at=received)):
            territory.run(command)
        planned = territory.run(c.PlanDelivery(
            command_id="neg-plan", actor_id=territory.platform_id,
            from_site_id=territory.site_id, planned_for=TODAY, occurred_at=received,
            stops=[c.PlannedStop(territory.outlet_id, [c.PlannedLine(lot_id, 8_000)])]))
        try:
            territory.run(c.DispatchDelivery(command_id="neg-dispatch",
                                             actor_id=territory.platform_id,
                                             delivery_id=planned.stream_id,
                                             occurred_at=received - timedelta(hours=14)))
        except DomainError:
            return  # Refused: the invariant holds.
        projections = open_projections(ledger)
        try:
            projections.catch_up()
            evening = received - timedelta(hours=12)
            assert all(line.on_hand_g >= 0 and line.available_g >= 0
                       for line in projections.stock.lines(as_of=evening))
        finally:
            projections.close()
    finally:
        ledger.close()
