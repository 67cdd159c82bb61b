"""Verify alone: the history export is checked with no database and no server.

An auditor exports the recall story (every event with its link and the latest signed
checkpoint), then anyone holding the cooperative's public key verifies the file. Each kind
of tampering with the file — a flipped byte, a deleted event, two swapped events, a cut
tail — is named by the event it hits. A member's export holds the streams that concern it
and only the links of the others. The same through the ``cocagne`` subcommands.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain import commands as c
from domain.members import MemberKind
from infra.audit.chain_stores import open_chain_store
from infra.audit.checkpoints import keep_checkpoint, make_checkpoint, public_key_pem
from infra.audit.history_check import verify_file
from infra.audit.history_file import write_history
from infra.audit.verify import VerifyReport
from infra.cli.main import main as cocagne_main
from infra.ledger.ledger import Ledger
from infra.logs import configure_logging
from infra.store import UNSEALED_ENV, StoreLocation
from tests.audit_export_scenario import Scenario, build_recall_scenario


@dataclass
class Exported:
    """A store, its export, and the key that signed the export's checkpoint."""

    location: StoreLocation
    path: Path
    key: Ed25519PrivateKey
    scenario: Scenario
    total: int

    def lines(self) -> list[dict[str, Any]]:
        """The file's lines, decoded (the header first)."""
        return [json.loads(line) for line in self.path.read_text().splitlines()]

    def write(self, lines: list[dict[str, Any]]) -> None:
        """Write lines back, as a tamperer would."""
        self.path.write_text("".join(json.dumps(line) + "\n" for line in lines))

    def event(self, lines: list[dict[str, Any]], notification_id: int) -> dict[str, Any]:
        """The line of one event."""
        return next(line for line in lines[1:] if line["notification_id"] == notification_id)

    def verify(self) -> VerifyReport:
        """Verify the file with the published key."""
        return verify_file(self.path, self.key.public_key())


def export(location: StoreLocation, path: Path, member_id: UUID | None = None) -> None:
    """Write the history export of a store."""
    chain = open_chain_store(location)
    try:
        with path.open("wb") as out:
            write_history(chain, out, member_id)
    finally:
        chain.close()


@pytest.fixture
def exported(store: StoreLocation, tmp_path: Path) -> Exported:
    """The recall story, a checkpoint of its head kept in the store, and its export."""
    ledger = Ledger(store)
    try:
        scenario = build_recall_scenario(ledger)
        total = ledger.recorder.max_notification_id()
    finally:
        ledger.close()
    key = Ed25519PrivateKey.generate()
    chain = open_chain_store(store)
    try:
        keep_checkpoint(chain, make_checkpoint(chain, key))
    finally:
        chain.close()
    path = tmp_path / "historique.jsonl"
    export(store, path)
    return Exported(store, path, key, scenario, total)


def assert_names(report: VerifyReport, problem: str, line: dict[str, Any]) -> None:
    """The report's finding names this event of the file."""
    assert not report.ok
    assert report.finding is not None, report.describe()
    assert report.finding.problem == problem, report.describe()
    assert report.finding.notification_id == line["notification_id"], report.describe()
    if "stream_id" in line and report.finding.stream_id is not None:
        assert (report.finding.stream_id, report.finding.version, report.finding.topic) == (
            line["stream_id"], line["version"], line["topic"])


def test_an_untouched_export_verifies_alone_with_every_event_checked(exported: Exported) -> None:
    """Every event of the file is recomputed, and the signed checkpoint reproduced."""
    report = exported.verify()
    assert report.ok, report.describe()
    assert report.sealed_checked == report.events_read == exported.total
    assert report.unsealed == report.outside_scope == 0
    assert [check.matched for check in report.checkpoints] == [True]
    header = exported.lines()[0]
    assert header["type"] == "cocagne-ledger/history-export"
    assert header["events"] == exported.total
    assert header["checkpoint"]["notification_id"] == exported.total


def test_the_readable_data_is_the_event(exported: Exported) -> None:
    """Each line carries its event readably: topic, stream and the fields of the act."""
    lines = exported.lines()
    offered = next(line for line in lines[1:] if line["topic"] == "lot.offered")
    assert offered["data"]["originator_id"] == offered["stream_id"]
    assert offered["data"]["product"]
    assert offered["data"]["context"]["command_id"].startswith("scenario-")


