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

Kinds: ``set_allocation_key``, ``set_basket_terms``, ``set_price_grid``,
``set_reference_prices`` (``domain/reference_prices.py``), ``admit_member``,
``commit_budget`` (fields in ``domain/rules.py``).
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import msgspec

from infra.cli.support import (
    add_store_arguments,
    bounded_int,
    emit_json,
    not_found,
    parse_date,
    parse_time,
    print_table,
    store_from_arguments,
)
from infra.cli.words import day, euros, number, percent, t, term

if TYPE_CHECKING:
    from domain.proposals import Tally
    from infra.cli.support import CommandParser
    from infra.reader import Reader

CHOICES = ("yes", "no", "abstain")
"""``domain.proposals.Choice``'s values (checked against it by the tests)."""
BASIS_POINTS_MAX = 10_000


PAYLOAD_BYTES_MAX = 65_536  # A price grid of 500 products is about 30 kB of JSON.


def parse_payload(text: str) -> Any:
    """A proposal payload's JSON value, read as the API reads a body (``parse_json``); its
    shape is checked with the whole command (``_execute``). Refused in one line."""
    from infra.strict_input import MalformedInput, UnsafeJson, parse_json  # noqa: PLC0415

    try:
        return parse_json(text.encode("utf-8", errors="surrogateescape"),
                          bytes_max=PAYLOAD_BYTES_MAX, what="the payload")
    except UnsafeJson as refusal:
        raise MalformedInput(refusal.message, [("payload", refusal.message)]) from None


def register(subparsers: Any) -> None:
    """Add the governance subcommands."""

    def writer(name: str, help_text: str,
               build: Any) -> None:
        def options(parser: CommandParser) -> None:
            add_store_arguments(parser)
            parser.add_argument("--actor", type=UUID, required=True, metavar="ID",
                                help=t("acting member id"))
            parser.add_argument("--command-id", metavar="ID",
                                help=t("client-chosen id (default: a new one)"))
            parser.add_argument("--at", type=parse_time, metavar=t("TIME"),
                                help=t("business time of the act (default: now)"))
            parser.add_argument("--json", action="store_true", help=t("JSON output"))
            build(parser)

        subparsers.add_parser(name, help=help_text, description=help_text, build=options)

    writer("propose", t("put a proposal to the colleges' vote"), _propose_options)
    writer("vote", t("vote yes, no or abstain on a proposal (changeable until closing)"),
           _vote_options)
    writer("close", t("tally a proposal at or after its closing time"), _close_options)
    subparsers.add_parser(
        "tally", help=t("a proposal's tally, recounted from its events"),
        description=t("Show a proposal's per-college tally (provisional while open) and "
                      "check that recounting its stored events gives the recorded outcome."),
        build=_tally_options)
    subparsers.add_parser(
        "rules", help=t("the rules in force on a day and the decisions that set them"),
        description=t("Every standing rule (allocation key, price grid, basket terms) in "
                      "force on a day, with the adopted proposal that set it."),
        build=_rules_options)
    subparsers.add_parser(
        "balances", help=t("every account's balance in euros, and their sum (zero)"),
        description=t("Accounts of producers, outlets, funders' budgets, programme funds and "
                      "households, with pending and posted amounts. Read from the balances "
                      "view (brought up to date first), or folded from the events (--fold)."),
        build=_balances_options)


