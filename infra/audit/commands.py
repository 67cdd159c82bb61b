"""The audit subcommands' logic: ``verify`` (a database or an exported file) and
``export history``. The ``cocagne`` parser adds them with ``register_verify`` and
``register_export_history``; each handler takes the parsed arguments and returns the exit
code: 0 verified, 1 tampered or not fully verified, 2 an error (unreadable key, no store…).

- ``cocagne verify [--db FILE | --database-url URL] [--from-checkpoint FILE]…
  [--public-key KEY] [--json]``: recompute the store's chain, also against the signed
  checkpoints kept in the store (``--no-kept-checkpoints`` to skip them);
- ``cocagne verify --file EXPORT [--public-key KEY]``: the same on an exported history,
  with no database and no server;
- ``cocagne export history [--member M] [--out FILE]``: the stored events with their
  links and the latest signed checkpoint (one member's history with ``--member``).
"""

from __future__ import annotations

import argparse
import base64
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any
from uuid import UUID

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from domain.members import Member
from infra.application import Ledger
from infra.audit.chain import CHECKPOINTS_LISTED_MAX, ChainError, DatabaseChainStore
from infra.audit.chain import open_chain_store as open_chain
from infra.audit.checkpoints import (
    Checkpoint,
    CheckpointError,
    decode_checkpoint,
    load_public_key,
    raw_public_key,
    read_checkpoint,
)
from infra.audit.history_file import (
    FileChainStore,
    HistoryFileError,
    read_header,
    verify_file,
    write_history,
)
from infra.audit.verify import Finding, VerifyReport, verify
from infra.cli import add_store_arguments, store_from_arguments
from infra.store import StoreLocation

MEMBER_PAGES_MAX = 1_000
"""Pages of 1,000 member registrations read to find a member by name: a million members."""
MEMBER_PAGE_SIZE = 1_000


def _guarded(handler: Callable[[argparse.Namespace], int]
             ) -> Callable[[argparse.Namespace], int]:
    """Errors that stop the command before any verdict: a message and exit code 2."""
    def run(arguments: argparse.Namespace) -> int:
        try:
            return handler(arguments)
        except (ChainError, CheckpointError, HistoryFileError, OSError) as error:
            sys.stderr.write(f"error: {error}\n")
            return 2
    return run


# ------------------------------------------------------------------------------ verify


