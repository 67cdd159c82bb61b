"""The governance command line: propose, vote, close, tally, rules and balances.

Runs ``cocagne`` in-process against a real SQLite file prepared by the shared builders.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.governance import College
from infra.cli.main import main
from infra.ledger.ledger import Ledger
from infra.store import StoreLocation
from tests.governance_support import Governed, at, governed_territory


@pytest.fixture
def governed(sqlite_store: StoreLocation) -> Iterator[tuple[Governed, Path]]:
    """A governed territory in an SQLite file, and the file's path."""
    ledger = Ledger(sqlite_store)
    try:
        yield governed_territory(ledger), Path(str(sqlite_store.sqlite_path))
    finally:
        ledger.close()


def _cocagne(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str]:
    code = main(["--log-level", "warning", *arguments])
    return code, capsys.readouterr().out


def test_a_proposal_goes_from_the_command_line_to_the_rules_in_force(
        governed: tuple[Governed, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """Propose, vote (and change a vote), close, recount, then read the rules and balances."""
    gov, path = governed
    db = ["--db", str(path)]
    payload = json.dumps({"kind": "set_allocation_key", "key": "proportional_to_households",
                          "minimum_share_bp": 500})
    code, out = _cocagne(capsys, "propose", *db, "--actor",
                         str(gov.seats[College.OUTLETS][0]), "--title", "Clé au prorata",
                         "--payload", payload, "--opens-at", at(0).isoformat(), "--closes-at",
                         at(4, 18).isoformat(), "--effective-from", "2026-03-09", "--at",
                         at(0).isoformat(), "--json")
    assert code == 0
    proposal_id = json.loads(out)["stream_id"]
    for college in (College.OUTLETS, College.HOUSEHOLDS, College.EMPLOYEES):
        for member_id in gov.seats[college]:
            code, _ = _cocagne(capsys, "vote", proposal_id, *db, "--actor", str(member_id),
                               "--choice", "no", "--at", at(1).isoformat())
            assert code == 0
            code, _ = _cocagne(capsys, "vote", proposal_id, *db, "--actor", str(member_id),
                               "--choice", "yes", "--at", at(2).isoformat())
            assert code == 0
    code, _ = _cocagne(capsys, "vote", proposal_id, *db, "--actor", str(gov.outsider_id),
                       "--choice", "yes", "--at", at(2).isoformat())
    assert code == 1, "a member in no college is refused"
    code, out = _cocagne(capsys, "close", proposal_id, *db, "--actor",
                         str(gov.coordinator_id), "--at", at(5).isoformat())
    assert code == 0
    assert "adopted: weighted yes" in out
    assert "one member, one vote: 6 yes, 0 no" in out
    code, out = _cocagne(capsys, "tally", proposal_id, *db)
    assert (code, "recount from the events: identical" in out) == (0, True)
    code, out = _cocagne(capsys, "rules", *db, "--as-of", "2026-03-08")
    assert "none voted" in out
    code, out = _cocagne(capsys, "rules", *db, "--as-of", "2026-03-09", "--json")
    [rule] = json.loads(out)["rules"]
    assert (rule["kind"], rule["decision_id"]) == ("allocation_key", proposal_id)
    code, out = _cocagne(capsys, "balances", *db, "--fold", "--json")
    assert (code, json.loads(out)["total_cents"]) == (0, 0)