def _propose_options(propose: CommandParser) -> None:
    propose.add_argument("--title", required=True, metavar=t("TITLE"),
                         help=t("the proposal's title"))
    propose.add_argument("--payload", required=True, metavar="JSON",
                         help=t('JSON with a "kind", e.g. {{"kind": "set_allocation_key", '
                                '"key": "proportional_to_households"}}'))
    propose.add_argument("--closes-at", type=parse_time, required=True, metavar=t("TIME"),
                         help=t("when the vote closes"))
    propose.add_argument("--opens-at", type=parse_time, metavar=t("TIME"),
                         help=t("default: the business time of the submission"))
    propose.add_argument("--quorum-bp", type=bounded_int(0, BASIS_POINTS_MAX), default=0,
                         help=t("weighted participation needed, in basis points (default 0)"))
    propose.add_argument("--threshold-bp", type=bounded_int(0, BASIS_POINTS_MAX),
                         default=5_000,
                         help=t("adopted when the weighted yes share is above this "
                                "(default 5000: a majority)"))
    propose.add_argument("--effective-from", type=parse_date, metavar=t("DATE"),
                         help=t("first day a standing rule applies (default: after closing)"))
    propose.set_defaults(func=run_propose)


def _vote_options(vote: CommandParser) -> None:
    vote.add_argument("proposal", type=UUID, metavar=t("PROPOSAL"),
                      help=t("the proposal's id"))
    vote.add_argument("--choice", choices=CHOICES, required=True,
                      help=t("yes, no or abstain"))
    vote.set_defaults(func=run_vote)


def _close_options(close: CommandParser) -> None:
    close.add_argument("proposal", type=UUID, metavar=t("PROPOSAL"),
                       help=t("the proposal's id"))
    close.set_defaults(func=run_close)


def _tally_options(tally: CommandParser) -> None:
    add_store_arguments(tally)
    tally.add_argument("proposal", type=UUID, metavar=t("PROPOSAL"),
                       help=t("the proposal's id"))
    tally.add_argument("--json", action="store_true", help=t("JSON output"))
    tally.set_defaults(func=run_tally)


def _rules_options(rules: CommandParser) -> None:
    add_store_arguments(rules)
    rules.add_argument("--as-of", type=parse_date, metavar=t("DATE"),
                       help=t("the day (default: today, UTC)"))
    rules.add_argument("--history", action="store_true",
                       help=t("every rule ever in force: the proposal, tally and dates that set "
                              "it and how many acts applied it"))
    rules.add_argument("--json", action="store_true", help=t("JSON output"))
    rules.set_defaults(func=run_rules)


def _balances_options(balances: CommandParser) -> None:
    add_store_arguments(balances)
    balances.add_argument("--kind", metavar=t("KIND"),
                          help=t("only accounts of this kind (e.g. funder_budget)"))
    balances.add_argument("--as-of", type=parse_time, metavar=t("TIME"),
                          help=t("balances at a past business time (from the view)"))
    balances.add_argument("--fold", action="store_true",
                          help=t("fold account events instead of reading the view"))
    balances.add_argument("--json", action="store_true", help=t("JSON output"))
    balances.set_defaults(func=run_balances)


def _history(arguments: argparse.Namespace) -> Reader:
    from infra.reader import Reader  # noqa: PLC0415 - start-up time: the store's reader.

    return Reader(store_from_arguments(arguments))


def _execute(arguments: argparse.Namespace, command_type: Any, **fields: Any) -> int:
    # Start-up time: the write application loads only for the commands that write.
    from domain.governance_commands import CloseProposal  # noqa: PLC0415
    from domain.proposals import Proposal  # noqa: PLC0415
    from infra.ledger.ledger import Ledger  # noqa: PLC0415
    from infra.strict_input import convert_strict  # noqa: PLC0415

    # Held to the API's checks: built from builtins by strict conversion, so a bound, an
    # unknown field of the payload or a moment outside the calendar is refused in one line
    # (as every DomainError is), never a traceback or a stored oddity.
    location = store_from_arguments(arguments)  # A store that is not there says so first.
    if isinstance(fields.get("payload"), str):
        fields["payload"] = parse_payload(fields["payload"])
    command = convert_strict(
        msgspec.to_builtins({"command_id": arguments.command_id or f"cli-{uuid4()}",
                             "actor_id": arguments.actor, "occurred_at": arguments.at,
                             **fields}), command_type)
    ledger = Ledger(location)
    try:
        result = ledger.execute(command)
        if arguments.json:
            print(msgspec.json.encode(result).decode())
        else:
            replayed = t(" (replayed: already done)") if result.replayed else ""
            print(f"{term(command_type.NAME)}: {result.stream_id}{replayed}")
        if command_type is CloseProposal and not arguments.json:
            proposal: object = ledger.repository.get(arguments.proposal)
            assert isinstance(proposal, Proposal)
            assert proposal.outcome is not None
            _print_tally(proposal.outcome)
    finally:
        ledger.close()
    return 0


