"""The ``cocagne`` command: one parser built from each area's module.

Each area module (``infra.cli.demo``, ``views``, ``governance``, ``broker``, ``audit``,
``server``) exposes ``register(subparsers)``; every subcommand stores a handler in ``func``
that takes the parsed arguments and returns an exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from domain.errors import DomainError
from infra.cli import audit, broker, demo, governance, server, views
from infra.logs import configure_logging
from infra.store import StoreConfigurationError

AREAS = (demo, views, governance, broker, audit, server)


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
    for area in AREAS:
        area.register(subparsers)
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
