"""Governance subcommands: ``propose``, ``vote``, ``close``, ``tally``, ``rules``, ``balances``.

Every writing subcommand takes the acting member (``--actor``), an optional client-chosen
``--command-id`` (give the same one again to retry safely: the ledger replays instead of
acting twice) and an optional business time ``--at`` (ISO 8601; UTC unless an offset is
given), which is what opening and closing times and effective dates are compared with.

A proposal's payload is JSON with a ``kind``, for example::

    cocagne propose --actor ID --title "Clé au prorata des foyers" \\
        --closes-at 2026-02-07T18:00 --quorum-bp 3000 --effective-from 2026-02-09 \\
        --payload '{"kind": "set_allocation_key", "key": "proportional_to_households",
                    "minimum_share_bp": 500}'

Kinds: ``set_allocation_key``, ``set_basket_terms``, ``set_price_grid``, ``admit_member``,
``commit_budget`` (fields in ``domain/rules.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import msgspec

from domain import governance_commands as g
from domain.proposals import Choice, Proposal, Tally
from infra.cli.support import add_store_arguments, parse_time, print_table, store_from_arguments
from infra.ledger.ledger import Ledger
from infra.projections_wiring import open_projections
from infra.reader import Reader, recount_proposal, rules_in_force
from infra.strict_input import MalformedInput, UnsafeJson, convert_strict, parse_json
from projections.balances import fold_balances


def parse_date(text: str) -> date:
    """An ISO date."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO date (2026-03-01)") from None


PAYLOAD_BYTES_MAX = 65_536  # A price grid of 500 products is about 30 kB of JSON.


def parse_payload(text: str) -> Any:
    """A proposal payload's JSON value, read as the API reads a body (``parse_json``); its
    shape is checked with the whole command (``checked``). Refused as one line."""
    try:
        return parse_json(text.encode("utf-8", errors="surrogateescape"),
                          bytes_max=PAYLOAD_BYTES_MAX, what="the payload")
    except UnsafeJson as refusal:
        raise MalformedInput(refusal.message, [("payload", refusal.message)]) from None


