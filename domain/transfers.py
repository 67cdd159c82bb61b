"""Accounts and transfers: double entry in euro cents, two-phase as in TigerBeetle.

Every movement of money is a ``Transfer`` stream that debits one ``Account`` and credits
another by the same amount, so the sum of all balances is zero at every position of the
event log. A transfer is either posted at once or first *pending* (the amount is reserved on
both accounts), then *posted* (all or part of the reserved amount moves; the rest is
released) or *voided* (everything is released). Each transfer names the act that caused it
(a delivery, a basket, a decision, a funder's commitment, a coordinator's adjustment).

Accounts (one stream each, with a name-based id, see ``account_id``):

======================  ============================================================
``funder``              a funder's contributions: debited when it commits money, so
                        its balance is minus what it has put into the cooperative
``funder_budget``       money a funder committed to pay producers for deliveries
``programme_fund``      money a funder committed to one basket programme
``producer``            credited with what producers are paid: what each is owed
``outlet``              debited with the outlet's share of its deliveries: what it owes
``household``           debited with a household's share of its baskets: what it paid
======================  ============================================================

Balance = credits posted - debits posted. Budgets and programme funds may never be
overdrawn: like TigerBeetle's ``debits_must_not_exceed_credits`` flag, a debit (pending or
posted) is refused when pending + posted debits would exceed posted credits. Because the
account is a stream and a transfer saves the account's new event with an expected version,
two concurrent spends of the same budget cannot both pass the check.

Rounding: every amount is whole cents. ``split_by_shares`` and ``scale_down`` give out the
whole amount by the largest-remainder method (ties to the earlier listed party), so no cent
is ever lost or created.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import ClassVar, TypeVar
from uuid import UUID

import msgspec

from domain.base import Aggregate, Context, Created, Event
from domain.errors import DomainError, InvalidCommand, InvalidState
from domain.governance import BASIS_POINTS
from domain.ids import name_id
from domain.rules import check_amount

MEMO_LENGTH_MAX = 200
GRAMS_PER_KG = 1_000
K = TypeVar("K")


class AccountKind(enum.StrEnum):
    """What an account holds (see the module's table)."""

    FUNDER = "funder"
    FUNDER_BUDGET = "funder_budget"
    PROGRAMME_FUND = "programme_fund"
    PRODUCER = "producer"
    OUTLET = "outlet"
    HOUSEHOLD = "household"


GUARDED_KINDS = frozenset({AccountKind.FUNDER_BUDGET, AccountKind.PROGRAMME_FUND})
"""Accounts whose debits must never exceed their credits."""


class CauseKind(enum.StrEnum):
    """What kind of act caused a transfer."""

    DELIVERY = "delivery"
    BASKET = "basket"
    DECISION = "decision"
    COMMITMENT = "commitment"
    ADJUSTMENT = "adjustment"


class Side(enum.StrEnum):
    """Which side of a transfer an account is on."""

    DEBIT = "debit"
    CREDIT = "credit"


class TransferStatus(enum.StrEnum):
    """Where a transfer is."""

    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"


class BudgetExceeded(DomainError):
    """The debit would overdraw a funder's budget or a programme's fund."""

    code = "budget_exceeded"


def account_id(kind: AccountKind, owner_id: UUID, scope_id: UUID | None = None) -> UUID:
    """The id of an owner's account of a kind (per programme for programme funds)."""
    return name_id("account", f"{kind}:{owner_id}:{scope_id or ''}")


class AccountTotals(msgspec.Struct, frozen=True, kw_only=True):
    """An account's four totals, in cents."""

    debits_pending: int = 0
    debits_posted: int = 0
    credits_pending: int = 0
    credits_posted: int = 0

    def plus(self, change: AccountTotals) -> AccountTotals:
        """These totals moved by ``change``."""
        return AccountTotals(debits_pending=self.debits_pending + change.debits_pending,
                             debits_posted=self.debits_posted + change.debits_posted,
                             credits_pending=self.credits_pending + change.credits_pending,
                             credits_posted=self.credits_posted + change.credits_posted)

    @property
    def balance_cents(self) -> int:
        """Posted credits minus posted debits."""
        return self.credits_posted - self.debits_posted


class Account(Aggregate):
    """An account's pending and posted totals.

    Every event after ``Opened`` carries the account's totals after it (like the running
    balance on a bank statement line), so an account loads from its first and last events
    (``Account.resume``) however long its history: a producer paid for every basket of a
    year has thousands of events, and replaying them for each new payment would make
    writes slower and slower. Replaying the whole stream checks each carried total against
    the sum of the movements (``apply`` asserts it), so a tampered total does not load.
    """

    kind: AccountKind
    owner_id: UUID
    scope_id: UUID | None
    debits_must_not_exceed_credits: bool
    debits_pending: int
    debits_posted: int
    credits_pending: int
    credits_posted: int

    class Opened(Created, frozen=True, kw_only=True):
        """An account was opened for an owner."""

        TOPIC: ClassVar[str] = "account.opened"
        kind: AccountKind
        owner_id: UUID
        scope_id: UUID | None
        debits_must_not_exceed_credits: bool

        def apply(self, account: Account) -> None:
            account.kind = self.kind
            account.owner_id = self.owner_id
            account.scope_id = self.scope_id
            account.debits_must_not_exceed_credits = self.debits_must_not_exceed_credits
            account.set_totals(AccountTotals())

    class Debited(Event, frozen=True, kw_only=True):
        """A transfer debited the account (reserved only, when pending)."""

        TOPIC: ClassVar[str] = "account.debited"
        transfer_id: UUID
        amount_cents: int
        pending: bool
        totals: AccountTotals
        """The account's totals after this event."""

        def apply(self, account: Account) -> None:
            account.move(self, self.totals)

    class Credited(Event, frozen=True, kw_only=True):
        """A transfer credited the account (reserved only, when pending)."""

        TOPIC: ClassVar[str] = "account.credited"
        transfer_id: UUID
        amount_cents: int
        pending: bool
        totals: AccountTotals
        """The account's totals after this event."""

        def apply(self, account: Account) -> None:
            account.move(self, self.totals)

    class PendingPosted(Event, frozen=True, kw_only=True):
        """A pending transfer was posted: ``posted_cents`` moved, the rest was released."""

        TOPIC: ClassVar[str] = "account.pending_posted"
        transfer_id: UUID
        side: Side
        pending_cents: int
        posted_cents: int
        totals: AccountTotals
        """The account's totals after this event."""

        def apply(self, account: Account) -> None:
            account.move(self, self.totals)

    class PendingVoided(Event, frozen=True, kw_only=True):
        """A pending transfer was voided: its reservation was released."""

        TOPIC: ClassVar[str] = "account.pending_voided"
        transfer_id: UUID
        side: Side
        pending_cents: int
        totals: AccountTotals
        """The account's totals after this event."""

        def apply(self, account: Account) -> None:
            account.move(self, self.totals)

    @classmethod
    def open(cls, context: Context, kind: AccountKind, owner_id: UUID,
             scope_id: UUID | None = None) -> Account:
        """Open an owner's account of a kind."""
        if (kind == AccountKind.PROGRAMME_FUND) != (scope_id is not None):
            raise InvalidCommand("a programme fund names its programme; no other account does",
                                 reason="programme_fund_scope", kind=str(kind))
        return cls._create(cls.Opened, account_id(kind, owner_id, scope_id), context=context,
                           kind=kind, owner_id=owner_id, scope_id=scope_id,
                           debits_must_not_exceed_credits=kind in GUARDED_KINDS)

    @classmethod
    def resume(cls, opened: Event, last: Event) -> Account:
        """The account as of its ``last`` event, from that event and its ``Opened`` one."""
        if not isinstance(opened, Account.Opened) or opened.originator_id != last.originator_id:
            raise InvalidState(f"stream {last.originator_id} is not an account",
                               reason="account_history_broken")
        account = cls.__new__(cls)
        account._base_init(opened.originator_id, opened.originator_version, opened.timestamp)
        opened.apply(account)
        if last.originator_version != opened.originator_version:
            totals = getattr(last, "totals", None)
            if not isinstance(totals, AccountTotals):
                raise InvalidState(f"event {last.originator_version} of account "
                                   f"{last.originator_id} carries no totals",
                                   reason="account_history_broken")
            account.set_totals(totals)
            account.version = last.originator_version
            account.modified_on = last.timestamp
        return account

    def totals(self) -> AccountTotals:
        """The four totals."""
        return AccountTotals(debits_pending=self.debits_pending,
                             debits_posted=self.debits_posted,
                             credits_pending=self.credits_pending,
                             credits_posted=self.credits_posted)

    def set_totals(self, totals: AccountTotals) -> None:
        """Take the four totals (when opening or resuming)."""
        self.debits_pending = totals.debits_pending
        self.debits_posted = totals.debits_posted
        self.credits_pending = totals.credits_pending
        self.credits_posted = totals.credits_posted

    def move(self, event: Event, carried: AccountTotals) -> None:
        """Apply an account event's change, which must give the totals it carries."""
        self.set_totals(self.totals().plus(totals_change(event)))
        self.check_totals(carried)

    def check_totals(self, carried: AccountTotals) -> None:
        """The totals an event carries must be what its movement gives."""
        if self.totals() != carried:
            raise InvalidState(f"account {self.id}: an event carries totals {carried}, but "
                               f"its history gives {self.totals()}",
                               reason="account_history_broken")

    def _after(self, *, debits_pending: int = 0, debits_posted: int = 0,
               credits_pending: int = 0, credits_posted: int = 0) -> AccountTotals:
        return AccountTotals(debits_pending=self.debits_pending + debits_pending,
                             debits_posted=self.debits_posted + debits_posted,
                             credits_pending=self.credits_pending + credits_pending,
                             credits_posted=self.credits_posted + credits_posted)

    @property
    def balance_cents(self) -> int:
        """Posted credits minus posted debits."""
        return self.credits_posted - self.debits_posted

    @property
    def available_cents(self) -> int:
        """What a guarded account can still spend (posted credits less all debits)."""
        return self.credits_posted - self.debits_posted - self.debits_pending

    def describe(self) -> str:
        """The account in words, for refusal messages."""
        scope = f" for programme {self.scope_id}" if self.scope_id else ""
        return f"{self.kind} account of {self.owner_id}{scope}"

    def check_debit(self, amount_cents: int) -> None:
        """Refuse a debit that would overdraw a guarded account."""
        if self.debits_must_not_exceed_credits and amount_cents > self.available_cents:
            raise BudgetExceeded(
                f"debit of {amount_cents} cents refused: the {self.describe()} has "
                f"{self.available_cents} cents left ({self.credits_posted} committed, "
                f"{self.debits_posted} spent, {self.debits_pending} reserved)",
                reason="budget_exceeded", amount_cents=amount_cents,
                available_cents=self.available_cents, committed_cents=self.credits_posted,
                spent_cents=self.debits_posted, reserved_cents=self.debits_pending)

    def debit(self, context: Context, transfer_id: UUID, amount_cents: int, *,
              pending: bool) -> None:
        """Record a transfer's debit."""
        self.check_debit(amount_cents)
        totals = (self._after(debits_pending=amount_cents) if pending
                  else self._after(debits_posted=amount_cents))
        self._trigger(self.Debited, context=context, transfer_id=transfer_id,
                      amount_cents=amount_cents, pending=pending, totals=totals)

    def credit(self, context: Context, transfer_id: UUID, amount_cents: int, *,
               pending: bool) -> None:
        """Record a transfer's credit."""
        totals = (self._after(credits_pending=amount_cents) if pending
                  else self._after(credits_posted=amount_cents))
        self._trigger(self.Credited, context=context, transfer_id=transfer_id,
                      amount_cents=amount_cents, pending=pending, totals=totals)

    def post_pending(self, context: Context, transfer_id: UUID, side: Side, pending_cents: int,
                     posted_cents: int) -> None:
        """Turn a reservation into a posted amount (posting never needs a new check)."""
        totals = (self._after(debits_pending=-pending_cents, debits_posted=posted_cents)
                  if side == Side.DEBIT else
                  self._after(credits_pending=-pending_cents, credits_posted=posted_cents))
        self._trigger(self.PendingPosted, context=context, transfer_id=transfer_id, side=side,
                      pending_cents=pending_cents, posted_cents=posted_cents, totals=totals)

    def void_pending(self, context: Context, transfer_id: UUID, side: Side,
                     pending_cents: int) -> None:
        """Release a reservation."""
        totals = (self._after(debits_pending=-pending_cents) if side == Side.DEBIT
                  else self._after(credits_pending=-pending_cents))
        self._trigger(self.PendingVoided, context=context, transfer_id=transfer_id, side=side,
                      pending_cents=pending_cents, totals=totals)


def totals_change(event: Event) -> AccountTotals:
    """What an account event changes in its account's four totals (nothing for ``Opened``).

    The one fold of account events: the aggregate, the balance fold and the balances view
    (``projections/balances.py``) all apply account events through it.
    """
    if isinstance(event, Account.Debited | Account.Credited):
        debit = isinstance(event, Account.Debited)
        cents = event.amount_cents
        return AccountTotals(
            debits_pending=cents if debit and event.pending else 0,
            debits_posted=cents if debit and not event.pending else 0,
            credits_pending=cents if not debit and event.pending else 0,
            credits_posted=cents if not debit and not event.pending else 0)
    if isinstance(event, Account.PendingPosted | Account.PendingVoided):
        posted = event.posted_cents if isinstance(event, Account.PendingPosted) else 0
        if event.side == Side.DEBIT:
            return AccountTotals(debits_pending=-event.pending_cents, debits_posted=posted)
        return AccountTotals(credits_pending=-event.pending_cents, credits_posted=posted)
    return AccountTotals()


Account.Opened.AGGREGATE = Account


class Transfer(Aggregate):
    """A movement of cents from one account to another."""

    debit_account_id: UUID
    credit_account_id: UUID
    amount_cents: int
    status: TransferStatus
    posted_cents: int
    cause_kind: CauseKind
    cause_id: UUID | None
    memo: str

    class Recorded(Created, frozen=True, kw_only=True):
        """A transfer was recorded, posted at once or pending."""

        TOPIC: ClassVar[str] = "transfer.recorded"
        debit_account_id: UUID
        credit_account_id: UUID
        amount_cents: int
        pending: bool
        cause_kind: CauseKind
        cause_id: UUID | None
        """The delivery, basket or proposal that caused the transfer (None for a funder's
        own commitment or a coordinator's adjustment: the context names the command)."""
        memo: str

        def apply(self, transfer: Transfer) -> None:
            transfer.debit_account_id = self.debit_account_id
            transfer.credit_account_id = self.credit_account_id
            transfer.amount_cents = self.amount_cents
            transfer.status = TransferStatus.PENDING if self.pending else TransferStatus.POSTED
            transfer.posted_cents = 0 if self.pending else self.amount_cents
            transfer.cause_kind = self.cause_kind
            transfer.cause_id = self.cause_id
            transfer.memo = self.memo

    class PendingPosted(Event, frozen=True, kw_only=True):
        """The pending transfer was posted for ``posted_cents``; the rest was released."""

        TOPIC: ClassVar[str] = "transfer.pending_posted"
        posted_cents: int
        released_cents: int

        def apply(self, transfer: Transfer) -> None:
            transfer.status = TransferStatus.POSTED
            transfer.posted_cents = self.posted_cents

    class PendingVoided(Event, frozen=True, kw_only=True):
        """The pending transfer was voided: nothing moved."""

        TOPIC: ClassVar[str] = "transfer.pending_voided"
        reason: str

        def apply(self, transfer: Transfer) -> None:
            transfer.status = TransferStatus.VOIDED

    ORDERED_IN_BUSINESS_TIME: ClassVar[bool] = True  # Posted or voided after recorded.

    @classmethod
    def record(cls, transfer_id: UUID, context: Context, *, debit_account_id: UUID,
               credit_account_id: UUID, amount_cents: int, pending: bool,
               cause_kind: CauseKind, cause_id: UUID | None, memo: str) -> Transfer:
        """Record a transfer (callers record both accounts' sides in the same save)."""
        return cls._create(cls.Recorded, transfer_id, context=context,
                           debit_account_id=debit_account_id,
                           credit_account_id=credit_account_id, amount_cents=amount_cents,
                           pending=pending, cause_kind=cause_kind, cause_id=cause_id,
                           memo=memo)

    def post(self, context: Context, posted_cents: int) -> None:
        """Post the pending amount, or part of it (the rest is released)."""
        self._trigger(self.PendingPosted, context=context, posted_cents=posted_cents,
                      released_cents=self.amount_cents - posted_cents)

    def void(self, context: Context, reason: str) -> None:
        """Release the pending amount."""
        self._trigger(self.PendingVoided, context=context, reason=reason)


Transfer.Recorded.AGGREGATE = Transfer


def record_transfer(transfer_id: UUID, context: Context, debit: Account, credit: Account,
                    amount_cents: int, *, pending: bool, cause_kind: CauseKind,
                    cause_id: UUID | None, memo: str = "") -> Transfer:
    """Move (or reserve, when ``pending``) ``amount_cents`` from ``debit`` to ``credit``."""
    check_amount(amount_cents, what="transfer amount")
    if debit.id == credit.id:
        raise InvalidCommand(f"a transfer moves money between two accounts, not within the "
                             f"{debit.describe()}", reason="transfer_to_itself",
                             kind=str(debit.kind), owner_id=str(debit.owner_id))
    memo = memo.strip()
    if len(memo) > MEMO_LENGTH_MAX:
        raise InvalidCommand(f"a transfer's memo is at most {MEMO_LENGTH_MAX} characters",
                             reason="text_length", field="memo", length=len(memo),
                             maximum=MEMO_LENGTH_MAX)
    debit.check_debit(amount_cents)
    transfer = Transfer.record(
        transfer_id, context, debit_account_id=debit.id, credit_account_id=credit.id,
        amount_cents=amount_cents, pending=pending, cause_kind=cause_kind, cause_id=cause_id,
        memo=memo)
    debit.debit(context, transfer_id, amount_cents, pending=pending)
    credit.credit(context, transfer_id, amount_cents, pending=pending)
    return transfer


def _check_pair(transfer: Transfer, debit: Account, credit: Account) -> None:
    if (debit.id, credit.id) != (transfer.debit_account_id, transfer.credit_account_id):
        raise InvalidCommand(f"transfer {transfer.id} is not between these accounts",
                             reason="transfer_accounts_mismatch")
    if transfer.status != TransferStatus.PENDING:
        raise InvalidState(f"transfer {transfer.id} is {transfer.status}: only a pending "
                           "transfer can be posted or voided", reason="transfer_not_pending",
                           status=str(transfer.status), amount_cents=transfer.amount_cents)


def post_pending(context: Context, transfer: Transfer, debit: Account, credit: Account,
                 amount_cents: int | None = None) -> int:
    """Post a pending transfer, wholly or for a smaller amount (the rest is released).

    Returns the posted amount. Posting zero is voiding: call ``void_pending`` instead.
    """
    _check_pair(transfer, debit, credit)
    posted_cents = transfer.amount_cents if amount_cents is None else amount_cents
    if not 0 < posted_cents <= transfer.amount_cents:
        raise InvalidCommand(f"post {posted_cents} cents refused: transfer {transfer.id} "
                             f"reserved {transfer.amount_cents} cents (post 1 to that much, "
                             "or void it)", reason="post_beyond_reserved",
                             posted_cents=posted_cents, amount_cents=transfer.amount_cents)
    transfer.post(context, posted_cents)
    debit.post_pending(context, transfer.id, Side.DEBIT, transfer.amount_cents, posted_cents)
    credit.post_pending(context, transfer.id, Side.CREDIT, transfer.amount_cents, posted_cents)
    return posted_cents


def void_pending(context: Context, transfer: Transfer, debit: Account, credit: Account,
                 reason: str) -> None:
    """Void a pending transfer: release its reservation on both accounts."""
    _check_pair(transfer, debit, credit)
    reason = reason.strip()
    if not reason or len(reason) > MEMO_LENGTH_MAX:
        raise InvalidCommand(f"voiding a transfer says why in 1 to {MEMO_LENGTH_MAX} "
                             "characters", reason="text_length", field="reason",
                             length=len(reason), maximum=MEMO_LENGTH_MAX)
    transfer.void(context, reason)
    debit.void_pending(context, transfer.id, Side.DEBIT, transfer.amount_cents)
    credit.void_pending(context, transfer.id, Side.CREDIT, transfer.amount_cents)


# ------------------------------------------------------------------ rounding


def split_by_shares(total_cents: int, shares: Sequence[tuple[K, int]]) -> list[tuple[K, int]]:
    """Split ``total_cents`` by basis-point shares summing to 100 %, losing no cent.

    Each party gets the floor of its exact share; the cents left over (fewer than the number
    of parties) go one each to the largest remainders, ties to the party listed first.
    """
    if sum(share_bp for _, share_bp in shares) != BASIS_POINTS:
        raise InvalidCommand("shares must sum to 10000 bp", reason="shares_sum",
                             total_bp=sum(share_bp for _, share_bp in shares),
                             expected_bp=BASIS_POINTS)
    exact = [total_cents * share_bp for _, share_bp in shares]
    amounts = [value // BASIS_POINTS for value in exact]
    leftover = total_cents - sum(amounts)
    order = sorted(range(len(shares)), key=lambda index: (-(exact[index] % BASIS_POINTS), index))
    for index in order[:leftover]:
        amounts[index] += 1
    return [(party, amount) for (party, _), amount in zip(shares, amounts, strict=True)]


def scale_down(amounts: Sequence[int], numerator: int, denominator: int) -> list[int]:
    """Scale amounts by ``numerator / denominator`` (at most 1), summing to the exact total.

    The scaled total is ``round_half_up(sum * numerator / denominator)`` computed by the
    caller as ``numerator`` when ``denominator`` is the sum; each part is the floor of its
    exact scaled value plus at most one leftover cent (largest remainders, ties to the
    earlier part), so no part ever exceeds its original amount.
    """
    if not 0 <= numerator <= denominator or denominator <= 0:
        raise InvalidCommand(f"cannot scale by {numerator}/{denominator}",
                             reason="scale_out_of_range", numerator=numerator,
                             denominator=denominator)
    total = sum(amounts)
    if total != denominator:
        raise InvalidCommand(f"amounts sum to {total}, not to the denominator {denominator}",
                             reason="scale_total_mismatch", total=total,
                             denominator=denominator)
    exact = [amount * numerator for amount in amounts]
    scaled = [value // denominator for value in exact]
    leftover = numerator - sum(scaled)
    order = sorted(range(len(amounts)), key=lambda index: (-(exact[index] % denominator), index))
    for index in order[:leftover]:
        scaled[index] += 1
    return scaled


def payment_cents(weighted_grams_cents: int) -> int:
    """Cents for ``sum(quantity_g * price_cents_per_kg)``, rounded half up to the cent.

    Rounding happens once per producer and stop, on the sum, never per line.
    """
    return (weighted_grams_cents + GRAMS_PER_KG // 2) // GRAMS_PER_KG


# --------------------------------------------------------- delivery payments


class PricedLine(msgspec.Struct, frozen=True, kw_only=True):
    """A dispatched lot line and the price it is paid at."""

    lot_id: UUID
    product: str
    quantity_g: int
    price_cents_per_kg: int


class PayerShare(msgspec.Struct, frozen=True, kw_only=True):
    """Who pays how much of a producer's payment, through which pending transfer."""

    payer_id: UUID
    account_id: UUID
    amount_cents: int
    transfer_id: UUID


class ProducerPayment(msgspec.Struct, frozen=True, kw_only=True):
    """What one stop's outlet receives from one producer, and who finances it."""

    outlet_id: UUID
    producer_id: UUID
    lines: list[PricedLine]
    amount_cents: int
    payers: list[PayerShare]


class UnpaidLine(msgspec.Struct, frozen=True, kw_only=True):
    """A dispatched line no producer is paid for, and why."""

    outlet_id: UUID
    lot_id: UUID
    reason: str


class PostedShare(msgspec.Struct, frozen=True, kw_only=True):
    """A payer's pending share and what was posted of it on receipt."""

    transfer_id: UUID
    pending_cents: int
    posted_cents: int


class SettledPayment(msgspec.Struct, frozen=True, kw_only=True):
    """A producer's payment for what an outlet actually received."""

    producer_id: UUID
    dispatched_cents: int
    received_cents: int
    shares: list[PostedShare]


class DeliverySettlement(Aggregate):
    """The producers' payments for one delivery: priced at dispatch, posted on receipt.

    Its id is derived from the delivery's (``settlement_id``). The context of its events
    names the price-grid decision applied.
    """

    delivery_id: UUID
    decision_id: UUID
    payments: list[ProducerPayment]
    settled_outlets: set[UUID]

    class Priced(Created, frozen=True, kw_only=True):
        """A dispatched delivery was priced and its payments reserved (pending)."""

        TOPIC: ClassVar[str] = "delivery_settlement.priced"
        delivery_id: UUID
        decision_id: UUID
        """The adopted price grid the payments follow."""
        payments: list[ProducerPayment]
        unpaid: list[UnpaidLine]

        def apply(self, settlement: DeliverySettlement) -> None:
            settlement.delivery_id = self.delivery_id
            settlement.decision_id = self.decision_id
            settlement.payments = list(self.payments)
            settlement.settled_outlets = set()

    class StopSettled(Event, frozen=True, kw_only=True):
        """An outlet received its stop: payments posted for what arrived."""

        TOPIC: ClassVar[str] = "delivery_settlement.stop_settled"
        outlet_id: UUID
        payments: list[SettledPayment]

        def apply(self, settlement: DeliverySettlement) -> None:
            settlement.settled_outlets.add(self.outlet_id)

    @classmethod
    def price(cls, context: Context, *, delivery_id: UUID, decision_id: UUID,
              payments: list[ProducerPayment], unpaid: list[UnpaidLine]) -> DeliverySettlement:
        """Record the priced payments of a dispatched delivery."""
        return cls._create(cls.Priced, settlement_id(delivery_id), context=context,
                           delivery_id=delivery_id, decision_id=decision_id,
                           payments=payments, unpaid=unpaid)

    def payments_for(self, outlet_id: UUID) -> list[ProducerPayment]:
        """The payments of one stop."""
        return [payment for payment in self.payments if payment.outlet_id == outlet_id]

    def settle_stop(self, context: Context, outlet_id: UUID,
                    payments: list[SettledPayment]) -> None:
        """Record what was posted for a received stop."""
        if outlet_id in self.settled_outlets:
            raise InvalidState(f"stop of outlet {outlet_id} is already settled",
                               reason="stop_already_settled", outlet_id=str(outlet_id))
        self._trigger(self.StopSettled, context=context, outlet_id=outlet_id,
                      payments=payments)


DeliverySettlement.Priced.AGGREGATE = DeliverySettlement


def settlement_id(delivery_id: UUID) -> UUID:
    """The settlement stream of a delivery."""
    return name_id("delivery-settlement", str(delivery_id))


def delivery_transfer_id(delivery_id: UUID, outlet_id: UUID, producer_id: UUID,
                         payer_account_id: UUID) -> UUID:
    """The pending transfer financing one producer's payment by one payer on one stop."""
    return name_id("delivery-transfer",
                   f"{delivery_id}:{outlet_id}:{producer_id}:{payer_account_id}")