def run_propose(arguments: argparse.Namespace) -> int:
    """Submit a proposal."""
    from domain.governance_commands import SubmitProposal  # noqa: PLC0415 - start-up time.

    return _execute(arguments, SubmitProposal, title=arguments.title,
                    payload=arguments.payload, closes_at=arguments.closes_at,
                    opens_at=arguments.opens_at, quorum_bp=arguments.quorum_bp,
                    threshold_bp=arguments.threshold_bp,
                    effective_from=arguments.effective_from)


def run_vote(arguments: argparse.Namespace) -> int:
    """Cast or change a vote."""
    from domain.governance_commands import CastVote  # noqa: PLC0415 - start-up time.
    from domain.proposals import Choice  # noqa: PLC0415 - start-up time.

    return _execute(arguments, CastVote, proposal_id=arguments.proposal,
                    choice=Choice(arguments.choice))


def run_close(arguments: argparse.Namespace) -> int:
    """Close a proposal and print its tally."""
    from domain.governance_commands import CloseProposal  # noqa: PLC0415 - start-up time.

    return _execute(arguments, CloseProposal, proposal_id=arguments.proposal)


def _reason(result: Tally) -> str:
    """Why the tally adopts or rejects, in the run's language (the domain's ``reason``)."""
    if not result.quorum_met:
        return t("quorum not met: participation {participation} is below {quorum}",
                 participation=percent(result.participation_bp),
                 quorum=percent(result.quorum_bp))
    if result.adopted:
        return t("adopted: weighted yes {yes} is above {threshold}",
                 yes=percent(result.yes_share_bp), threshold=percent(result.threshold_bp))
    if result.yes + result.no == 0:
        return t("nobody voted yes or no")
    return t("threshold not reached: weighted yes {yes} is not above {threshold}",
             yes=percent(result.yes_share_bp), threshold=percent(result.threshold_bp))


def _print_tally(result: Tally) -> None:
    from domain.proposals import participation  # noqa: PLC0415 - start-up time: the domain.

    turnout = {item.college: item for item in participation(result)}
    print_table([t("college"), t("weight"), t("members"), t("yes"), t("no"), t("abstain"),
                 t("voters"), t("participation")],
                [[term(college.college), percent(college.weight_bp), number(college.members),
                  number(college.yes), number(college.no), number(college.abstain),
                  f"{number(turnout[college.college].voters)}/{number(college.members)}",
                  percent(turnout[college.college].participation_bp)]
                 for college in result.colleges],
                right=(1, 2, 3, 4, 5, 6, 7))
    print(t("one member, one vote: {yes} yes, {no} no, {abstain} abstain of {members} on "
            "the roll", yes=number(result.yes), no=number(result.no),
            abstain=number(result.abstain), members=number(result.members)))
    print(t("participation {participation} (quorum {quorum}); weighted yes {yes} "
            "(threshold: above {threshold})", participation=percent(result.participation_bp),
            quorum=percent(result.quorum_bp), yes=percent(result.yes_share_bp),
            threshold=percent(result.threshold_bp)))
    print(_reason(result))


