"""Audit and export subcommands: ``seal``, ``checkpoint``, ``verify``, ``export …``.

- ``cocagne seal [--follow]``: chain every stored event not yet sealed (``--follow`` keeps
  following the store, writing a signed checkpoint every ``--checkpoint-every-s``).
- ``cocagne checkpoint``: seal, then sign the chain head into a JSON file members keep;
  ``cocagne checkpoint keygen --out FILE`` makes the Ed25519 signing key.
- ``cocagne verify [--from-checkpoint FILE]… [--public-key KEY]``: recompute the chain
  (also against the signed checkpoints the store keeps) and name the first event that no
  longer matches; ``--file EXPORT`` does the same on an exported history, with no database.
  Exit code 0 only when every event read was checked and matches; 1 when one was changed,
  removed or inserted, or when some are not sealed; 2 on an error.
- ``cocagne export history [--member M]``: the stored events with their chain links and the
  latest signed checkpoint (``infra.audit.history_file``), verifiable alone.
- ``cocagne export epcis|trace|register|funder-report``: the standard exports; the report
  exports (``casf-register``, ``donation-attestation``, ``activity``) are
  ``infra.cli.reports``'.

Since issue 13 every event is sealed as it is written (``infra.audit.sealing``): ``seal``
only links events stored before sealing was on (a ledger opening such a store does it too).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from infra.cli.errors import EXIT_USAGE, CliError, one_line
from infra.cli.support import (
    add_store_arguments,
    bounded_int,
    parse_date,
    store_from_arguments,
)
from infra.cli.words import language, number, said, t
from infra.logs import get_logger

if TYPE_CHECKING:
    from infra.cli.support import CommandParser
    from infra.reader import Reader
    from infra.store import StoreLocation

DEFAULT_CHECKPOINT_DIR = Path("var/checkpoints")
FOLLOW_INTERVAL_S = 2.0
"""Polling period of ``seal --follow``: events are sealed within seconds of being stored."""
CHECKPOINT_EVERY_S = 3600.0
"""One signed checkpoint an hour by default: a member keeping them loses at most an hour."""
MEMBER_PAGES_MAX = 1_000
"""Pages of member registrations read to find a member by name: a million members."""
MEMBER_PAGE_SIZE = 1_000

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
    print(t("wrote {size} bytes to {path}", size=number(len(data)), path=out), file=sys.stderr)


def _guarded(handler: Callable[[argparse.Namespace], int]
             ) -> Callable[[argparse.Namespace], int]:
    """Turn the audit and export errors into one line and exit code 2."""
    def run(arguments: argparse.Namespace) -> int:
        # Start-up time: the audit and export modules load with their commands.
        from infra.audit.chain import ChainError  # noqa: PLC0415
        from infra.audit.checkpoints import CheckpointError  # noqa: PLC0415
        from infra.audit.history_file import HistoryFileError  # noqa: PLC0415
        from infra.exports.history import HistoryError  # noqa: PLC0415

        try:
            return handler(arguments)
        except HistoryError as error:
            raise CliError(t("error: {error}", error=one_line(said(error.template,
                                                                   error.fields))),
                           EXIT_USAGE) from error
        # A missing or unreadable file (OSError) is explained by the command line's own
        # handler (infra.cli.errors), in the reader's words.
        except (ChainError, CheckpointError, HistoryFileError, ValueError) as error:
            raise CliError(t("error: {error}", error=one_line(error)), EXIT_USAGE) from error
    return run


def register(subparsers: Any) -> None:
    """Add the audit and export subcommands."""
    subparsers.add_parser(
        "seal", help=t("extend the hash chain over newly stored events"),
        description=t("Chain every stored event not yet sealed into event_chain."),
        build=_seal_options)
    subparsers.add_parser(
        "checkpoint", help=t("seal, then sign the chain head into a checkpoint file"),
        description=t("Seal, then write a signed checkpoint of the chain head. "
                      "`cocagne checkpoint keygen --out FILE` makes a signing key."),
        build=_checkpoint_options)
    subparsers.add_parser(
        "verify", help=t("recompute the hash chain of the store or of an exported history"),
        description=t("Recompute the chain from the stored events (or from an exported "
                      "history with --file, no database needed); compare it with its links "
                      "and with signed checkpoints. Exit code 0: every event read was checked "
                      "and matches; 1: an event was changed, removed or inserted, or some "
                      "events are not sealed; 2: error."),
        build=_verify_options)
    subparsers.add_parser(
        "export", help=t("EPCIS, recall spreadsheet, registers, funder reports"),
        description=t("EPCIS, recall spreadsheet, registers, funder reports"),
        build=_export_options)


def _seal_options(seal: CommandParser) -> None:
    add_store_arguments(seal)
    seal.add_argument("--follow", action="store_true",
                      help=t("keep following the store until interrupted"))
    seal.add_argument("--interval-s", type=float, default=FOLLOW_INTERVAL_S,
                      help=t("polling period with --follow (default {seconds})",
                             seconds=FOLLOW_INTERVAL_S))
    seal.add_argument("--rounds", type=bounded_int(1, sys.maxsize), default=None,
                      help=t("with --follow: stop after this many polls (default: never)"))
    seal.add_argument("--checkpoint-dir", type=Path, default=None, metavar=t("FOLDER"),
                      help=t("with --follow: write signed checkpoints into this directory"))
    seal.add_argument("--checkpoint-every-s", type=float, default=CHECKPOINT_EVERY_S,
                      help=t("with --checkpoint-dir: seconds between checkpoints "
                             "(default {seconds:.0f})", seconds=CHECKPOINT_EVERY_S))
    seal.add_argument("--key-file", type=Path, default=None, metavar=t("FILE"),
                      help=t("Ed25519 private key (default $COCAGNE_CHECKPOINT_KEY_FILE)"))
    seal.set_defaults(func=_guarded(run_seal), log_level_default="info")


def _checkpoint_options(checkpoint: CommandParser) -> None:
    add_store_arguments(checkpoint)
    checkpoint.add_argument("--key-file", type=Path, default=None, metavar=t("FILE"),
                            help=t("Ed25519 private key (default $COCAGNE_CHECKPOINT_KEY_FILE "
                                   "or $COCAGNE_CHECKPOINT_KEY)"))
    checkpoint.add_argument("--out-dir", type=Path, default=DEFAULT_CHECKPOINT_DIR,
                            metavar=t("FOLDER"),
                            help=t("directory for the file (default {path})",
                                   path=DEFAULT_CHECKPOINT_DIR))
    checkpoint.add_argument("--no-seal", action="store_true",
                            help=t("sign the current head without sealing new events first"))
    checkpoint.set_defaults(func=_guarded(run_checkpoint))
    actions = checkpoint.add_subparsers(dest="checkpoint_action", metavar=t("ACTION"),
                                        title=t("actions"))
    keygen = actions.add_parser("keygen", help=t("write a new Ed25519 signing key"))
    keygen.add_argument("--out", type=Path, required=True, metavar=t("FILE"),
                        help=t("private key file to create (PEM, mode 600; never "
                               "overwritten)"))
    keygen.set_defaults(func=_guarded(run_keygen))


def _verify_options(check: CommandParser) -> None:
    add_store_arguments(check)
    check.add_argument("--file", type=Path, default=None, metavar=t("EXPORT"),
                       help=t("an exported history (cocagne export history) instead of a "
                              "store"))
    check.add_argument("--from-checkpoint", type=Path, action="append", default=[],
                       metavar=t("FILE"), help=t("a kept checkpoint file (repeatable)"))
    check.add_argument("--public-key", type=Path, default=None, metavar=t("KEY"),
                       help=t("only trust checkpoints signed by this key (PEM or base64), as "
                              "published at /api/checkpoints/public-key"))
    check.add_argument("--no-stored-checkpoints", action="store_true",
                       help=t("do not check the signed checkpoints kept in the store"))
    check.add_argument("--json", action="store_true", help=t("print the report as JSON"))
    check.set_defaults(func=_guarded(run_verify))


def _export_options(export: CommandParser) -> None:
    # Start-up time: the report exports load with `export`.
    from infra.cli.reports import TABLE_KEYS, register_exports  # noqa: PLC0415

    kinds = export.add_subparsers(dest="export_kind", metavar=t("KIND"), title=t("kinds"))
    kinds.required = True

    history = kinds.add_parser(
        "history", help=t("the stored events with their chain links and the latest signed "
                          "checkpoint, verifiable alone (cocagne verify --file)"))
    add_store_arguments(history)
    history.add_argument("--member", default=None,
                         help=t("only the history that concerns this member (id or exact "
                                "name); other events are left out, their links kept"))
    history.add_argument("--out", default="-", metavar=t("FILE"),
                         help=t("file to write (default: stdout)"))
    history.set_defaults(func=_guarded(run_export_history))

    epcis = kinds.add_parser("epcis", help=t("GS1 EPCIS 2.0 JSON-LD document"))
    add_store_arguments(epcis)
    scope = epcis.add_mutually_exclusive_group()
    scope.add_argument("--lot", help=t("a lot code: the lot, its parents and descendants"))
    scope.add_argument("--from", dest="start", metavar=t("TIME"),
                       help=t("period start (date or ISO date-time)"))
    epcis.add_argument("--to", dest="end", metavar=t("TIME"),
                       help=t("period end (a date is included whole)"))
    epcis.add_argument("--out", default="-", metavar=t("FILE"),
                       help=t("file to write (default: stdout)"))
    epcis.set_defaults(func=_guarded(run_export_epcis))

    trace = kinds.add_parser("trace", help=t("FSMA 204 sortable spreadsheet of one lot"))
    add_store_arguments(trace)
    trace.add_argument("lot", metavar=t("LOT"), help=t("lot code"))
    _add_table_arguments(trace, default_format="xlsx")
    trace.set_defaults(func=_guarded(run_export_trace))

    register_parser = kinds.add_parser(
        "register", help=t("one step back, one step forward (EU 178/2002 art. 18)"))
    add_store_arguments(register_parser)
    register_parser.add_argument("--member", required=True,
                                 help=t("member id or exact name"))
    register_parser.add_argument("--from", dest="start", required=True, type=parse_date,
                                 metavar=t("DATE"), help=t("first day (YYYY-MM-DD)"))
    register_parser.add_argument("--to", dest="end", required=True, type=parse_date,
                                 metavar=t("DATE"), help=t("last day, included (YYYY-MM-DD)"))
    _add_table_arguments(register_parser, default_format="csv")
    register_parser.set_defaults(func=_guarded(run_export_register))

    funder = kinds.add_parser("funder-report",
                              help=t("a funder's commitments and what they financed"))
    add_store_arguments(funder)
    funder.add_argument("--funder", required=True, help=t("funder member id or exact name"))
    funder.add_argument("--from", dest="start", required=True, type=parse_date,
                        metavar=t("DATE"), help=t("first day (YYYY-MM-DD)"))
    funder.add_argument("--to", dest="end", required=True, type=parse_date,
                        metavar=t("DATE"), help=t("last day, included (YYYY-MM-DD)"))
    _add_table_arguments(funder, default_format="xlsx")
    funder.add_argument("--table", choices=TABLE_KEYS["funder-report"], default=None,
                        help=t("the table a CSV holds (default summary)"))
    funder.set_defaults(func=_guarded(run_export_funder_report))
    register_exports(kinds)


def _add_table_arguments(parser: argparse.ArgumentParser, *, default_format: str) -> None:
    from infra.exports.tables import Format, Language  # noqa: PLC0415 - start-up: openpyxl.

    parser.add_argument("--format", type=Format, choices=list(Format),
                        default=Format(default_format),
                        help=t("csv (UTF-8 with BOM, ';'), xlsx or pdf (A4) (default "
                               "{format})", format=default_format))
    # Headers follow the command's language (--lang before the command, or LANG) by default.
    parser.add_argument("--lang", type=Language, choices=list(Language),
                        default=Language(language()),
                        help=t("header language (default: the command's, {language})",
                               language=language()))
    parser.add_argument("--out", default="-", metavar=t("FILE"),
                        help=t("file to write (default: stdout)"))


# ------------------------------------------------------------------ sealing and checkpoints


def run_seal(arguments: argparse.Namespace) -> int:
    """Seal once, or follow the store."""
    # Start-up time: the chain (psycopg) and keys (cryptography) load for `seal` only.
    from infra.audit.chain import Sealer  # noqa: PLC0415
    from infra.audit.chain_stores import open_chain_store  # noqa: PLC0415
    from infra.audit.checkpoints import (  # noqa: PLC0415
        load_private_key,
        make_checkpoint,
        write_checkpoint,
    )
    store = open_chain_store(_store(arguments))
    sealer = Sealer(store)
    try:
        if not arguments.follow:
            sealed = sealer.seal()
            head = store.head()
            print(t("sealed {sealed} events; chain head: notification {head}",
                    sealed=number(sealed), head=head.notification_id if head else 0))
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
    # Start-up time: the chain (psycopg) and keys (cryptography) load for `checkpoint` only.
    from infra.audit.chain import Sealer  # noqa: PLC0415
    from infra.audit.chain_stores import open_chain_store  # noqa: PLC0415
    from infra.audit.checkpoints import (  # noqa: PLC0415
        load_private_key,
        make_checkpoint,
        write_checkpoint,
    )

    location = _store(arguments)
    key = load_private_key(arguments.key_file)
    store = open_chain_store(location)
    try:
        if not arguments.no_seal:
            Sealer(store).seal()
        checkpoint = make_checkpoint(store, key)
        path = write_checkpoint(checkpoint, arguments.out_dir)
    finally:
        store.close()
    print(t("checkpoint {path}: {events} events up to notification {notification}, head "
            "{head}, key {key}", path=path, events=number(checkpoint.sequence),
            notification=checkpoint.notification_id, head=checkpoint.head,
            key=checkpoint.key_id))
    return 0


def run_keygen(arguments: argparse.Namespace) -> int:
    """Write a new signing key and print its public half."""
    import base64  # noqa: PLC0415 - only this rarely used command needs it.

    # Start-up time: cryptography loads for `checkpoint keygen` only.
    from infra.audit.checkpoints import generate_key_file, key_id, raw_public_key  # noqa: PLC0415

    try:
        public = generate_key_file(arguments.out)
    except FileExistsError:
        raise CliError(t("{path} exists; a signing key is never overwritten",
                         path=arguments.out)) from None
    print(t("private key written to {path} (keep it secret; set "
            "COCAGNE_CHECKPOINT_KEY_FILE={path})", path=arguments.out))
    print(t("public key (base64, give it to members): {key}",
            key=base64.b64encode(raw_public_key(public)).decode()))
    print(t("key id: {key}", key=key_id(public)))
    return 0


def run_verify(arguments: argparse.Namespace) -> int:
    """Verify a store or an exported file; 0 only when every event read was checked."""
    # Start-up time: the chain (psycopg) and keys (cryptography) load for `verify` only.
    import msgspec  # noqa: PLC0415

    from infra.audit.checkpoints import load_public_key, read_checkpoint  # noqa: PLC0415
    from infra.audit.history_check import verify_file  # noqa: PLC0415
    from infra.audit.verify import verify_database  # noqa: PLC0415

    trusted = load_public_key(arguments.public_key) if arguments.public_key else None
    kept = [(path, read_checkpoint(path, trusted)) for path in arguments.from_checkpoint]
    if arguments.file is not None:
        report = verify_file(arguments.file, trusted, kept)
    else:
        report = verify_database(_store(arguments), kept, trusted,
                                 use_stored=not arguments.no_stored_checkpoints)
    if arguments.json:
        sys.stdout.buffer.write(msgspec.json.format(msgspec.json.encode(report)) + b"\n")
    else:
        print(report.describe())
    return 0 if report.ok else 1


# ------------------------------------------------------------------------------ exports


def _export(arguments: argparse.Namespace, build: Callable[[Reader], bytes]) -> int:
    """Open the history, write what ``build`` makes of it, and close it."""
    from infra.reader import Reader  # noqa: PLC0415 - start-up time: the store's reader.

    history = Reader(_store(arguments))
    try:
        _write(arguments, build(history))
    finally:
        history.close()
    return 0


def run_export_history(arguments: argparse.Namespace) -> int:
    """Write the history export (one member's with ``--member``)."""
    # Start-up time: the chain (psycopg) loads for `export history` only.
    from infra.audit.chain_stores import open_chain_store  # noqa: PLC0415
    from infra.audit.history_file import write_history  # noqa: PLC0415

    location = _store(arguments)
    member_id = _member_id(location, arguments.member) if arguments.member else None
    store = open_chain_store(location)
    try:
        if str(arguments.out) == "-":
            summary = write_history(store, sys.stdout.buffer, member_id)
            sys.stdout.buffer.flush()
        else:
            with Path(arguments.out).open("wb") as out:
                summary = write_history(store, out, member_id)
    finally:
        store.close()
    signed = (t("signed checkpoint at notification {notification}",
                notification=summary.checkpoint_notification_id)
              if summary.checkpoint_notification_id else t("no signed checkpoint yet"))
    scope = (t(", {count} outside the member's scope (links only)",
               count=number(summary.outside_scope)) if member_id else "")
    written = ("" if str(arguments.out) == "-"
               else t("; written to {path}", path=arguments.out))
    print(t("history to notification {head}: {events} events{scope}; {signed}{written}",
            head=summary.head_notification_id, events=number(summary.events), scope=scope,
            signed=signed, written=written), file=sys.stderr)
    return 0


def _member_id(location: StoreLocation, reference: str) -> UUID:
    """A member's id from its id or exact name."""
    from domain.members import Member  # noqa: PLC0415 - start-up time: the domain.
    from infra.reader import Reader  # noqa: PLC0415 - start-up time: the store's reader.

    try:
        return UUID(reference)
    except ValueError:
        pass
    reader = Reader(location)
    try:
        matches: list[UUID] = []
        position = 1
        for _ in range(MEMBER_PAGES_MAX):
            page = reader.recorder.select_notifications(position, MEMBER_PAGE_SIZE,
                                                        topics=[Member.Registered.TOPIC])
            for notification in page:
                event = reader.mapper.to_domain_event(notification)
                if isinstance(event, Member.Registered) and event.name == reference:
                    matches.append(event.originator_id)
            if len(page) < MEMBER_PAGE_SIZE:
                break
            position = page[-1].id + 1
    finally:
        reader.close()
    if len(matches) != 1:
        raise CliError(t("{count} members are named {name}: give the member id",
                         count=len(matches), name=repr(reference)), EXIT_USAGE)
    return matches[0]


def run_export_epcis(arguments: argparse.Namespace) -> int:
    """Write the EPCIS document."""
    from infra.exports.epcis import export_epcis, parse_instant  # noqa: PLC0415 - start-up.

    start = parse_instant(arguments.start) if arguments.start else None
    end = parse_instant(arguments.end, end=True) if arguments.end else None
    return _export(arguments, lambda ledger: export_epcis(ledger, lot_code=arguments.lot,
                                                          start=start, end=end))


def run_export_trace(arguments: argparse.Namespace) -> int:
    """Write the recall spreadsheet."""
    from infra.exports.trace import export_trace  # noqa: PLC0415 - start-up time.

    return _export(arguments, lambda ledger: export_trace(ledger, arguments.lot,
                                                          arguments.format, arguments.lang))


def run_export_register(arguments: argparse.Namespace) -> int:
    """Write the one-up, one-down register."""
    from infra.exports.register import export_register  # noqa: PLC0415 - start-up time.

    return _export(arguments, lambda ledger: export_register(
        ledger, arguments.member, arguments.start, arguments.end, arguments.format,
        arguments.lang))


def run_export_funder_report(arguments: argparse.Namespace) -> int:
    """Write the funder report."""
    from infra.cli.reports import now  # noqa: PLC0415 - start-up time.
    from infra.exports.funder_layout import export_funder_report  # noqa: PLC0415

    return _export(arguments, lambda ledger: export_funder_report(
        ledger, arguments.funder, arguments.start, arguments.end, arguments.format,
        arguments.lang, table_key=arguments.table, generated_at=now()))
