"""Signed checkpoints and the ``seal`` / ``checkpoint`` / ``verify`` commands.

A coordinator makes a signing key, seals the store and hands members checkpoint files; a
member later runs ``cocagne verify --from-checkpoint`` and learns whether the history they
are shown is still the one that was signed.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.audit.chain_stores import open_chain_store
from infra.audit.checkpoints import (
    KEY_FILE_VARIABLE,
    KEY_VARIABLE,
    CheckpointError,
    load_private_key,
    read_checkpoint,
)
from infra.cli.main import main as cli_main
from infra.ledger.ledger import Ledger
from infra.logs import configure_logging
from infra.store import StoreLocation
from tests.audit_export_scenario import build_recall_scenario


def main(arguments: list[str]) -> int:
    """Run ``cocagne`` quietly (warnings only)."""
    return cli_main(["--log-level", "warning", *arguments])


@pytest.fixture(autouse=True)
def _logging_back_to_stderr() -> Iterator[None]:
    """``main`` binds logs to the stream of the moment (captured here): rebind afterwards."""
    yield
    configure_logging("warning")


@pytest.fixture
def story(sqlite_store: StoreLocation) -> StoreLocation:
    """The recall story in an SQLite file."""
    ledger = Ledger(sqlite_store)
    build_recall_scenario(ledger)
    ledger.close()
    return sqlite_store


@pytest.fixture
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A signing key made by ``cocagne checkpoint keygen``, named in the environment."""
    path = tmp_path / "keys" / "checkpoint.pem"
    path.parent.mkdir()
    assert main(["checkpoint", "keygen", "--out", str(path)]) == 0
    monkeypatch.setenv(KEY_FILE_VARIABLE, str(path))
    return path


def db(location: StoreLocation) -> list[str]:
    """The ``--db`` arguments of a store."""
    return ["--db", str(location.sqlite_path)]


def test_keygen_writes_a_private_key_and_never_overwrites_it(
        key_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The key file is readable by its owner only, and a second keygen refuses to replace it."""
    assert os.stat(key_file).st_mode & 0o777 == 0o600
    capsys.readouterr()
    assert main(["--lang", "en", "checkpoint", "keygen", "--out", str(key_file)]) == 2
    assert "never overwritten" in capsys.readouterr().err


def test_checkpoint_then_verify_reproduces_it(story: StoreLocation, key_file: Path,
                                              tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """``checkpoint`` seals and signs; ``verify --from-checkpoint`` reproduces the head."""
    out_dir = tmp_path / "kept"
    assert main(["checkpoint", *db(story), "--out-dir", str(out_dir)]) == 0
    [path] = sorted(out_dir.glob("checkpoint-*.json"))
    checkpoint = read_checkpoint(path)
    ledger = Ledger(story)
    assert checkpoint.notification_id == ledger.recorder.max_notification_id()
    ledger.close()
    capsys.readouterr()
    assert main(["verify", *db(story), "--from-checkpoint", str(path)]) == 0
    output = capsys.readouterr().out
    assert "reproduced" in output
    assert "OK" in output


def test_verify_names_the_tampered_event_and_exits_1(story: StoreLocation, key_file: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """The command line names the first bad event: notification, stream, version, topic."""
    assert main(["seal", *db(story)]) == 0
    with sqlite3.connect(str(story.sqlite_path)) as connection:
        stream, version, topic = connection.execute(
            "SELECT originator_id, originator_version, topic FROM stored_events "
            "WHERE rowid = 25").fetchone()
        connection.execute("UPDATE stored_events SET state = X'00' WHERE rowid = 25")
    connection.close()
    capsys.readouterr()
    assert main(["verify", *db(story)]) == 1
    output = capsys.readouterr().out
    assert "FAILED: changed at notification 25" in output
    assert f"version {version}, topic {topic}" in output
    assert main(["verify", *db(story), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["finding"]["notification_id"] == 25
    assert report["finding"]["stream_id"].replace("-", "") == stream


def test_an_altered_checkpoint_is_refused(story: StoreLocation, key_file: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Editing a checkpoint file (to hide a truncation, say) breaks its signature."""
    assert main(["checkpoint", *db(story), "--out-dir", str(tmp_path)]) == 0
    [path] = sorted(tmp_path.glob("checkpoint-*.json"))
    fields = json.loads(path.read_text())
    fields["notification_id"] -= 5
    path.write_text(json.dumps(fields))
    with pytest.raises(CheckpointError, match="signature does not match"):
        read_checkpoint(path)
    capsys.readouterr()
    assert main(["verify", *db(story), "--from-checkpoint", str(path)]) == 2
    assert "signature does not match" in capsys.readouterr().err


def test_a_checkpoint_signed_by_another_key_is_refused_when_a_key_is_pinned(
        story: StoreLocation, key_file: Path, tmp_path: Path) -> None:
    """``--public-key`` pins the cooperative's key: a forger's own key is not trusted."""
    assert main(["checkpoint", *db(story), "--out-dir", str(tmp_path / "kept")]) == 0
    [path] = sorted((tmp_path / "kept").glob("checkpoint-*.json"))
    other = tmp_path / "other.pem"
    assert main(["checkpoint", "keygen", "--out", str(other)]) == 0
    assert main(["verify", *db(story), "--from-checkpoint", str(path),
                 "--public-key", str(key_file)]) == 0
    assert main(["verify", *db(story), "--from-checkpoint", str(path),
                 "--public-key", str(other)]) == 2


def test_the_key_can_come_from_an_environment_value(
        story: StoreLocation, key_file: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``COCAGNE_CHECKPOINT_KEY`` holds the PEM itself, for secret stores."""
    monkeypatch.delenv(KEY_FILE_VARIABLE)
    monkeypatch.setenv(KEY_VARIABLE, key_file.read_text())
    assert load_private_key().public_key() == load_private_key(key_file).public_key()
    assert main(["checkpoint", *db(story), "--out-dir", str(tmp_path / "kept")]) == 0
    monkeypatch.delenv(KEY_VARIABLE)
    with pytest.raises(CheckpointError, match="no checkpoint key"):
        load_private_key()


def test_seal_follow_seals_and_writes_periodic_checkpoints(
        story: StoreLocation, key_file: Path, tmp_path: Path) -> None:
    """The following sealer chains everything and leaves a checkpoint behind."""
    assert main(["seal", *db(story), "--follow", "--rounds", "2", "--interval-s", "0",
                 "--checkpoint-dir", str(tmp_path / "kept"), "--checkpoint-every-s", "0"]) == 0
    files = sorted((tmp_path / "kept").glob("checkpoint-*.json"))
    assert files
    chain = open_chain_store(story)
    head = chain.head()
    chain.close()
    assert head is not None
    assert read_checkpoint(files[-1]).head == head.link.hex()


def test_verify_refuses_a_missing_store(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """Verifying a file that is not there is an error, not a silent new empty store."""
    assert main(["--lang", "en", "verify", "--db", str(tmp_path / "absent.db")]) == 2
    assert "no event store" in capsys.readouterr().err
    assert not (tmp_path / "absent.db").exists()