def run_tally(arguments: argparse.Namespace) -> int:
    """Show a proposal's tally and check the recount."""
    from domain.proposals import Proposal  # noqa: PLC0415 - start-up time: the domain.
    from infra.reader import find_stream, recount_proposal  # noqa: PLC0415 - start-up time.

    history = _history(arguments)
    try:
        proposal = find_stream(history, arguments.proposal)
        if not isinstance(proposal, Proposal):
            raise not_found(t("no proposal {proposal} in {store}", proposal=arguments.proposal,
                              store=history.location.url))
        recounted, recorded = recount_proposal(history, proposal.id)
    finally:
        history.close()
    # Tallies hold lists (unhashable): compare them, never look them up in a set.
    matches = recorded is None or recorded == recounted
    if arguments.json:
        emit_json({"proposal_id": proposal.id, "title": proposal.title,
                   "status": proposal.status, "tally": recounted, "recorded": recorded,
                   "recount_matches": matches})
        return 0 if matches else 1
    print(f"{proposal.title} — {term(proposal.status)}")
    _print_tally(recorded or recounted)
    if recorded is None:
        print(t("(provisional: the vote is still open)"))
    elif matches:
        print(t("recount from the events: identical"))
    else:
        raise not_found(t("recount from the events DIFFERS from the recorded outcome"))
    return 0


def run_rules(arguments: argparse.Namespace) -> int:
    """Print the rules in force on a day (every rule ever in force with ``--history``)."""
    from infra.reader import rules_in_force  # noqa: PLC0415 - start-up time: the domain.

    if arguments.history:
        from infra.cli.decisions import run_rule_history  # noqa: PLC0415 - start-up time.

        return run_rule_history(arguments)

    today = arguments.as_of or datetime.now(tz=UTC).date()
    history = _history(arguments)
    try:
        rules = rules_in_force(history, today)
    finally:
        history.close()
    if arguments.json:
        emit_json({"as_of": today, "rules": rules})
        return 0
    print(t("rules in force on {day}:", day=day(today)))
    if not rules:
        print("  " + t("none voted: allocation proportional to needs, no price grid "
                       "(deliveries post no payment), basket terms as each programme opened"))
    for enactment in rules:
        scope = t(" (programme {programme})", programme=enactment.scope_id) \
            if enactment.scope_id else ""
        rule = {key: value for key, value in json.loads(msgspec.json.encode(
            enactment.rule)).items() if key not in {"kind", "programme_id"}}
        print(f"- {term(enactment.kind)}{scope}: {json.dumps(rule, ensure_ascii=False)}")
        print("    " + t("since {day}, decided by proposal {decision} ({title})",
                         day=day(enactment.effective_from), decision=enactment.decision_id,
                         title=enactment.title))
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
    print_table([t("kind"), t("owner"), t("scope"), t("pending debits"), t("pending credits"),
                 t("balance")],
                [[term(row["kind"]), row["owner"], row["scope"] or "",
                  euros(row["debits_pending_cents"]), euros(row["credits_pending_cents"]),
                  euros(row["balance_cents"])] for row in shown], right=(3, 4, 5),
                empty=t("no account"))
    print(t("sum of all {count} balances: {total} (always zero)", count=number(len(rows)),
            total=euros(total_cents)))
    return 0 if total_cents == 0 else 1


def _balances_from_view(history: Reader, as_of: datetime | None) -> list[dict[str, Any]]:
    from infra.projections_wiring import open_projections  # noqa: PLC0415 - start-up time.

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
    from projections.balances import fold_balances  # noqa: PLC0415 - start-up time.

    fold = fold_balances(history)
    return [{"account_id": str(balance.account_id), "kind": str(balance.kind),
             "owner": str(balance.owner_id),
             "scope": None if balance.scope_id is None else str(balance.scope_id),
             "debits_pending_cents": balance.debits_pending,
             "credits_pending_cents": balance.credits_pending,
             "balance_cents": balance.balance_cents}
            for balance in sorted(fold.accounts.values(),
                                  key=lambda balance: (balance.kind, str(balance.owner_id)))]
