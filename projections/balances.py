"""Balances view: every account of the cooperative in euro cents, now or at any past moment.

Built on the double-entry streams of ``domain/transfers.py`` (TigerBeetle-style accounts
with pending and posted debits and credits). Every change of an account's totals is an
account event, so the view never has to know *why* money moved (delivery, basket, budget):
any new cause that goes through ``Account`` shows up here unchanged.

**Events read**: ``account.opened``, ``account.debited``, ``account.credited``,
``account.pending_posted``, ``account.pending_voided`` (the account side), and
``transfer.recorded``, ``transfer.pending_posted``, ``transfer.pending_voided`` (the
transfer list), plus ``member.registered`` for owners' names (every stored version).

**Tables owned** (prefixed, ``view_`` by default):

- ``balances_accounts``: one row per account: kind, owner, scope (the programme of a
  programme fund), debits and credits pending and posted, and the balance (credits posted
  minus debits posted). The sum of all balances is zero after every batch.
- ``balances_postings``: one row per account event with the change it made to each of the
  four totals and both times: the journal of as-of balances.
- ``balances_transfers``: one row per transfer: accounts, amount, posted amount, status,
  cause and memo.
- ``balances_members``: owners' names.

**Position**: the runner stores the last notification id applied in the ``tracking`` table,
in the same transaction as the batch's rows.

**Rebuild from zero**: ``cocagne rebuild balances`` drops these tables, resets the position
and replays the log.

**As-of** uses business time (``context.occurred_at``) by default, recorded time on request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal, Protocol
from uuid import UUID

import msgspec
from eventsourcing.persistence import ApplicationRecorder, Mapper

from domain.base import Event
from domain.members import Member
from domain.transfers import (
    Account,
    AccountKind,
    AccountTotals,
    Transfer,
    totals_change,
)
from projections.runner import View
from projections.view_store import IdTexts, ViewTransaction, query_in, to_us

TimeBasis = Literal["business", "recorded"]
ACCOUNTS_MAX = 100_000  # Rows one listing returns: accounts are per member, and members few.

_ACCOUNT_COLUMNS = ("account_id", "kind", "owner_id", "scope_id", "opened_at_us",
                    "opened_recorded_us", "debits_pending_cents", "debits_posted_cents",
                    "credits_pending_cents", "credits_posted_cents", "balance_cents")
_DEBITS_PENDING, _DEBITS_POSTED, _CREDITS_PENDING, _CREDITS_POSTED, _BALANCE = range(6, 11)
_TRANSFER_POSTED, _TRANSFER_STATUS = 4, 5  # In a transfer row as inserted.


class AccountBalance(msgspec.Struct, frozen=True, kw_only=True):
    """One account's totals."""

    account_id: str
    kind: str
    owner_id: str
    owner_name: str
    scope_id: str | None
    debits_pending_cents: int
    debits_posted_cents: int
    credits_pending_cents: int
    credits_posted_cents: int
    balance_cents: int


