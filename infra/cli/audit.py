"""Audit and export subcommands: ``seal``, ``checkpoint``, ``verify``, ``export …``.

- ``cocagne seal [--follow]``: chain every stored event not yet sealed (``--follow`` keeps
  following the store, writing a signed checkpoint every ``--checkpoint-every-s``).
- ``cocagne checkpoint``: seal, then sign the chain head into a JSON file members keep;
  ``cocagne checkpoint keygen --out FILE`` makes the Ed25519 signing key.
- ``cocagne verify [--from-checkpoint FILE]``: recompute the chain and name the first event
  that no longer matches; exit code 1 when one does.
- ``cocagne export epcis|trace|register|funder-report``: the standard exports.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import msgspec

from infra.audit.chain import ChainError, Sealer, open_chain_store
from infra.audit.checkpoints import (
    CheckpointError,
    generate_key_file,
    key_id,
    load_private_key,
    load_public_key,
    make_checkpoint,
    raw_public_key,
    read_checkpoint,
    write_checkpoint,
)
from infra.audit.verify import verify
from infra.cli.support import add_store_arguments, store_from_arguments
from infra.exports.history import HistoryError
from infra.exports.tables import Format, Language
from infra.logs import get_logger
from infra.reader import Reader
from infra.store import StoreLocation

DEFAULT_CHECKPOINT_DIR = Path("var/checkpoints")
FOLLOW_INTERVAL_S = 2.0
"""Polling period of ``seal --follow``: events are sealed within seconds of being stored."""
CHECKPOINT_EVERY_S = 3600.0
"""One signed checkpoint an hour by default: a member keeping them loses at most an hour."""

log = get_logger("cocagne.audit")


def _store(arguments: argparse.Namespace) -> StoreLocation:
    location: StoreLocation = store_from_arguments(arguments)
    return location


def _write(arguments: argparse.Namespace, data: bytes) -> None:
    out = getattr(arguments, "out", None)
    if out is None or str(out) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    Path(out).write_bytes(data)
    print(f"wrote {len(data)} bytes to {out}", file=sys.stderr)


def _guarded(handler: Callable[[argparse.Namespace], int]
             ) -> Callable[[argparse.Namespace], int]:
    """Turn the audit and export errors into a message and exit code 2."""
    def run(arguments: argparse.Namespace) -> int:
        try:
            return handler(arguments)
        except (ChainError, CheckpointError, HistoryError, ValueError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    return run


def register(subparsers: Any) -> None:
    """Add the audit and export subcommands."""

    seal = subparsers.add_parser(
        "seal", help="extend the hash chain over newly stored events",
        description="Chain every stored event not yet sealed into event_chain.")
    add_store_arguments(seal)
    seal.add_argument("--follow", action="store_true",
                      help="keep following the store until interrupted")
    seal.add_argument("--interval-s", type=float, default=FOLLOW_INTERVAL_S,
                      help=f"polling period with --follow (default {FOLLOW_INTERVAL_S})")
    seal.add_argument("--rounds", type=int, default=None,
                      help="with --follow: stop after this many polls (default: never)")
    seal.add_argument("--checkpoint-dir", type=Path, default=None,
                      help="with --follow: write signed checkpoints into this directory")
    seal.add_argument("--checkpoint-every-s", type=float, default=CHECKPOINT_EVERY_S,
                      help=f"with --checkpoint-dir: seconds between checkpoints "
                           f"(default {CHECKPOINT_EVERY_S:.0f})")
    seal.add_argument("--key-file", type=Path, default=None,
                      help="Ed25519 private key (default $COCAGNE_CHECKPOINT_KEY_FILE)")
    seal.set_defaults(func=_guarded(run_seal))

    checkpoint = subparsers.add_parser(
        "checkpoint", help="seal, then sign the chain head into a checkpoint file",
        description="Seal, then write a signed checkpoint of the chain head. "
                    "`cocagne checkpoint keygen --out FILE` makes a signing key.")
    add_store_arguments(checkpoint)
    checkpoint.add_argument("--key-file", type=Path, default=None,
                            help="Ed25519 private key (default $COCAGNE_CHECKPOINT_KEY_FILE "
                                 "or $COCAGNE_CHECKPOINT_KEY)")
    checkpoint.add_argument("--out-dir", type=Path, default=DEFAULT_CHECKPOINT_DIR,
                            help=f"directory for the file (default {DEFAULT_CHECKPOINT_DIR})")
    checkpoint.add_argument("--no-seal", action="store_true",
                            help="sign the current head without sealing new events first")
    checkpoint.set_defaults(func=_guarded(run_checkpoint))
    actions = checkpoint.add_subparsers(dest="checkpoint_action", metavar="ACTION")
    keygen = actions.add_parser("keygen", help="write a new Ed25519 signing key")
    keygen.add_argument("--out", type=Path, required=True,
                        help="private key file to create (PEM, mode 600; never overwritten)")
    keygen.set_defaults(func=_guarded(run_keygen))

    check = subparsers.add_parser(
        "verify", help="recompute the hash chain and name the first event that fails",
        description="Recompute the chain from the stored events; compare it with event_chain "
                    "and with kept checkpoints. Exit code 0: intact; 1: tampered; 2: error.")
    add_store_arguments(check)
    check.add_argument("--from-checkpoint", type=Path, action="append", default=[],
                       metavar="FILE", help="a kept checkpoint file (repeatable)")
    check.add_argument("--public-key", type=Path, default=None,
                       help="only trust checkpoints signed by this key (PEM or base64)")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.set_defaults(func=_guarded(run_verify))

    export = subparsers.add_parser("export", help="EPCIS, recall spreadsheet, registers, "
                                                  "funder reports")
    kinds = export.add_subparsers(dest="export_kind", metavar="KIND")
    kinds.required = True

    epcis = kinds.add_parser("epcis", help="GS1 EPCIS 2.0 JSON-LD document")
    add_store_arguments(epcis)
    scope = epcis.add_mutually_exclusive_group()
    scope.add_argument("--lot", help="a lot code: the lot, its parents and descendants")
    scope.add_argument("--from", dest="start", help="period start (date or ISO date-time)")
    epcis.add_argument("--to", dest="end", help="period end (a date is included whole)")
    epcis.add_argument("--out", default="-", help="file to write (default: stdout)")
    epcis.set_defaults(func=_guarded(run_export_epcis))

    trace = kinds.add_parser("trace", help="FSMA 204 sortable spreadsheet of one lot")
    add_store_arguments(trace)
    trace.add_argument("lot", help="lot code")
    _add_table_arguments(trace, default_format=Format.XLSX)
    trace.set_defaults(func=_guarded(run_export_trace))

    register_parser = kinds.add_parser(
        "register", help="one step back, one step forward (EU 178/2002 art. 18)")
    add_store_arguments(register_parser)
    register_parser.add_argument("--member", required=True, help="member id or exact name")
    register_parser.add_argument("--from", dest="start", required=True, type=date.fromisoformat,
                                 help="first day (YYYY-MM-DD)")
    register_parser.add_argument("--to", dest="end", required=True, type=date.fromisoformat,
                                 help="last day, included (YYYY-MM-DD)")
    _add_table_arguments(register_parser, default_format=Format.CSV)
    register_parser.set_defaults(func=_guarded(run_export_register))

    funder = kinds.add_parser("funder-report", help="a funder's commitments and what they "
                                                    "financed")
    add_store_arguments(funder)
    funder.add_argument("--funder", required=True, help="funder member id or exact name")
    funder.add_argument("--from", dest="start", required=True, type=date.fromisoformat,
                        help="first day (YYYY-MM-DD)")
    funder.add_argument("--to", dest="end", required=True, type=date.fromisoformat,
                        help="last day, included (YYYY-MM-DD)")
    _add_table_arguments(funder, default_format=Format.XLSX)
    funder.set_defaults(func=_guarded(run_export_funder_report))


def _add_table_arguments(parser: argparse.ArgumentParser, *, default_format: Format) -> None:
    parser.add_argument("--format", type=Format, choices=list(Format), default=default_format,
                        help=f"csv (UTF-8 with BOM, ';') or xlsx (default {default_format})")
    parser.add_argument("--lang", type=Language, choices=list(Language), default=Language.FR,
                        help="header language (default fr)")
    parser.add_argument("--out", default="-", help="file to write (default: stdout)")


# ------------------------------------------------------------------ sealing and checkpoints


def run_seal(arguments: argparse.Namespace) -> int:
    """Seal once, or follow the store."""
    store = open_chain_store(_store(arguments))
    sealer = Sealer(store)
    try:
        if not arguments.follow:
            sealed = sealer.seal()
            head = store.head()
            print(f"sealed {sealed} events; chain head: notification "
                  f"{head.notification_id if head else 0}")
            return 0
        key = load_private_key(arguments.key_file) if arguments.checkpoint_dir else None
        last_checkpoint = 0.0
        rounds = 0
        # A service loop: it runs until interrupted (or for --rounds polls); each poll seals
        # at most SEAL_BATCHES_PER_CALL_MAX bounded batches.
        while arguments.rounds is None or rounds < arguments.rounds:
            rounds += 1
            sealed = sealer.seal()
            if sealed:
                log.info("sealed", events=sealed)
            now = time.monotonic()
            if key is not None and now - last_checkpoint >= arguments.checkpoint_every_s:
                head = store.head()
                if head is not None:
                    path = write_checkpoint(make_checkpoint(store, key), arguments.checkpoint_dir)
                    log.info("checkpoint written", path=str(path),
                             notification_id=head.notification_id)
                last_checkpoint = now
            if arguments.rounds is None or rounds < arguments.rounds:
                time.sleep(arguments.interval_s)
        return 0
    finally:
        store.close()


def run_checkpoint(arguments: argparse.Namespace) -> int:
    """Seal, then sign the head."""
    key = load_private_key(arguments.key_file)
    store = open_chain_store(_store(arguments))
    try:
        if not arguments.no_seal:
            Sealer(store).seal()
        checkpoint = make_checkpoint(store, key)
        path = write_checkpoint(checkpoint, arguments.out_dir)
    finally:
        store.close()
    print(f"checkpoint {path}: {checkpoint.sequence} events up to notification "
          f"{checkpoint.notification_id}, head {checkpoint.head}, key {checkpoint.key_id}")
    return 0


def run_keygen(arguments: argparse.Namespace) -> int:
    """Write a new signing key and print its public half."""
    import base64  # noqa: PLC0415 - only this rarely used command needs it.

    try:
        public = generate_key_file(arguments.out)
    except FileExistsError:
        print(f"error: {arguments.out} exists; a signing key is never overwritten",
              file=sys.stderr)
        return 2
    print(f"private key written to {arguments.out} (keep it secret; set "
          f"COCAGNE_CHECKPOINT_KEY_FILE={arguments.out})")
    print(f"public key (base64, give it to members): "
          f"{base64.b64encode(raw_public_key(public)).decode()}")
    print(f"key id: {key_id(public)}")
    return 0


def run_verify(arguments: argparse.Namespace) -> int:
    """Verify the chain; exit 1 on the first mismatch."""
    trusted = load_public_key(arguments.public_key) if arguments.public_key else None
    kept = [(path, read_checkpoint(path, trusted)) for path in arguments.from_checkpoint]
    store = open_chain_store(_store(arguments))
    try:
        report = verify(store, kept)
    finally:
        store.close()
    if arguments.json:
        sys.stdout.buffer.write(msgspec.json.format(msgspec.json.encode(report)) + b"\n")
    else:
        print(report.describe())
        if report.unsealed and report.ok:
            print(f"note: {report.unsealed} events are not sealed yet (run `cocagne seal`)")
    return 0 if report.ok else 1


# ------------------------------------------------------------------------------ exports


def _history(arguments: argparse.Namespace) -> Reader:
    location = _store(arguments)
    if location.kind == "sqlite" and location.sqlite_path is not None and \
            not location.sqlite_path.exists():
        raise ChainError(f"no event store at {location.url}")
    return Reader(location)


def _export(arguments: argparse.Namespace, build: Callable[[Reader], bytes]) -> int:
    """Open the history, write what ``build`` makes of it, and close it."""
    history = _history(arguments)
    try:
        _write(arguments, build(history))
    finally:
        history.close()
    return 0


def run_export_epcis(arguments: argparse.Namespace) -> int:
    """Write the EPCIS document."""
    from infra.exports.epcis import export_epcis, parse_instant  # noqa: PLC0415

    start = parse_instant(arguments.start) if arguments.start else None
    end = parse_instant(arguments.end, end=True) if arguments.end else None
    return _export(arguments, lambda ledger: export_epcis(ledger, lot_code=arguments.lot,
                                                          start=start, end=end))


def run_export_trace(arguments: argparse.Namespace) -> int:
    """Write the recall spreadsheet."""
    from infra.exports.trace import export_trace  # noqa: PLC0415

    return _export(arguments, lambda ledger: export_trace(ledger, arguments.lot,
                                                          arguments.format, arguments.lang))


def run_export_register(arguments: argparse.Namespace) -> int:
    """Write the one-up, one-down register."""
    from infra.exports.register import export_register  # noqa: PLC0415

    return _export(arguments, lambda ledger: export_register(
        ledger, arguments.member, arguments.start, arguments.end, arguments.format,
        arguments.lang))


def run_export_funder_report(arguments: argparse.Namespace) -> int:
    """Write the funder report."""
    from infra.exports.funder import export_funder_report  # noqa: PLC0415

    return _export(arguments, lambda ledger: export_funder_report(
        ledger, arguments.funder, arguments.start, arguments.end, arguments.format,
        arguments.lang))
