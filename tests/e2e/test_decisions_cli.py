"""The command line of decisions: ``cocagne simulate``, ``cocagne rules --history`` and the
participation columns of ``cocagne tally``, in-process on the governed demo's SQLite file."""

# ruff: noqa: RUF001 - French typography writes its apostrophe as U+2019.

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.proposals import Proposal
from domain.rules import SetAllocationKey, SetPriceGrid
from infra.cli.main import main
from tests.whatif_support import DEMO_WEEKS, Demo, governed_demo, proposal_ids


@pytest.fixture(scope="module", params=["sqlite"])
def demo(request: pytest.FixtureRequest,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The governed demo in an SQLite file."""
    yield from governed_demo(request, tmp_path_factory)


def _cocagne(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str]:
    code = main(["--log-level", "warning", *arguments])
    return code, capsys.readouterr().out


def _proposal(demo: Demo, kind: type) -> str:
    for proposal_id in proposal_ids(demo.ledger):
        proposal = demo.ledger.repository.get(proposal_id)
        if isinstance(proposal, Proposal) and isinstance(proposal.payload, kind):
            return str(proposal_id)
    raise AssertionError(kind)


def _db(demo: Demo) -> list[str]:
    return ["--db", str(Path(str(demo.location.sqlite_path)))]


def test_simulate_prints_french_tables_and_the_consistency_check(
        demo: Demo, capsys: pytest.CaptureFixture[str]) -> None:
    """The key's simulation: a table per measure in kilograms, totals, the check line."""
    code, out = _cocagne(capsys, "simulate", _proposal(demo, SetAllocationKey), *_db(demo))
    assert code == 0
    assert "Kilos attribués par structure" in out
    assert "Ce qui s’est passé" in out
    assert "Avec la proposition" in out
    assert "8 semaines, du 08/12/2025 au 01/02/2026 (2025-W50 à 2026-W05)" in out
    assert "\u00a0kg" in out
    assert "Contrôle : rejouer les règles qui étaient en vigueur redonne exactement" in out
    total = next(line for line in out.splitlines() if line.startswith("Total"))
    assert total.rstrip().endswith("0\u00a0kg"), "a key moves grams, never creates them"


def test_simulate_json_over_chosen_weeks(demo: Demo, capsys: pytest.CaptureFixture[str]) -> None:
    """--json --weeks --before: the grid in force over the demo's weeks changes nothing."""
    code, out = _cocagne(capsys, "simulate", _proposal(demo, SetPriceGrid), *_db(demo),
                         "--weeks", str(DEMO_WEEKS), "--before", "2026-02-23", "--json")
    assert code == 0
    answer = json.loads(out)
    assert answer["kind"] == "price_grid"
    assert answer["consistent"] is True
    assert len(answer["window"]["weeks"]) == DEMO_WEEKS
    assert {section["measure"] for section in answer["sections"]} == {
        "producer_paid_cents", "funder_spent_cents", "outlet_paid_cents"}
    assert all(row["difference"] == 0 for section in answer["sections"]
               for row in section["rows"])


def test_simulate_refuses_what_cannot_be_simulated(
        demo: Demo, capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown proposal is refused with a one-line reason and exit code 1."""
    code = main(["--log-level", "warning", "simulate", "00000000-0000-7000-8000-000000000009",
                 *_db(demo)])
    assert code == 1
    assert "Proposition introuvable dans le registre" in capsys.readouterr().err


def test_rules_history_lists_every_rule_its_vote_and_its_acts(
        demo: Demo, capsys: pytest.CaptureFixture[str]) -> None:
    """Both rules, their tallies, per-college voters and acts applied, with the links."""
    code, out = _cocagne(capsys, "rules", "--history", *_db(demo))
    assert code == 0
    assert out.startswith("1. Grille de prix : en vigueur du 04/01/2026")
    assert "2. Clé de répartition : en vigueur du 09/02/2026 (toujours en vigueur)" in out
    assert "votants par collège : Producteurs 7/7, Structures 12/15, Foyers 3/3" in out
    assert "(2 tours d’attribution calculés, 2 tours d’attribution confirmés)" in out
    assert f"/api/proposals/{_proposal(demo, SetAllocationKey)}/acts" in out
    code, out = _cocagne(capsys, "rules", "--history", "--json", *_db(demo))
    assert code == 0
    rules = json.loads(out)["rules"]
    assert [rule["acts"] for rule in rules][1] == 4


def test_tally_shows_voters_over_members_per_college(
        demo: Demo, capsys: pytest.CaptureFixture[str]) -> None:
    """The closed vote's tally has a voters column per college."""
    code, out = _cocagne(capsys, "--lang", "en", "tally", _proposal(demo, SetAllocationKey),
                         *_db(demo))
    assert code == 0
    outlets = next(line for line in out.splitlines() if line.startswith("outlets"))
    assert "12/15" in outlets
    assert "80%" in outlets.replace(" ", "").replace("\u202f", "")
    code, out = _cocagne(capsys, "tally", _proposal(demo, SetAllocationKey), *_db(demo))
    assert code == 0
    structures = next(line for line in out.splitlines() if line.startswith("structures"))
    assert "12/15" in structures