class BalancesView(View):
    """Accounts and transfers."""

    name: ClassVar[str] = "balances"
    schema_version: ClassVar[int] = 1
    event_classes: ClassVar[tuple[type[Event], ...]] = (
        Account.Opened, Account.Debited, Account.Credited, Account.PendingPosted,
        Account.PendingVoided, Transfer.Recorded, Transfer.PendingPosted,
        Transfer.PendingVoided, Member.Registered,
    )
    table_names: ClassVar[tuple[str, ...]] = (
        "balances_accounts", "balances_postings", "balances_transfers", "balances_members")

    def create_statements(self) -> list[str]:
        """Tables and indexes."""
        accounts, postings, transfers, members = (self.table(name)
                                                  for name in self.table_names)
        return [
            f"CREATE TABLE IF NOT EXISTS {accounts} ("
            "account_id TEXT PRIMARY KEY, kind TEXT NOT NULL, owner_id TEXT NOT NULL, "
            "scope_id TEXT, opened_at_us BIGINT NOT NULL, opened_recorded_us BIGINT NOT NULL, "
            "debits_pending_cents BIGINT NOT NULL, "
            "debits_posted_cents BIGINT NOT NULL, credits_pending_cents BIGINT NOT NULL, "
            "credits_posted_cents BIGINT NOT NULL, balance_cents BIGINT NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS {accounts}_owner ON {accounts} (owner_id)",
            f"CREATE TABLE IF NOT EXISTS {postings} ("
            f"position {self.database.integer_key}, account_id TEXT NOT NULL, "
            "transfer_id TEXT, debits_pending_delta_cents BIGINT NOT NULL, "
            "debits_posted_delta_cents BIGINT NOT NULL, "
            "credits_pending_delta_cents BIGINT NOT NULL, "
            "credits_posted_delta_cents BIGINT NOT NULL, "
            "occurred_at_us BIGINT NOT NULL, recorded_at_us BIGINT NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS {postings}_account ON {postings} (account_id)",
            f"CREATE TABLE IF NOT EXISTS {transfers} ("
            "transfer_id TEXT PRIMARY KEY, debit_account_id TEXT NOT NULL, "
            "credit_account_id TEXT NOT NULL, amount_cents BIGINT NOT NULL, "
            "posted_cents BIGINT NOT NULL, status TEXT NOT NULL, cause_kind TEXT NOT NULL, "
            "cause_id TEXT, memo TEXT NOT NULL, position BIGINT NOT NULL, "
            "occurred_at_us BIGINT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {members} ("
            "member_id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL)",
        ]

    def apply(self, transaction: ViewTransaction, events: Sequence[tuple[int, Event]]) -> None:
        """Apply a batch: load touched accounts, change them in memory, write them back."""
        batch = _BalancesBatch(self, transaction)
        batch.load(events)
        handlers = batch.handlers
        for position, event in events:
            handler = handlers.get(type(event))
            if handler is not None:
                handler(position, event)
        batch.write()

    # ---------------------------------------------------------------- queries

    def accounts(self, *, owner_id: str | None = None, kind: str | None = None,
                 as_of: datetime | None = None, basis: TimeBasis = "business",
                 ) -> list[AccountBalance]:
        """Accounts with their totals, now or as of a moment."""
        accounts, postings, members = (self.table("balances_accounts"),
                                       self.table("balances_postings"),
                                       self.table("balances_members"))
        clauses: list[str] = []
        params: list[Any] = []
        if owner_id is not None:
            clauses.append("a.owner_id = ?")
            params.append(owner_id)
        if kind is not None:
            clauses.append("a.kind = ?")
            params.append(kind)
        if as_of is None:
            totals = ("a.debits_pending_cents, a.debits_posted_cents, "
                      "a.credits_pending_cents, a.credits_posted_cents")
            source = f"{accounts} a"
        else:
            at_us = to_us(as_of)
            time_column = "occurred_at_us" if basis == "business" else "recorded_at_us"
            opened_column = "opened_at_us" if basis == "business" else "opened_recorded_us"
            totals = ("COALESCE(t.dp, 0), COALESCE(t.dq, 0), COALESCE(t.cp, 0), "
                      "COALESCE(t.cq, 0)")
            source = (f"{accounts} a LEFT JOIN (SELECT account_id, "
                      "SUM(debits_pending_delta_cents) AS dp, "
                      "SUM(debits_posted_delta_cents) AS dq, "
                      "SUM(credits_pending_delta_cents) AS cp, "
                      f"SUM(credits_posted_delta_cents) AS cq FROM {postings} "
                      f"WHERE {time_column} <= ? GROUP BY account_id) t "
                      "ON t.account_id = a.account_id")
            clauses.append(f"a.{opened_column} <= ?")
            params = [at_us, *params, at_us]
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self.database.query(
            f"SELECT a.account_id, a.kind, a.owner_id, COALESCE(m.name, ''), a.scope_id, "
            f"{totals} FROM {source} "
            f"LEFT JOIN {members} m ON m.member_id = a.owner_id{where} "
            f"ORDER BY a.kind, COALESCE(m.name, ''), a.account_id LIMIT {ACCOUNTS_MAX}",
            params)
        return [AccountBalance(account_id=row[0], kind=row[1], owner_id=row[2],
                               owner_name=row[3], scope_id=row[4],
                               debits_pending_cents=int(row[5]),
                               debits_posted_cents=int(row[6]),
                               credits_pending_cents=int(row[7]),
                               credits_posted_cents=int(row[8]),
                               balance_cents=int(row[8]) - int(row[6]))
                for row in rows]

    def total_cents(self) -> int:
        """Sum of all balances: zero whenever the ledger is consistent."""
        rows = self.database.query(
            f"SELECT COALESCE(SUM(balance_cents), 0) FROM {self.table('balances_accounts')}")
        return int(rows[0][0])


_ACCOUNT_MOVES = (Account.Debited, Account.Credited, Account.PendingPosted,
                  Account.PendingVoided)