def test_a_flipped_byte_is_named(exported: Exported) -> None:
    """One byte of one event's stored state changed in the file: that event is named."""
    lines = exported.lines()
    line = exported.event(lines, 40)
    state = bytearray(base64.b64decode(line["state"]))
    state[len(state) // 2] ^= 0x01
    line["state"] = base64.b64encode(bytes(state)).decode()
    exported.write(lines)
    assert_names(exported.verify(), "changed", line)


def test_a_flipped_character_of_the_raw_file_is_named(exported: Exported) -> None:
    """A character of the file itself changed, valid or not: the event on that line is named."""
    raw = exported.path.read_bytes().splitlines(keepends=True)
    target = next(index for index, line in enumerate(raw)
                  if b'"notification_id":33,' in line.replace(b" ", b""))
    start = raw[target].index(b'"state"') + len(b'"state": "') + 10
    for replacement, problem in ((b"Q" if raw[target][start:start + 1] != b"Q" else b"R",
                                  "changed"), (b"!", "unreadable")):
        edited = list(raw)
        edited[target] = raw[target][:start] + replacement + raw[target][start + 1:]
        exported.path.write_bytes(b"".join(edited))
        report = exported.verify()
        assert report.finding is not None
        assert (report.finding.problem, report.finding.notification_id) == (problem, 33), \
            report.describe()


def test_a_deleted_event_is_named(exported: Exported) -> None:
    """A whole line removed (event and link): the gap in chain positions names it."""
    lines = exported.lines()
    removed = exported.event(lines, 30)
    exported.write([line for line in lines if line is not removed])
    report = exported.verify()
    assert_names(report, "missing", removed)
    assert report.finding is not None
    assert "chain position 30 (1 event, between notification 29 and notification 31)" in \
        report.finding.detail


def test_two_swapped_events_are_named(exported: Exported) -> None:
    """Two events exchanged between lines (links left in place): the first is named."""
    lines = exported.lines()
    first, second = exported.event(lines, 20), exported.event(lines, 50)
    for field in ("stream_id", "version", "topic", "state", "data"):
        first[field], second[field] = second[field], first[field]
    exported.write(lines)
    report = exported.verify()
    assert_names(report, "changed", first)


def test_two_swapped_states_are_named_as_moved(exported: Exported) -> None:
    """Only the stored bytes exchanged: named, and the detail says whose bytes it now holds."""
    lines = exported.lines()
    first, second = exported.event(lines, 20), exported.event(lines, 50)
    for field in ("state", "data"):
        first[field], second[field] = second[field], first[field]
    exported.write(lines)
    report = exported.verify()
    assert_names(report, "changed", first)
    assert report.finding is not None
    assert "swapped" in report.finding.detail
    assert f"stream {second['stream_id']} version {second['version']}" in report.finding.detail


def test_a_truncated_tail_is_named(exported: Exported) -> None:
    """The last lines cut off: the signed checkpoint names the first event gone."""
    lines = exported.lines()
    cut = exported.total - 10
    exported.write(lines[:cut + 1])
    report = exported.verify()
    assert report.finding is not None
    assert (report.finding.problem, report.finding.notification_id) == ("truncated", cut + 1)


def test_a_truncated_tail_without_checkpoint_is_named_by_the_header(exported: Exported) -> None:
    """With no checkpoint in the file, the head it declares still names a cut tail."""
    lines = exported.lines()
    lines[0]["checkpoint"] = None
    cut = exported.total - 5
    exported.write(lines[:cut + 1])
    report = verify_file(exported.path)
    assert report.finding is not None
    assert (report.finding.problem, report.finding.notification_id) == ("truncated", cut + 1)


def test_edited_readable_data_is_named(exported: Exported) -> None:
    """The readable copy changed while the bytes stay: named, never shown as verified."""
    lines = exported.lines()
    line = next(line for line in lines[1:] if line["topic"] == "lot.offered")
    line["data"]["quantity_g"] = line["data"]["quantity_g"] * 10
    exported.write(lines)
    report = exported.verify()
    assert_names(report, "changed", line)
    assert report.finding is not None
    assert "readable" in report.finding.detail


def test_a_checkpoint_by_another_key_or_none_fails(exported: Exported) -> None:
    """The published key is pinned: another key's checkpoint, or none at all, fails."""
    report = verify_file(exported.path, Ed25519PrivateKey.generate().public_key())
    assert report.finding is not None
    assert report.finding.problem == "bad_checkpoint"
    lines = exported.lines()
    lines[0]["checkpoint"] = None
    exported.write(lines)
    report = exported.verify()
    assert report.finding is not None
    assert report.finding.problem == "unsigned"


def test_a_rewritten_history_does_not_reproduce_the_signed_checkpoint(exported: Exported) -> None:
    """Events and links rewritten consistently (a forger's best): the checkpoint says no."""
    from infra.audit.chain import GENESIS_LINK, compute_link  # noqa: PLC0415
    from infra.audit.history_check import _parse_line  # noqa: PLC0415 - the file's own reader.

    lines = exported.lines()
    target = exported.event(lines, 45)
    target["topic"] = "lot.lost"
    previous = GENESIS_LINK
    for line in lines[1:]:  # Recompute every link after the edit.
        _, row, _ = _parse_line(json.dumps(line).encode())
        assert row is not None
        previous = compute_link(previous, row)
        line["link"] = previous.hex()
    lines[0]["head"]["link"] = previous.hex()
    checkpoint = lines[0]["checkpoint"]
    lines[0]["checkpoint"] = None
    exported.write(lines)
    assert verify_file(exported.path).ok  # Without its checkpoint, consistent with itself…
    lines[0]["checkpoint"] = checkpoint
    exported.write(lines)
    report = exported.verify()  # …but it no longer reproduces what the cooperative signed.
    assert report.finding is not None
    assert report.finding.problem == "checkpoint_mismatch"


def test_a_members_export_holds_the_streams_that_concern_it(exported: Exported,
                                                             tmp_path: Path) -> None:
    """Garden A's export: its own lots and acts whole; other events as links only."""
    path = tmp_path / "jardin-a.jsonl"
    export(exported.location, path, exported.scenario.garden_a)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    header, events = lines[0], lines[1:]
    assert header["scope"] == {"kind": "member", "member_id": str(exported.scenario.garden_a)}
    full = [line for line in events if not line.get("outside_scope")]
    assert len(events) == exported.total
    assert 0 < len(full) < exported.total == header["events"] + header["outside_scope"]
    streams = {line["stream_id"] for line in full}
    assert str(exported.scenario.garden_a) in streams
    assert str(exported.scenario.carrots_a) in streams
    assert str(exported.scenario.squash) in streams
    assert str(exported.scenario.carrots_b) not in streams  # Garden B's lot.
    assert all(set(line) == {"notification_id", "sequence", "link", "outside_scope"}
               for line in events if line.get("outside_scope"))
    report = verify_file(path, exported.key.public_key())
    assert report.ok, report.describe()
    assert (report.sealed_checked, report.outside_scope) == (len(full), exported.total - len(full))
    assert "taken as given" in report.describe()
    line = full[3]
    state = bytearray(base64.b64decode(line["state"]))
    state[-1] ^= 0x01
    line["state"] = base64.b64encode(bytes(state)).decode()
    path.write_text("".join(json.dumps(item) + "\n" for item in lines))
    assert_names(verify_file(path, exported.key.public_key()), "changed", line)


# ------------------------------------------------------------------- the subcommands


@pytest.fixture(autouse=True)
def _logging_back_to_stderr() -> Iterator[None]:
    """``main`` binds logs to the stream of the moment (captured here): rebind afterwards."""
    yield
    configure_logging("warning")


def cocagne(arguments: list[str]) -> int:
    """Run ``cocagne`` quietly (warnings only), in English (the messages checked below)."""
    code: int = cocagne_main(["--lang", "en", "--log-level", "warning", *arguments])
    return code


def store_arguments(location: StoreLocation) -> list[str]:
    """``--db`` or ``--database-url`` for a store."""
    if location.kind == "sqlite":
        return ["--db", str(location.sqlite_path)]
    return ["--database-url", location.url]


def test_export_then_verify_the_file_alone_by_command(exported: Exported, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """export history, then verify --file --public-key: 0; after an edit: 1, event named."""
    key_path = tmp_path / "cle-publique.pem"
    key_path.write_bytes(public_key_pem(exported.key.public_key()))
    out = tmp_path / "export.jsonl"
    assert cocagne(["export", "history", *store_arguments(exported.location),
                    "--out", str(out)]) == 0
    assert f"{exported.total} events" in capsys.readouterr().err
    assert cocagne(["verify", "--file", str(out), "--public-key", str(key_path)]) == 0
    assert f"OK: all {exported.total} events read match their links" in capsys.readouterr().out
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    lines[12]["topic"] = "lot.recalled"
    out.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert cocagne(["verify", "--file", str(out), "--public-key", str(key_path), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["finding"]["problem"], report["finding"]["notification_id"]) == (
        "changed", lines[12]["notification_id"])


def test_verify_by_command_checks_the_checkpoints_kept_in_the_store(
        exported: Exported, capsys: pytest.CaptureFixture[str]) -> None:
    """verify on the database also reproduces the signed checkpoints the store keeps."""
    assert cocagne(["verify", *store_arguments(exported.location)]) == 0
    output = capsys.readouterr().out
    assert "1 signed checkpoint(s) kept in the store checked" in output
    assert "reproduced" in output


def test_verify_by_command_fails_on_unsealed_events_with_their_count(
        store: StoreLocation, capsys: pytest.CaptureFixture[str]) -> None:
    """A store with events nothing vouches for is never reported verified: exit 1, count."""
    ledger = Ledger(store, env=UNSEALED_ENV)
    try:
        coordinator = ledger.execute(c.FoundCooperative(
            command_id="found", name="Coop", coordinator_name="Réseau")).stream_id
        ledger.execute(c.RegisterMember(command_id="member", actor_id=coordinator,
                                        name="Jardin", kind=MemberKind.PRODUCER))
        total = ledger.recorder.max_notification_id()
    finally:
        ledger.close()
    assert cocagne(["verify", *store_arguments(store)]) == 1
    output = capsys.readouterr().out
    assert f"not sealed: {total}" in output
    assert "NOT VERIFIED: unsealed at notification 1" in output
    assert f"{total} events from here on have no link" in output