def register(subparsers: Any) -> None:
    """Add the governance subcommands."""

    def writer(name: str, help_text: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = subparsers.add_parser(name, help=help_text,
                                                                description=help_text)
        add_store_arguments(parser)
        parser.add_argument("--actor", type=UUID, required=True, help="acting member id")
        parser.add_argument("--command-id", help="client-chosen id (default: a new one)")
        parser.add_argument("--at", type=parse_time, metavar="TIME",
                            help="business time of the act (default: now)")
        parser.add_argument("--json", action="store_true", help="JSON output")
        return parser

    propose = writer("propose", "put a proposal to the colleges' vote")
    propose.add_argument("--title", required=True)
    propose.add_argument("--payload", required=True,
                         help='JSON with a "kind", e.g. {"kind": "set_allocation_key", '
                              '"key": "proportional_to_households"}')
    propose.add_argument("--closes-at", type=parse_time, required=True, metavar="TIME")
    propose.add_argument("--opens-at", type=parse_time, metavar="TIME",
                         help="default: the business time of the submission")
    propose.add_argument("--quorum-bp", type=int, default=0,
                         help="weighted participation needed, in basis points (default 0)")
    propose.add_argument("--threshold-bp", type=int, default=5_000,
                         help="adopted when the weighted yes share is above this "
                              "(default 5000: a majority)")
    propose.add_argument("--effective-from", type=parse_date, metavar="DATE",
                         help="first day a standing rule applies (default: after closing)")
    propose.set_defaults(func=run_propose)

    vote = writer("vote", "vote yes, no or abstain on a proposal (changeable until closing)")
    vote.add_argument("proposal", type=UUID, metavar="PROPOSAL")
    vote.add_argument("--choice", choices=[str(choice) for choice in Choice], required=True)
    vote.set_defaults(func=run_vote)

    close = writer("close", "tally a proposal at or after its closing time")
    close.add_argument("proposal", type=UUID, metavar="PROPOSAL")
    close.set_defaults(func=run_close)

    tally = subparsers.add_parser(
        "tally", help="a proposal's tally, recounted from its events",
        description="Show a proposal's per-college tally (provisional while open) and check "
                    "that recounting its stored events gives the recorded outcome.")
    add_store_arguments(tally)
    tally.add_argument("proposal", type=UUID, metavar="PROPOSAL")
    tally.add_argument("--json", action="store_true", help="JSON output")
    tally.set_defaults(func=run_tally)

    rules = subparsers.add_parser(
        "rules", help="the rules in force on a day and the decisions that set them",
        description="Every standing rule (allocation key, price grid, basket terms) in force "
                    "on a day, with the adopted proposal that set it.")
    add_store_arguments(rules)
    rules.add_argument("--as-of", type=parse_date, metavar="DATE",
                       help="the day (default: today, UTC)")
    rules.add_argument("--json", action="store_true", help="JSON output")
    rules.set_defaults(func=run_rules)

    balances = subparsers.add_parser(
        "balances", help="every account's balance in euro cents, and their sum (zero)",
        description="Accounts of producers, outlets, funders' budgets, programme funds and "
                    "households, with pending and posted amounts. Read from the balances "
                    "view (brought up to date first), or folded from the events (--fold).")
    add_store_arguments(balances)
    balances.add_argument("--kind", help="only accounts of this kind (e.g. funder_budget)")
    balances.add_argument("--as-of", type=parse_time, metavar="TIME",
                          help="balances at a past business time (from the view)")
    balances.add_argument("--fold", action="store_true",
                          help="fold account events instead of reading the view")
    balances.add_argument("--json", action="store_true", help="JSON output")
    balances.set_defaults(func=run_balances)


def _ledger(arguments: argparse.Namespace) -> Ledger:
    return Ledger(store_from_arguments(arguments))


def _history(arguments: argparse.Namespace) -> Reader:
    return Reader(store_from_arguments(arguments))


def _execute(arguments: argparse.Namespace, command_type: type[Any], **fields: Any) -> int:
    ledger = _ledger(arguments)
    try:
        # Held to the API's checks: built from builtins by strict conversion, so a bound,
        # an unknown field of the payload or a moment outside the calendar is refused in
        # one line (main prints a DomainError so), never a traceback or a stored oddity.
        command = convert_strict(
            msgspec.to_builtins({"command_id": arguments.command_id or f"cli-{uuid4()}",
                                 "actor_id": arguments.actor, "occurred_at": arguments.at,
                                 **fields}), command_type)
        result = ledger.execute(command)
        if arguments.json:
            print(msgspec.json.encode(result).decode())
        else:
            replayed = " (replayed: already done)" if result.replayed else ""
            print(f"{command_type.NAME}: {result.stream_id}{replayed}")
        if command_type is g.CloseProposal and not arguments.json:
            proposal: object = ledger.repository.get(arguments.proposal)
            assert isinstance(proposal, Proposal)
            assert proposal.outcome is not None
            _print_tally(proposal.outcome)
    finally:
        ledger.close()
    return 0


def run_propose(arguments: argparse.Namespace) -> int:
    """Submit a proposal."""
    return _execute(arguments, g.SubmitProposal, title=arguments.title,
                    payload=parse_payload(arguments.payload), closes_at=arguments.closes_at,
                    opens_at=arguments.opens_at, quorum_bp=arguments.quorum_bp,
                    threshold_bp=arguments.threshold_bp,
                    effective_from=arguments.effective_from)


def run_vote(arguments: argparse.Namespace) -> int:
    """Cast or change a vote."""
    return _execute(arguments, g.CastVote, proposal_id=arguments.proposal,
                    choice=Choice(arguments.choice))


def run_close(arguments: argparse.Namespace) -> int:
    """Close a proposal and print its tally."""
    return _execute(arguments, g.CloseProposal, proposal_id=arguments.proposal)


def _percent(value_bp: int) -> str:
    return f"{value_bp / 100:.2f} %"


def _print_tally(result: Tally) -> None:
    print_table(["college", "weight", "members", "yes", "no", "abstain"],
                 [[college.college, _percent(college.weight_bp), college.members, college.yes,
                   college.no, college.abstain] for college in result.colleges],
                 right=(1, 2, 3, 4, 5))
    print(f"one member, one vote: {result.yes} yes, {result.no} no, {result.abstain} "
          f"abstain of {result.members} on the roll")
    print(f"participation {_percent(result.participation_bp)} (quorum "
          f"{_percent(result.quorum_bp)}); weighted yes {_percent(result.yes_share_bp)} "
          f"(threshold: above {_percent(result.threshold_bp)})")
    print(result.reason)


def run_tally(arguments: argparse.Namespace) -> int:
    """Show a proposal's tally and check the recount."""
    history = _history(arguments)
    try:
        proposal: object = history.repository.get(arguments.proposal)
        assert isinstance(proposal, Proposal)
        recounted, recorded = recount_proposal(history, proposal.id)
        # Tallies hold lists (unhashable): compare them, never look them up in a set.
        matches = recorded is None or recorded == recounted
        if arguments.json:
            print(msgspec.json.encode({"proposal_id": proposal.id, "title": proposal.title,
                                       "status": proposal.status, "tally": recounted,
                                       "recorded": recorded,
                                       "recount_matches": matches}).decode())
            return 0 if matches else 1
        print(f"{proposal.title} — {proposal.status}")
        _print_tally(recorded or recounted)
        if recorded is None:
            print("(provisional: the vote is still open)")
        elif recorded == recounted:
            print("recount from the events: identical")
        else:
            print("recount from the events DIFFERS from the recorded outcome", file=sys.stderr)
            return 1
    finally:
        history.close()
    return 0


def run_rules(arguments: argparse.Namespace) -> int:
    """Print the rules in force on a day."""
    day = arguments.as_of or datetime.now(tz=UTC).date()
    history = _history(arguments)
    try:
        rules = rules_in_force(history, day)
    finally:
        history.close()
    if arguments.json:
        print(msgspec.json.encode({"as_of": day, "rules": rules}).decode())
        return 0
    print(f"rules in force on {day.isoformat()}:")
    if not rules:
        print("  none voted: allocation proportional to needs, no price grid (deliveries "
              "post no payment), basket terms as each programme opened")
    for enactment in rules:
        scope = f" (programme {enactment.scope_id})" if enactment.scope_id else ""
        rule = {key: value for key, value in json.loads(msgspec.json.encode(
            enactment.rule)).items() if key not in {"kind", "programme_id"}}
        print(f"- {enactment.kind}{scope}: {json.dumps(rule, ensure_ascii=False)}")
        print(f"    since {enactment.effective_from.isoformat()}, decided by proposal "
              f"{enactment.decision_id} ({enactment.title})")
    return 0


def run_balances(arguments: argparse.Namespace) -> int:
    """Print every account's balance and their sum."""
    history = _history(arguments)
    try:
        rows = _balances_from_fold(history) if arguments.fold else _balances_from_view(
            history, arguments.as_of)
    finally:
        history.close()
    shown = [row for row in rows if not arguments.kind or row["kind"] == arguments.kind]
    total_cents = sum(row["balance_cents"] for row in rows)
    if arguments.json:
        print(json.dumps({"accounts": shown, "total_cents": total_cents}, ensure_ascii=False))
        return 0
    print_table(["kind", "owner", "scope", "pending debits", "pending credits", "balance"],
                 [[row["kind"], row["owner"], row["scope"] or "",
                   _euros(row["debits_pending_cents"]), _euros(row["credits_pending_cents"]),
                   _euros(row["balance_cents"])] for row in shown], right=(3, 4, 5))
    print(f"sum of all {len(rows)} balances: {_euros(total_cents)} (always zero)")
    return 0 if total_cents == 0 else 1


def _euros(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100:,}.{abs(cents) % 100:02d} EUR"


def _balances_from_view(history: Reader, as_of: datetime | None) -> list[dict[str, Any]]:
    projections = open_projections(history, names=["balances"])
    try:
        projections.catch_up(["balances"])
        accounts = projections.balances.accounts(as_of=as_of)
    finally:
        projections.close()
    return [{"account_id": account.account_id, "kind": account.kind,
             "owner": account.owner_name or account.owner_id, "scope": account.scope_id,
             "debits_pending_cents": account.debits_pending_cents,
             "credits_pending_cents": account.credits_pending_cents,
             "balance_cents": account.balance_cents} for account in accounts]


def _balances_from_fold(history: Reader) -> list[dict[str, Any]]:
    fold = fold_balances(history)
    return [{"account_id": str(balance.account_id), "kind": str(balance.kind),
             "owner": str(balance.owner_id),
             "scope": None if balance.scope_id is None else str(balance.scope_id),
             "debits_pending_cents": balance.debits_pending,
             "credits_pending_cents": balance.credits_pending,
             "balance_cents": balance.balance_cents}
            for balance in sorted(fold.accounts.values(),
                                  key=lambda balance: (balance.kind, str(balance.owner_id)))]