class _BalancesBatch(IdTexts):
    """The accounts one batch touches, loaded once, changed in memory, written once."""

    def __init__(self, view: BalancesView, transaction: ViewTransaction) -> None:
        super().__init__()
        self.view = view
        self.transaction = transaction
        self.accounts: dict[str, list[Any]] = {}
        self.postings: list[tuple[Any, ...]] = []
        self.new_transfers: dict[str, list[Any]] = {}
        """Transfers recorded in the batch: a posting or voiding in the same batch changes
        the row before it is inserted, instead of updating it afterwards."""
        self.transfer_updates: dict[str, tuple[int, str]] = {}
        self.members: list[tuple[str, str, str]] = []
        self.handlers: dict[type[Event], Callable[[int, Any], None]] = {
            Account.Opened: self._opened, Account.Debited: self._moved,
            Account.Credited: self._moved, Account.PendingPosted: self._moved,
            Account.PendingVoided: self._moved,
            Transfer.Recorded: self._recorded, Transfer.PendingPosted: self._transfer_posted,
            Transfer.PendingVoided: self._transfer_voided, Member.Registered: self._member,
        }

    def load(self, events: Sequence[tuple[int, Event]]) -> None:
        """Load every account the batch changes but did not open."""
        opened: set[str] = set()
        wanted: dict[str, None] = {}
        text, moves = self.text, _ACCOUNT_MOVES
        for _, event in events:
            kind = type(event)
            if kind is Account.Opened:
                opened.add(text(event.originator_id))
            elif kind in moves:
                account_id = text(event.originator_id)
                if account_id not in opened:
                    wanted[account_id] = None
        for row in query_in(self.transaction,
                            f"SELECT {', '.join(_ACCOUNT_COLUMNS)} FROM "
                            f"{self.view.table('balances_accounts')} "
                            "WHERE account_id IN ({in_list})", list(wanted)):
            self.accounts[row[0]] = list(row)

    def write(self) -> None:
        """Write every touched row back."""
        view, transaction = self.view, self.transaction
        if self.accounts:
            updates = ", ".join(f"{column} = excluded.{column}"
                                for column in _ACCOUNT_COLUMNS[_DEBITS_PENDING:])
            transaction.executemany(
                f"INSERT INTO {view.table('balances_accounts')} "
                f"({', '.join(_ACCOUNT_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(_ACCOUNT_COLUMNS))}) "
                f"ON CONFLICT (account_id) DO UPDATE SET {updates}", self.accounts.values())
        if self.postings:
            transaction.executemany(
                f"INSERT INTO {view.table('balances_postings')} (position, account_id, "
                "transfer_id, debits_pending_delta_cents, debits_posted_delta_cents, "
                "credits_pending_delta_cents, credits_posted_delta_cents, occurred_at_us, "
                "recorded_at_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", self.postings)
        if self.new_transfers:
            transaction.executemany(
                f"INSERT INTO {view.table('balances_transfers')} (transfer_id, "
                "debit_account_id, credit_account_id, amount_cents, posted_cents, status, "
                "cause_kind, cause_id, memo, position, occurred_at_us) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", self.new_transfers.values())
        transaction.update_many(
            view.table("balances_transfers"), "transfer_id", ("posted_cents", "status"),
            [(*values, transfer_id) for transfer_id, values in self.transfer_updates.items()])
        if self.members:
            transaction.executemany(
                f"INSERT INTO {view.table('balances_members')} (member_id, name, kind) "
                "VALUES (?, ?, ?) ON CONFLICT (member_id) DO NOTHING", self.members)

    def _opened(self, _: int, event: Account.Opened) -> None:
        self.accounts[self.text(event.originator_id)] = [
            self.text(event.originator_id), str(event.kind), str(event.owner_id),
            None if event.scope_id is None else str(event.scope_id),
            to_us(event.context.occurred_at), to_us(event.timestamp), 0, 0, 0, 0, 0]

    def _moved(self, position: int, event: Account.Debited | Account.Credited
               | Account.PendingPosted | Account.PendingVoided) -> None:
        change = totals_change(event)
        row = self.accounts[self.text(event.originator_id)]
        debits_pending, debits_posted = change.debits_pending, change.debits_posted
        credits_pending, credits_posted = change.credits_pending, change.credits_posted
        row[_DEBITS_PENDING] += debits_pending
        row[_DEBITS_POSTED] += debits_posted
        row[_CREDITS_PENDING] += credits_pending
        row[_CREDITS_POSTED] += credits_posted
        row[_BALANCE] = row[_CREDITS_POSTED] - row[_DEBITS_POSTED]
        self.postings.append((position, row[0], self.text(event.transfer_id), debits_pending,
                              debits_posted, credits_pending, credits_posted,
                              to_us(event.context.occurred_at), to_us(event.timestamp)))

    def _recorded(self, position: int, event: Transfer.Recorded) -> None:
        text = self.text
        transfer_id = text(event.originator_id)
        self.new_transfers[transfer_id] = [
            transfer_id, text(event.debit_account_id),
            text(event.credit_account_id), event.amount_cents,
            0 if event.pending else event.amount_cents,
            "pending" if event.pending else "posted", str(event.cause_kind),
            None if event.cause_id is None else str(event.cause_id), event.memo, position,
            to_us(event.context.occurred_at)]

    def _transfer_posted(self, _: int, event: Transfer.PendingPosted) -> None:
        self._settled(self.text(event.originator_id), event.posted_cents, "posted")

    def _transfer_voided(self, _: int, event: Transfer.PendingVoided) -> None:
        self._settled(self.text(event.originator_id), 0, "voided")

    def _settled(self, transfer_id: str, posted_cents: int, status: str) -> None:
        recorded = self.new_transfers.get(transfer_id)
        if recorded is None:
            self.transfer_updates[transfer_id] = (posted_cents, status)
        else:
            recorded[_TRANSFER_POSTED], recorded[_TRANSFER_STATUS] = posted_cents, status

    def _member(self, _: int, event: Member.Registered) -> None:
        self.members.append((str(event.originator_id), event.name, str(event.kind)))


