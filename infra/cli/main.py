"""The ``cocagne`` command: one parser built from each area's module.

Each area module (``infra.cli.demo``, ``views``, ``printouts``, ``governance``, ``decisions``,
``broker``, ``audit``, ``server``) exposes ``register(subparsers)``; every subcommand stores a
handler in ``func`` that takes the parsed arguments and returns an exit code.

Start-up stays short (``cocagne --help`` loads no store, projection, Kafka, web or
spreadsheet code): area modules import only light modules at their top; a subcommand's
options are built when it is used (``CommandParser``'s ``build``) and its handler imports
what it needs. Failures end as one line and an exit code (``infra.cli.errors``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from infra.cli import audit, broker, decisions, demo, governance, printouts, server, views
from infra.cli.errors import (
    EXIT_BROKEN_PIPE,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    CliError,
    explain,
)
from infra.cli.support import CommandParser
from infra.cli.words import LANGUAGES, requested_language, t, use_language
from infra.logs import choose_logging

AREAS = (demo, views, printouts, governance, decisions, broker, audit, server)
LOG_LEVELS = ("debug", "info", "warning", "error")
LOG_LEVEL_VARIABLE = "COCAGNE_LOG_LEVEL"
QUERY_LOG_LEVEL = "warning"
"""A command that answers and exits logs warnings only: its answer says the rest. Services
(``serve``, ``relay``, ``consume``, ``seal --follow``) set ``log_level_default="info"``."""


def build_parser() -> CommandParser:
    """The full parser, with every area's subcommands (their options built on use)."""
    parser = CommandParser(
        prog="cocagne",
        description=t("Event-sourced coordination ledger for organic market gardens and "
                      "food-aid organisations."))
    parser.add_argument("--lang", choices=LANGUAGES, dest="ui_language", default=None,
                        help=t("language of messages, tables and formats (default: from "
                               "LC_ALL, LC_MESSAGES or LANG; French unless they ask for "
                               "English)"))
    parser.add_argument("--log-level", choices=LOG_LEVELS, default=None,
                        help=t("debug, info, warning or error (default: ${variable}, else "
                               "info for services, warning for other commands)",
                               variable=LOG_LEVEL_VARIABLE))
    parser.add_argument("--log-json", action="store_true",
                        help=t("JSON log lines even in a terminal"))
    subparsers = parser.add_subparsers(dest="command", metavar=t("COMMAND"),
                                       title=t("commands"))
    for area in AREAS:
        area.register(subparsers)
    return parser


def _log_level(chosen: str | None, default: str) -> str:
    level = chosen or os.environ.get(LOG_LEVEL_VARIABLE) or default
    if level.lower() not in LOG_LEVELS:
        raise CliError(t("{variable}={level!r} is not one of {levels}",
                         variable=LOG_LEVEL_VARIABLE, level=level,
                         levels=", ".join(LOG_LEVELS)))
    return level.lower()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cocagne`` command; returns the exit code."""
    given = list(sys.argv[1:] if argv is None else argv)
    use_language(requested_language(given))
    parser = build_parser()
    try:
        arguments = parser.parse_args(given)
    except SystemExit as stop:  # --help, or a usage error already explained in one line
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE
    if not getattr(arguments, "func", None):
        parser.print_help()
        return EXIT_USAGE
    debug = False
    try:
        level = _log_level(arguments.log_level,
                           getattr(arguments, "log_level_default", QUERY_LOG_LEVEL))
        debug = level == "debug"
        choose_logging(level, json_lines=True if arguments.log_json else None)
        code: int = arguments.func(arguments)
    except KeyboardInterrupt:
        print(t("interrupted"), file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader left (`| head`): say nothing, and keep Python's exit flush quiet too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Exception as error:  # Every failure ends as one line and an exit code.
        message, code = explain(error)
        if debug:
            import traceback  # noqa: PLC0415 - start-up time: only --log-level debug shows it.

            traceback.print_exc()
        print(message, file=sys.stderr)
        return code
    return code


if __name__ == "__main__":
    sys.exit(main())