def register_verify(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``verify`` (it replaces the earlier one of ``infra.cli_audit``)."""
    check: argparse.ArgumentParser = subparsers.add_parser(
        "verify", help="recompute the hash chain of the store or of an exported history",
        description="Recompute the chain from the stored events (or from an exported history "
                    "with --file, no database needed); compare it with its links and with "
                    "signed checkpoints. Exit code 0: every event read was checked and "
                    "matches; 1: an event was changed, removed or inserted, or some events "
                    "are not sealed; 2: error.")
    add_store_arguments(check)
    check.add_argument("--file", type=Path, default=None, metavar="EXPORT",
                       help="an exported history (cocagne export history) instead of a store")
    check.add_argument("--from-checkpoint", type=Path, action="append", default=[],
                       metavar="FILE", help="a kept checkpoint file (repeatable)")
    check.add_argument("--public-key", type=Path, default=None, metavar="KEY",
                       help="only trust checkpoints signed by this key (PEM or base64), as "
                            "published at /api/checkpoints/public-key")
    check.add_argument("--no-kept-checkpoints", action="store_true",
                       help="do not check the signed checkpoints kept in the store")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.set_defaults(func=_guarded(run_verify))
    return check


def run_verify(arguments: argparse.Namespace) -> int:
    """Verify a store or an exported file; 0 only when every event read was checked."""
    trusted = load_public_key(arguments.public_key) if arguments.public_key else None
    kept = [(path, read_checkpoint(path, trusted)) for path in arguments.from_checkpoint]
    if arguments.file is not None:
        report = verify_file(arguments.file, trusted)
        if kept:
            report = _with_finding(report, _file_checkpoints(arguments.file, kept))
    else:
        report = verify_store(store_from_arguments(arguments), kept, trusted,
                              use_kept=not arguments.no_kept_checkpoints)
    print_report(report, as_json=arguments.json)
    return 0 if report.ok else 1


def verify_store(location: StoreLocation, kept: list[tuple[Path, Checkpoint]],
                 trusted: Ed25519PublicKey | None, *, use_kept: bool = True) -> VerifyReport:
    """Verify a database, against the given checkpoints and those kept in it."""
    store = open_chain(location)
    try:
        stored, finding, notes = _stored_checkpoints(store, trusted) if use_kept else ([], None,
                                                                                       [])
        report = verify(store, [*kept, *stored])
    finally:
        store.close()
    report = msgspec.structs.replace(report, notes=[*report.notes, *notes])
    return _with_finding(report, finding)


def _stored_checkpoints(store: DatabaseChainStore, trusted: Ed25519PublicKey | None
                        ) -> tuple[list[tuple[Path, Checkpoint]], Finding | None, list[str]]:
    """The checkpoints kept in the store: each signature checked, other keys set aside."""
    found: list[tuple[Path, Checkpoint]] = []
    other_keys = 0
    for document in store.read_checkpoints(CHECKPOINTS_LISTED_MAX):
        try:
            checkpoint = decode_checkpoint(document, name="a checkpoint kept in the store")
        except CheckpointError as error:
            return found, Finding(problem="bad_checkpoint", notification_id=None,
                                  detail=str(error)), []
        if trusted is not None and raw_public_key(trusted) != _raw_key(checkpoint):
            other_keys += 1
            continue
        found.append((Path(f"kept:{checkpoint.notification_id}"), checkpoint))
    notes = [f"{len(found)} signed checkpoint(s) kept in the store checked"] if found else []
    if other_keys:
        notes.append(f"{other_keys} kept checkpoint(s) signed by another key set aside")
    return found, None, notes


def _raw_key(checkpoint: Checkpoint) -> bytes:
    return base64.b64decode(checkpoint.public_key)


def _file_checkpoints(path: Path, kept: list[tuple[Path, Checkpoint]]) -> Finding | None:
    """Checkpoints a member kept, checked against an exported file's links."""
    header = read_header(path)
    store = FileChainStore(path, header)
    try:
        report = verify(store, kept)
    finally:
        store.close()
    return report.finding


def _with_finding(report: VerifyReport, finding: Finding | None) -> VerifyReport:
    if finding is None or report.finding is not None:
        return report
    return msgspec.structs.replace(report, ok=False, finding=finding)


def print_report(report: VerifyReport, *, as_json: bool, out: IO[str] | None = None) -> None:
    """The report for people, or as JSON."""
    stream = out or sys.stdout
    if as_json:
        stream.write(msgspec.json.format(msgspec.json.encode(report)).decode() + "\n")
    else:
        stream.write(report.describe() + "\n")
    stream.flush()


# ------------------------------------------------------------------------ export history


def register_export_history(kinds: Any) -> argparse.ArgumentParser:
    """Add ``export history`` under ``export``."""
    history: argparse.ArgumentParser = kinds.add_parser(
        "history", help="the stored events with their chain links and the latest signed "
                        "checkpoint, verifiable alone (cocagne verify --file)")
    add_store_arguments(history)
    history.add_argument("--member", default=None,
                         help="only the history that concerns this member (id or exact "
                              "name); other events are left out, their links kept")
    history.add_argument("--out", default="-", help="file to write (default: stdout)")
    history.set_defaults(func=_guarded(run_export_history))
    return history


def run_export_history(arguments: argparse.Namespace) -> int:
    """Write the history export."""
    location = store_from_arguments(arguments)
    if location.kind == "sqlite" and location.sqlite_path is not None and \
            not location.sqlite_path.exists():
        raise ChainError(f"no event store at {location.url}")
    member_id = resolve_member(location, arguments.member) if arguments.member else None
    store = open_chain(location)
    try:
        if str(arguments.out) == "-":
            summary = write_history(store, sys.stdout.buffer, member_id)
            sys.stdout.buffer.flush()
        else:
            with Path(arguments.out).open("wb") as out:
                summary = write_history(store, out, member_id)
    finally:
        store.close()
    signed = (f"signed checkpoint at notification {summary.checkpoint_notification_id}"
              if summary.checkpoint_notification_id else "no signed checkpoint yet")
    sys.stderr.write(
        f"history to notification {summary.head_notification_id}: {summary.events} events"
        + (f", {summary.outside_scope} outside the member's scope (links only)"
           if member_id else "") + f"; {signed}"
        + ("" if str(arguments.out) == "-" else f"; written to {arguments.out}") + "\n")
    return 0


def resolve_member(location: StoreLocation, reference: str) -> UUID:
    """A member's id from its id or exact name (opening the ledger, which seals any backlog)."""
    try:
        return UUID(reference)
    except ValueError:
        pass
    ledger = Ledger(location)
    try:
        matches: list[UUID] = []
        position = 1
        for _ in range(MEMBER_PAGES_MAX):
            page = ledger.recorder.select_notifications(position, MEMBER_PAGE_SIZE,
                                                        topics=[Member.Registered.TOPIC])
            for notification in page:
                event = ledger.mapper.to_domain_event(notification)
                if isinstance(event, Member.Registered) and event.name == reference:
                    matches.append(event.originator_id)
            if len(page) < MEMBER_PAGE_SIZE:
                break
            position = page[-1].id + 1
    finally:
        ledger.close()
    if len(matches) != 1:
        raise ChainError(f"{len(matches)} members are named {reference!r}: give the member id")
    return matches[0]
