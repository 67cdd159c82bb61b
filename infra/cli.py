"""The ``cocagne`` command line.

Each area of the ledger contributes its subcommands from its own module (``infra.cli_*``),
each exposing ``register(subparsers)``; every subcommand stores a handler in ``func``
that takes the parsed arguments and returns an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from domain.errors import DomainError
from infra.logs import configure_logging
from infra.store import (
    DATABASE_URL_VARIABLE,
    DEFAULT_SQLITE_PATH,
    StoreConfigurationError,
    StoreLocation,
    location_from_environment,
    parse_database_url,
    sqlite_location,
)

SUBCOMMAND_MODULES = (
    "infra.cli_core",
    "infra.cli_projections",
    "infra.cli_governance",
    "infra.cli_kafka",
    "infra.cli_audit",
    "infra.cli_api",
)


def add_store_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--db FILE`` or ``--database-url URL`` (default: $COCAGNE_DATABASE_URL, else
    var/cocagne.db)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--db", type=Path, help=f"SQLite file (default {DEFAULT_SQLITE_PATH})")
    group.add_argument("--database-url",
                       help=f"sqlite:///FILE or postgresql://USER@HOST:PORT/DB "
                            f"(default ${DATABASE_URL_VARIABLE})")


def store_from_arguments(arguments: argparse.Namespace) -> StoreLocation:
    """The store named on the command line, else by the environment."""
    if getattr(arguments, "db", None):
        return sqlite_location(arguments.db)
    if getattr(arguments, "database_url", None):
        return parse_database_url(arguments.database_url)
    return location_from_environment()


def build_parser() -> argparse.ArgumentParser:
    """The full parser, with every area's subcommands."""
    parser = argparse.ArgumentParser(
        prog="cocagne",
        description="Event-sourced coordination ledger for organic market gardens and "
                    "food-aid organisations.")
    parser.add_argument("--log-level", default=None,
                        help="debug, info, warning or error (default: $COCAGNE_LOG_LEVEL or info)")
    parser.add_argument("--log-json", action="store_true",
                        help="JSON log lines even in a terminal")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in SUBCOMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cocagne`` command."""
    parser = build_parser()
    arguments = parser.parse_args(argv)
    configure_logging(arguments.log_level, json_lines=True if arguments.log_json else None)
    if not getattr(arguments, "func", None):
        parser.print_help()
        return 2
    try:
        code: int = arguments.func(arguments)
    except DomainError as error:
        print(f"refused ({error.code}): {error.message}", file=sys.stderr)
        return 1
    except StoreConfigurationError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
