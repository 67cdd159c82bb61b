"""Decisions members can see into: ``cocagne simulate PROPOSAL`` (what a proposed rule would
have given over past weeks) and the history of the rules (``cocagne rules --history``, whose
option lives with ``rules`` in ``infra.cli.governance`` and prints here).

``simulate``:
Replays the weeks before the proposal opened (as many as the cooperative decided, 8 by
default; ``--weeks`` and ``--before`` choose others) under the proposed allocation key, price
grid or basket terms, beside what happened and beside the rules in force replayed, which must
give what happened (the exit code is 1 if they do not). Reads only: writes nothing.

    cocagne simulate 01a2… --db var/cocagne.db
    cocagne simulate 01a2… --weeks 12 --before 2026-03-30 --json
"""

# ruff: noqa: RUF001 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any
from uuid import UUID

from infra.cli.support import (
    add_store_arguments,
    bounded_int,
    parse_date,
    print_table,
    store_from_arguments,
)
from infra.cli.words import t

if TYPE_CHECKING:
    from domain.whatif import Simulation
    from infra.cli.support import CommandParser
    from infra.provenance import RuleHistoryEntry

WEEKS_MAX = 520  # Ten years of weekly rounds: as far back as any history goes.


def register(subparsers: Any) -> None:
    """Add ``simulate``."""
    subparsers.add_parser(
        "simulate", help=t("what a proposal's rule would have given over past weeks"),
        description=t("Replay past weeks under a proposed allocation key, price grid or basket "
                      "terms, beside what happened; writes nothing."),
        build=_simulate_options)


def _simulate_options(parser: CommandParser) -> None:
    add_store_arguments(parser)
    parser.add_argument("proposal", type=UUID, metavar=t("PROPOSAL"),
                        help=t("the proposal's id"))
    parser.add_argument("--weeks", type=bounded_int(1, WEEKS_MAX), metavar="N",
                        help=t("weeks replayed (default: as decided, else 8)"))
    parser.add_argument("--before", type=parse_date, metavar=t("DATE"),
                        help=t("replay the weeks before this day's week (default: the "
                               "proposal's opening day)"))
    parser.add_argument("--json", action="store_true", help=t("JSON output"))
    parser.set_defaults(func=run_simulate)


def run_simulate(arguments: argparse.Namespace) -> int:
    """Print a proposal's simulation."""
    # Start-up time: the store's reader and the replay load for `simulate` only.
    from infra.reader import Reader  # noqa: PLC0415
    from infra.whatif import simulate_proposal, simulation_json  # noqa: PLC0415

    reader = Reader(store_from_arguments(arguments))
    try:
        simulation = simulate_proposal(reader, arguments.proposal, weeks=arguments.weeks,
                                       before=arguments.before)
    finally:
        reader.close()
    if arguments.json:
        print(json.dumps(simulation_json(simulation), ensure_ascii=False))
    else:
        print_simulation(simulation)
    return 0 if simulation.consistent else 1


def print_simulation(simulation: Simulation) -> None:
    """The simulation as French tables."""
    from infra import decision_words as words  # noqa: PLC0415 - start-up time.

    print(f"Simulation — {simulation.title or words.KINDS[simulation.kind]}")
    print(f"{words.KINDS[simulation.kind]} ; {words.window(simulation)} ; "
          f"{words.acts(simulation)}")
    for section in simulation.sections:
        print()
        print(words.MEASURES[section.measure])
        rows = [[row.label, words.figure(section.unit, row.actual),
                 words.figure(section.unit, row.replayed),
                 words.figure(section.unit, row.proposed),
                 words.figure(section.unit, row.difference, signed=True)]
                for row in section.rows]
        rows.append(["Total", words.figure(section.unit, section.actual_total),
                     words.figure(section.unit, section.replayed_total),
                     words.figure(section.unit, section.proposed_total),
                     words.figure(section.unit, section.difference_total, signed=True)])
        print_table(["", *words.COLUMNS], rows, right=(1, 2, 3, 4))
    print()
    print(words.consistency(simulation))
    for note in words.notes(simulation):
        print(f"Note : {note}")


def run_rule_history(arguments: argparse.Namespace) -> int:
    """Print every rule ever in force, the decision that set it and the acts that applied it."""
    # Start-up time: the store's reader and the provenance load for `rules --history` only.
    import msgspec  # noqa: PLC0415

    from infra.provenance import rule_history  # noqa: PLC0415
    from infra.reader import Reader  # noqa: PLC0415

    reader = Reader(store_from_arguments(arguments))
    try:
        history = rule_history(reader)
    finally:
        reader.close()
    if arguments.json:
        print(msgspec.json.encode({"rules": history}).decode())
        return 0
    if not history:
        print("Aucune règle votée : répartition au prorata des besoins, pas de grille de prix "
              "(les livraisons ne paient rien), paniers aux conditions de leur ouverture.")
        return 0
    for entry in history:
        print_history_entry(entry)
    return 0


def print_history_entry(entry: RuleHistoryEntry) -> None:
    """One rule of the history."""
    from infra import decision_words as words  # noqa: PLC0415 - start-up time.

    scope = f" — {entry.scope_name}" if entry.scope_name else ""
    until = (f" jusqu’au {words.day(entry.replaced_from)} (exclu)" if entry.replaced_from
             else " (toujours en vigueur)")
    print(f"{entry.sequence}. {words.KINDS.get(entry.kind, entry.kind)}{scope} : en vigueur du "
          f"{words.day(entry.effective_from)}{until}")
    rule = {key: value for key, value in entry.rule.items()
            if key not in {"kind", "programme_id"}}
    print(f"   règle : {json.dumps(rule, ensure_ascii=False)}")
    closed = f", vote clos le {words.day(entry.closed_at.date())}" if entry.closed_at else ""
    print(f"   décidée par « {entry.title} » ({entry.decision_id}){closed}")
    if entry.tally is not None:
        tally = entry.tally
        print(f"   décompte : {tally.yes} pour, {tally.no} contre, {tally.abstain} abstention(s) "
              f"sur {tally.members} ; participation pondérée "
              f"{words.percent(tally.participation_bp)}, pour pondéré "
              f"{words.percent(tally.yes_share_bp)}")
        colleges = ", ".join(
            f"{words.COLLEGES.get(item.college, item.college)} {item.voters}/{item.members}"
            for item in entry.participation)
        print(f"   votants par collège : {colleges}")
    applied = ", ".join(f"{count} {words.ACT_KINDS.get(kind, kind)}"
                        for kind, count in sorted(entry.acts_by_kind.items()))
    print(f"   actes qui l’ont appliquée : {entry.acts}" + (f" ({applied})" if applied else "")
          + f" — {entry.acts_link}")
