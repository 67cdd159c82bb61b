"""The report exports under ``cocagne export`` (issue 13), beside the standard ones of
``infra.cli.audit``:

- ``cocagne export casf-register --member M --from D --to D [--format csv|xlsx|pdf]``: the
  traceability register of an organisation authorised for food aid (CASF art. L266-2);
- ``cocagne export donation-attestation --donor D --year Y [--organisation O]``: a donor's
  yearly attestation (PDF, or its lines as CSV or XLSX);
- ``cocagne export activity --year Y [--programme P]``: a basket programme's activity (or
  the network's), as the network reports it.

``cocagne export funder-report`` (in ``infra.cli.audit``) takes ``--format pdf`` and
``--table`` too. CSV holds one table: ``--table`` names which.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from infra.cli.errors import EXIT_USAGE, CliError, one_line
from infra.cli.support import (
    add_store_arguments,
    bounded_int,
    parse_date,
    store_from_arguments,
)
from infra.cli.words import language, number, said, t
from infra.exports.activity import export_activity
from infra.exports.casf import export_casf_register
from infra.exports.donations import export_donation_attestation
from infra.exports.history import HistoryError
from infra.exports.tables import Format, Language
from infra.reader import Reader

TABLE_KEYS = {
    "casf-register": ("lines", "summary"),
    "activity": ("programmes", "months", "channels", "workshop-kinds", "workshops"),
    "funder-report": ("summary", "outlets", "quality", "operations"),
}


def add_report_arguments(parser: argparse.ArgumentParser, *, default_format: Format,
                         tables: tuple[str, ...] = ()) -> None:
    """``--format``, ``--lang``, ``--out`` and, for reports of several tables, ``--table``."""
    parser.add_argument("--format", type=Format, choices=list(Format), default=default_format,
                        help=t("csv (UTF-8 with BOM, ';', one table), xlsx or pdf (A4) "
                               "(default {format})", format=default_format))
    # Headers and text follow the command's language (--lang before the command, or LANG).
    parser.add_argument("--lang", type=Language, choices=list(Language),
                        default=Language(language()),
                        help=t("language of headers and text (default: the command's, "
                               "{language})", language=language()))
    parser.add_argument("--out", default="-", metavar=t("FILE"),
                        help=t("file to write (default: stdout)"))
    if tables:
        parser.add_argument("--table", choices=tables, default=None,
                            help=t("the table a CSV holds (default {table})", table=tables[0]))


def register_exports(kinds: Any) -> None:
    """Add the report exports to ``cocagne export``."""
    casf = kinds.add_parser(
        "casf-register",
        help=t("traceability register of an organisation (CASF art. L266-2)"),
        description=t("Every step of the food an organisation handled in a period "
                      "(reception, transformation, storage, distribution), with quantities, "
                      "values and the event each line rests on."))
    add_store_arguments(casf)
    casf.add_argument("--member", required=True, metavar=t("MEMBER"),
                      help=t("the organisation: member id or name"))
    _add_period(casf)
    add_report_arguments(casf, default_format=Format.PDF, tables=TABLE_KEYS["casf-register"])
    casf.set_defaults(func=_guarded(run_export_casf_register))

    attestation = kinds.add_parser(
        "donation-attestation", help=t("a donor's yearly attestation of donations in kind"),
        description=t("What a donor gave in a year, to which organisation, when, how much "
                      "and worth what (declared value or reference price), with the events."))
    add_store_arguments(attestation)
    attestation.add_argument("--donor", required=True, metavar=t("MEMBER"),
                             help=t("donor: member id or exact name"))
    attestation.add_argument("--year", required=True, type=bounded_int(1900, 9999),
                             metavar=t("YEAR"), help=t("calendar year"))
    attestation.add_argument("--organisation", default=None, metavar=t("MEMBER"),
                             help=t("only the donations to this organisation (id or name)"))
    add_report_arguments(attestation, default_format=Format.PDF)
    attestation.set_defaults(func=_guarded(run_export_donation_attestation))

    activity = kinds.add_parser(
        "activity", help=t("a basket programme's activity for a year (or the network's)"),
        description=t("Baskets distributed, households served (a count), kg per channel and "
                      "garden, workshops held, per programme and month."))
    add_store_arguments(activity)
    activity.add_argument("--year", required=True, type=bounded_int(1900, 9999),
                          metavar=t("YEAR"), help=t("calendar year"))
    activity.add_argument("--programme", default=None, metavar=t("PROGRAMME"),
                          help=t("a programme id or exact name (default: every programme)"))
    add_report_arguments(activity, default_format=Format.PDF, tables=TABLE_KEYS["activity"])
    activity.set_defaults(func=_guarded(run_export_activity))


def _add_period(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="start", required=True, type=parse_date,
                        metavar=t("DATE"), help=t("first day (YYYY-MM-DD, Europe/Paris)"))
    parser.add_argument("--to", dest="end", required=True, type=parse_date,
                        metavar=t("DATE"), help=t("last day, included (YYYY-MM-DD)"))


def _guarded(handler: Callable[[argparse.Namespace], int]
             ) -> Callable[[argparse.Namespace], int]:
    """A report that cannot be made says why in one line, exit code 2."""
    def run(arguments: argparse.Namespace) -> int:
        try:
            return handler(arguments)
        except HistoryError as error:
            raise CliError(t("error: {error}", error=one_line(said(error.template,
                                                                   error.fields))),
                           EXIT_USAGE) from error
        except ValueError as error:
            raise CliError(t("error: {error}", error=one_line(error)), EXIT_USAGE) from error
    return run


def write_report(arguments: argparse.Namespace, build: Callable[[Reader], bytes]) -> int:
    """Open the store read-only, write what ``build`` makes of it to ``--out``, close it."""
    reader = Reader(store_from_arguments(arguments))
    try:
        data = build(reader)
    finally:
        reader.close()
    if arguments.out == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        Path(arguments.out).write_bytes(data)
        print(t("wrote {size} bytes to {path}", size=number(len(data)), path=arguments.out),
              file=sys.stderr)
    return 0


def now() -> datetime:
    """When a PDF is made (shown in its footer, in Europe/Paris time)."""
    return datetime.now(UTC)


def run_export_casf_register(arguments: argparse.Namespace) -> int:
    """Write the CASF register."""
    return write_report(arguments, lambda reader: export_casf_register(
        reader, arguments.member, arguments.start, arguments.end, arguments.format,
        arguments.lang, table_key=arguments.table, generated_at=now()))


def run_export_donation_attestation(arguments: argparse.Namespace) -> int:
    """Write the donor's attestation."""
    return write_report(arguments, lambda reader: export_donation_attestation(
        reader, arguments.donor, arguments.year, arguments.format, arguments.lang,
        organisation=arguments.organisation, generated_at=now()))


def run_export_activity(arguments: argparse.Namespace) -> int:
    """Write the activity report."""
    return write_report(arguments, lambda reader: export_activity(
        reader, arguments.year, arguments.format, arguments.lang,
        programme=arguments.programme, table_key=arguments.table, generated_at=now()))