# ------------------------------------------------------------------- balance fold

BALANCE_FOLD_BATCH = 5_000  # Notifications per select when folding balances.
BALANCE_FOLD_BATCHES_MAX = 100_000  # 500 M notifications: beyond any history, a loop guard.
ACCOUNT_TOPICS = (Account.Opened.TOPIC, Account.Debited.TOPIC, Account.Credited.TOPIC,
                  Account.PendingPosted.TOPIC, Account.PendingVoided.TOPIC)


class EventLog(Protocol):
    """What the fold reads: a recorder and the mapper of its events (a ``Ledger`` has both)."""

    recorder: ApplicationRecorder
    mapper: Mapper[UUID]


@dataclass
class FoldedAccount:
    """An account's totals, folded straight from its events (no view involved)."""

    account_id: UUID
    kind: AccountKind
    owner_id: UUID
    scope_id: UUID | None
    guarded: bool
    debits_pending: int = 0
    debits_posted: int = 0
    credits_pending: int = 0
    credits_posted: int = 0

    @property
    def totals(self) -> AccountTotals:
        """The four totals."""
        return AccountTotals(debits_pending=self.debits_pending,
                             debits_posted=self.debits_posted,
                             credits_pending=self.credits_pending,
                             credits_posted=self.credits_posted)

    def move(self, change: AccountTotals) -> None:
        """Add an account event's change to the totals."""
        self.debits_pending += change.debits_pending
        self.debits_posted += change.debits_posted
        self.credits_pending += change.credits_pending
        self.credits_posted += change.credits_posted

    @property
    def balance_cents(self) -> int:
        """Posted credits minus posted debits."""
        return self.credits_posted - self.debits_posted


@dataclass
class BalanceFold:
    """Balances folded from account events, caught up incrementally from the log.

    A recount independent of the balances view (same per-event helper, no tables): the CLI's
    ``balances --fold`` and the invariant tests compare the two.
    """

    accounts: dict[UUID, FoldedAccount] = field(default_factory=dict)
    position: int = 0

    def catch_up(self, log: EventLog, upto: int | None = None) -> None:
        """Apply account events after ``position`` (up to notification ``upto``)."""
        for _ in range(BALANCE_FOLD_BATCHES_MAX):
            notifications = log.recorder.select_notifications(
                self.position + 1, BALANCE_FOLD_BATCH, stop=upto, topics=ACCOUNT_TOPICS)
            if not notifications:
                return
            for notification in notifications:
                self.apply(log.mapper.to_domain_event(notification))
            self.position = notifications[-1].id

    def apply(self, event: object) -> None:
        """Fold one account event."""
        if isinstance(event, Account.Opened):
            self.accounts[event.originator_id] = FoldedAccount(
                event.originator_id, event.kind, event.owner_id, event.scope_id,
                event.debits_must_not_exceed_credits)
        elif isinstance(event, Event):
            self.accounts[event.originator_id].move(totals_change(event))

    def total_cents(self) -> int:
        """The sum of all balances: zero, always."""
        return sum(account.balance_cents for account in self.accounts.values())

    def overdrawn(self) -> list[FoldedAccount]:
        """Guarded accounts whose debits exceed their credits (never any)."""
        return [account for account in self.accounts.values() if account.guarded and
                account.debits_posted + account.debits_pending > account.credits_posted]


def fold_balances(log: EventLog, upto: int | None = None) -> BalanceFold:
    """Every account's balance at notification ``upto`` (default: now), from the events."""
    fold = BalanceFold()
    fold.catch_up(log, upto)
    return fold
