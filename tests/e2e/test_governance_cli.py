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


@pytest.fixture(autouse=True)
def french(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command speaks French: no locale variable asks for another language."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)


def _cocagne(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str]:
    code = main(["--log-level", "warning", *arguments])
    out = capsys.readouterr().out
    return code, out.replace("\u202f", " ").replace("\u00a0", " ")


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
    assert "adoptée : 100 % de pour pondérés, au-dessus de 50 %" in out
    assert "un membre, une voix : 6 pour, 0 contre" in out
    code, out = _cocagne(capsys, "tally", proposal_id, *db)
    assert (code, "recomptage depuis les événements : identique" in out) == (0, True)
    code, out = _cocagne(capsys, "tally", proposal_id, *db, "--json")
    answer = json.loads(out)
    assert code == 0
    assert (answer["proposal_id"], answer["status"]) == (proposal_id, "adopted")
    assert answer["recount_matches"] is True
    assert answer["tally"] == answer["recorded"]
    assert answer["tally"]["adopted"] is True
    code, out = _cocagne(capsys, "rules", *db, "--as-of", "2026-03-08")
    assert "aucune votée" in out
    code, out = _cocagne(capsys, "rules", *db, "--as-of", "2026-03-09", "--json")
    [rule] = json.loads(out)["rules"]
    assert (rule["kind"], rule["decision_id"]) == ("allocation_key", proposal_id)
    code, out = _cocagne(capsys, "balances", *db, "--fold", "--json")
    assert (code, json.loads(out)["total_cents"]) == (0, 0)


HOSTILE_PAYLOADS = {
    "invalid UTF-8": '{"kind": "set_allocation_key", "key": "caf\udce9"}',
    "nested 100,000 deep": '{"kind": ' + "[" * 100_000 + "]" * 100_000 + "}",
    "a key twice": '{"kind": "set_allocation_key", "kind": "commit_budget"}',
    "NaN": '{"kind": "set_allocation_key", "key": "proportional_to_needs", '
           '"minimum_share_bp": NaN}',
    "an integer beyond 64 bits": '{"kind": "set_allocation_key", "key": '
                                 '"proportional_to_needs", "minimum_share_bp": '
                                 '99999999999999999999999}',
    "a lone surrogate": '{"kind": "set_allocation_key", "key": "\\ud800"}',
    "a string for a number": '{"kind": "set_allocation_key", "key": "proportional_to_needs", '
                             '"minimum_share_bp": "500"}',
    "an integer past its bound": '{"kind": "set_allocation_key", "key": '
                                 '"proportional_to_needs", "minimum_share_bp": 10001}',
    "unknown fields": '{"kind": "set_allocation_key", "key": "proportional_to_needs", '
                      '"colour": "red"}',
}


@pytest.mark.parametrize("kind", list(HOSTILE_PAYLOADS))
def test_a_hostile_payload_exits_non_zero_with_one_line_and_writes_nothing(
        governed: tuple[Governed, Path], capsys: pytest.CaptureFixture[str], kind: str) -> None:
    """The API's hostile inputs given to ``cocagne propose``: exit non-zero, one line on
    stderr naming the problem (asked in English, to read the line), nothing written."""
    gov, path = governed
    ledger = Ledger(StoreLocation(kind="sqlite", sqlite_path=path))
    before = ledger.recorder.max_notification_id()
    code = main(["--lang", "en", "--log-level", "warning", "propose", "--db", str(path), "--actor",
                 str(gov.seats[College.OUTLETS][0]), "--title", "Clé",
                 "--payload", HOSTILE_PAYLOADS[kind], "--opens-at", at(0).isoformat(),
                 "--closes-at", at(4, 18).isoformat(), "--at", at(0).isoformat()])
    captured = capsys.readouterr()
    assert code == 1, captured
    assert len(captured.err.strip().splitlines()) == 1, captured.err
    assert captured.err.startswith("refused (invalid_request): ")
    assert ledger.recorder.max_notification_id() == before
    ledger.close()


def test_a_bound_or_a_moment_outside_the_calendar_is_refused_in_one_line(
        governed: tuple[Governed, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """A quorum beyond 100 % (a usage error, exit 2) and an act in year 1 at +01:00 (refused,
    exit 1): one line each."""
    gov, path = governed
    common = ["--lang", "en", "--log-level", "warning", "propose", "--db", str(path), "--actor",
              str(gov.seats[College.OUTLETS][0]), "--title", "Clé", "--payload",
              '{"kind": "set_allocation_key", "key": "proportional_to_needs"}',
              "--opens-at", at(0).isoformat(), "--closes-at", at(4, 18).isoformat()]
    assert main([*common, "--quorum-bp", "10001", "--at", at(0).isoformat()]) == 2
    err = capsys.readouterr().err
    assert "quorum-bp" in err
    assert len(err.strip().splitlines()) == 1
    assert main([*common, "--at", "0001-01-01T00:00:00+01:00"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("refused (moment_outside_calendar): occurred_at")
    assert len(err.strip().splitlines()) == 1
